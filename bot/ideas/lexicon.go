package ideas

import (
	"strings"
	"sync"
)

// The word lists of screening. They are short on purpose: each entry should
// rarely mean anything else, because a false hold costs a coordinator a tap
// on every idea that contains it. Entries are folded (see fold) when used,
// so they may be written with diacritics. In phrases, words are separated by
// spaces and a trailing "*" matches any ending ("idiot*" matches "idiots").
// Pilot teams extend them by asking a developer; the tests in
// screen_test.go show what each list must and must not catch.

// streetTypes are the words for street, road, square... per language.
// "standalone" words are written apart ("Calle Mayor 3", "Petőfi utca 3",
// "12 High Street"); "suffix" words also end compound street names
// ("Kauppakatu 12", "Storgatan 5", "Hauptstraße 5").
var streetTypes = map[string]struct{ standalone, suffix string }{
	"en":  {standalone: "street st road rd avenue ave lane ln drive crescent terrace close way place square gardens grove"},
	"ga":  {standalone: "sráid bóthar ascaill lána cearnóg"},
	"fi":  {standalone: "katu tie kuja polku väylä tori", suffix: "katu tie kuja polku väylä kaari raitti tori"},
	"sv":  {standalone: "gatan vägen gata väg gränd torget allén", suffix: "gatan vägen gata väg gränd torget allén stigen backen"},
	"da":  {standalone: "gade vej allé plads stræde", suffix: "gade vej allé plads stræde"},
	"de":  {standalone: "straße strasse str weg platz allee gasse ring damm", suffix: "straße strasse weg platz allee gasse damm ufer"},
	"nl":  {standalone: "straat laan weg plein gracht kade dijk singel", suffix: "straat laan weg plein gracht kade dijk singel"},
	"et":  {standalone: "tänav tn maantee mnt puiestee pst tee"},
	"pl":  {standalone: "ulica ul aleja al plac osiedle os"},
	"hu":  {standalone: "utca u út tér körút krt köz sor fasor"},
	"cs":  {standalone: "ulice ul náměstí nám třída"},
	"sk":  {standalone: "ulica ul námestie nám"},
	"sl":  {standalone: "ulica ul cesta trg"},
	"hr":  {standalone: "ulica ul cesta trg avenija"},
	"lt":  {standalone: "gatvė g prospektas pr alėja"},
	"lv":  {standalone: "iela prospekts pr bulvāris bulv"},
	"ro":  {standalone: "strada str bulevardul bd bdul calea aleea piața"},
	"bg":  {standalone: "улица ул булевард бул площад пл"},
	"ru":  {standalone: "улица ул проспект просп переулок пер площадь шоссе"},
	"uk":  {standalone: "вулиця вул проспект просп провулок пров площа"},
	"el":  {standalone: "οδός οδ λεωφόρος λεωφ πλατεία"},
	"it":  {standalone: "via viale piazza corso vicolo largo"},
	"es":  {standalone: "calle c avenida avda av plaza paseo camino carretera ronda"},
	"pt":  {standalone: "rua avenida av travessa praça largo estrada alameda"},
	"fr":  {standalone: "rue avenue av boulevard bd place allée impasse chemin quai"},
	"mt":  {standalone: "triq"},
	"tr":  {standalone: "sokak sokağı sk sok cadde caddesi cad bulvar bulvarı mahallesi mah"},
	"ar":  {standalone: "شارع طريق"},
	"fa":  {standalone: "خیابان کوچه بلوار جاده"},
	"prs": {standalone: "سرک کوچه جاده خیابان"},
	"so":  {standalone: "wadada waddada jidka"},
	"ti":  {standalone: "ጎደና መንገዲ"},
}

// houseNumberMarks stand between a street and its number ("No: 5", "nr 5").
const houseNumberMarks = "no nr n nº č c br"

// nameParticles may stand lowercase inside a street name ("Calle de la
// Paz", "Triq il-Kbira", "rue de la Paix").
const nameParticles = "de la del di da do dos das du des le les il l von van der den al el"

// honorifics are titles written before a name ("Mr Smith", "herra
// Virtanen", "pani Kowalska"); postHonorifics follow it ("Kovács úr",
// "Ahmet Bey").
const (
	honorifics = `mr mrs ms dr herra rouva neiti herr frau fru hr härra proua pan pani
		señor señora sr sra senhor senhora signor signora sig sigra dott monsieur madame mme mlle
		meneer mevrouw dhr mevr heer pán gospod gospa gospodin gospođa gospodine domnul doamna dl dna
		kungas kundze ponas ponia sinjur sinjura господин госпожа пан пані κύριος κυρία κ
		السيد السيدة آقای mudane marwo ኣቶ ወይዘሮ`
	postHonorifics = "úr asszony bey hanım"
)

// languageWords holds the lists that depend on the citizen's language.
type languageWords struct {
	firstNames string // common first names that are not also common words
	roles      string // phrases after which a capitalised word is a name
	abuse      string // insults, slurs and threats, one phrase a line
}

var languageLists = map[string]languageWords{
	"en": {
		firstNames: "john james david michael robert william richard thomas daniel paul sarah emma jennifer susan margaret elizabeth jessica karen linda helen mohammed muhammad ahmed fatima aisha omar",
		roles:      "caseworker|case worker|social worker|key worker|youth worker|probation officer|counsellor|counselor|nurse|doctor|teacher|adviser|advisor|work coach",
		abuse: `idiot|idiots|moron*|retard|retards|scum|bastard*|bitch*|cunt|cunts|fuck*|motherfucker*|wanker*|twat|twats|dickhead*
			paki|pakis|nigger*|nigga*|faggot*|fag|fags|tranny|kike|kikes|spic|spics|wog|wogs
			kill you|kill him|kill her|kill them|kill everyone|i will hurt|beat you up|burn it down|bomb the|shoot you|stab you|you're dead|you are dead`,
	},
	"fi": {
		firstNames: "mikko juha jukka matti timo pekka antti jari heikki tuomas ville sari tiina minna päivi johanna riikka kaisa liisa hanna",
		roles:      "sosiaalityöntekijä*|työntekijä*|ohjaaja*|terveydenhoitaja*|hoitaja*|lääkäri*|opettaja*|valvoja*|virkailija*|kuraattori*|neuvoja*|työvalmentaja*",
		abuse: `idioot*|ääliö*|vammai*|vittu*|vitun|huora*|neekeri*|ryssä*
			tapan sinut|tapan teidät|tapan kaikki|hakkaan sinut`,
	},
	"sv": {
		firstNames: "lars anders johan erik karl nils mikael sven karin kerstin ingrid birgitta lena ulla annika",
		roles:      "handläggare*|socialsekreterare*|sjuksköterska*|sköterska*|läkare*|lärare*|kurator*|frivårdsinspektör*|fritidsledare*",
		abuse: `idiot*|dum i huvudet|hora|horor|bög*|neger*|blatte*|svartskalle*
			döda dig|dödar dig|döda er|slå ihjäl`,
	},
	"et": {
		firstNames: "jüri toomas andres tõnu peeter aivar margus tiina kadri liis kristiina piret tiiu merike",
		roles:      "ametnik*|sotsiaaltöötaja*|arst*|õpetaja*|kriminaalhooldaja*|nõustaja*|noorsootöötaja*",
		abuse: `idioot*|loll*|debiil*|pede*|neeger*|türa
			tapan su|tapan sind|tapan teid|põletan maha`,
	},
	"pl": {
		firstNames: "agnieszka katarzyna małgorzata krzysztof andrzej tomasz piotr paweł marek magdalena zofia joanna grzegorz barbara",
		roles:      "kurator*|kuratorka|pracownik socjalny|pracowniczka socjalna|pracownik*|pielęgniarka|lekarz*|lekarka|nauczyciel*|doradca|doradczyni|urzędnik*|urzędniczka|pedagog*",
		abuse: `idiot*|debil*|kretyn*|kurw*|chuj*|pierdol*|jebać|jebany|spierdalaj|pedał|czarnuch*
			zabiję cię|zabije cię|zabiję was|podpalę`,
	},
	"hu": {
		firstNames: "lászló istván zoltán gábor péter ferenc sándor katalin erzsébet zsuzsanna ildikó krisztina mária judit",
		roles:      "ügyintéző*|védőnő*|orvos*|tanár*|pártfogó*|szociális munkás*|családsegítő*",
		abuse: `idióta*|kurva*|geci*|bazd*|baszd*|köcsög*|buzi|nigger*
			megöllek|megölöm|felgyújtom|szétverem`,
	},
	"nl": {
		firstNames: "pieter kees wim henk daan bram joost sanne anke marieke ingrid annemarie",
		roles:      "begeleider*|consulent*|verpleegkundige|dokter|huisarts|leraar|lerares|reclasseringswerker*|klantmanager*|jongerenwerker*",
		abuse: `idioot*|debiel*|mongool*|kut*|klootzak*|hoer|hoeren|flikker|flikkers|neger*|makak*
			ik maak je dood|maak je af|steek je neer|brand het af`,
	},
	"it": {
		firstNames: "giuseppe giovanni francesca alessandro giulia luca paolo matteo federica valentina",
		roles:      "assistente sociale|operatore|operatrice|infermiera|infermiere|medico|dottore|dottoressa|insegnante|educatore|educatrice",
		abuse: `idiota|idioti|cretino|cretina|coglion*|stronz*|vaffanculo|puttana|frocio|froci|negro|negri
			ti ammazzo|vi ammazzo|ammazzo tutti|do fuoco|ti uccido`,
	},
	"es": {
		firstNames: "javier antonio manuel francisco alejandro pablo lucía isabel raquel josefa carmen",
		roles:      "trabajadora social|trabajador social|enfermera|enfermero|médico|médica|doctora|profesor*|educador*|orientador*|técnica|técnico",
		abuse: `idiota*|imbécil*|gilipollas|subnormal*|cabrón|cabrona|hijo de puta|puta|maricón*|negrata*|sudaca*|moro de mierda
			te mato|os mato|te voy a matar|os voy a matar`,
	},
	"de": {
		firstNames: "jürgen klaus stefan sabine petra ursula monika uwe birgit wolfgang andreas",
		abuse: `idiot*|vollidiot*|arschloch*|wichser*|fotze*|hure*|schwuchtel*|neger*|kanake*|zigeuner*
			bring dich um|bringe dich um|mach dich kalt|abfackeln|zünde an`,
	},
	"fr": {
		firstNames: "philippe nathalie isabelle sylvie christophe sébastien céline mathieu",
		roles:      "assistante sociale|assistant social|conseiller*|conseillère|infirmière|infirmier|médecin|éducateur*|éducatrice",
		abuse: `idiot*|débile*|connard*|connasse*|salope*|pute|enculé*|pédé*|nègre*|bougnoul*
			je vais te tuer|je vais vous tuer|te buter|je vais tout brûler`,
	},
	"pt": {
		firstNames: "joão joana francisca tiago rui gonçalo inês beatriz",
		roles:      "assistente social|técnico|técnica|enfermeira|enfermeiro|médico|médica|professor*",
		abuse: `idiota*|imbecil*|puta|foda-se|filho da puta|paneleiro*|preto de merda
			vou-te matar|te mato|vou matar-te`,
	},
	"da":  {firstNames: "jens søren niels mette hanne kirsten lars", abuse: "idiot*|fjols|luder|neger*\nslå dig ihjel|dræbe dig"},
	"bg":  {firstNames: "иван георги димитър николай мария елена йорданка", abuse: "идиот*|тъпак*|копеле|курва|педал*\nще те убия|ще ви убия|ще запаля"},
	"cs":  {firstNames: "jiří petr tomáš lucie hana jana", abuse: "idiot*|debil*|kretén*|kurva|zmrd*|buzerant*\nzabiju tě|zabiju vás|podpálím"},
	"sk":  {firstNames: "jozef ján zuzana mária peter", abuse: "idiot*|debil*|kretén*|kurva|buzerant*\nzabijem ťa|zabijem vás|podpálim"},
	"sl":  {firstNames: "franc janez marko mojca nataša", abuse: "idiot*|kreten*|kurba|pizda|peder*\nubil te bom|ubila te bom|zažgal bom"},
	"hr":  {firstNames: "ivan josip marko ivana dragica", abuse: "idiot*|kreten*|kurva|pizda|jebem|peder*\nubit ću te|ubiti ću te|zapalit ću"},
	"lt":  {firstNames: "jonas tomas mindaugas jurgita vilma", abuse: "idiotas|debilas|kurva|pydaras\nužmušiu tave|nužudysiu|padegsiu"},
	"lv":  {firstNames: "jānis andris ilze inese kristīne māris", abuse: "idiots|debīls|mauka|pidars\nnogalināšu tevi|nodedzināšu"},
	"ro":  {firstNames: "ion gheorghe vasile ioana mihaela florin", abuse: "idiot*|cretin*|pulă|pizda|curv*|muie|poponar*\nte omor|vă omor|dau foc"},
	"el":  {firstNames: "γιώργος δημήτρης κωνσταντίνος νίκος μαρία ελένη αικατερίνη", abuse: "ηλίθι*|βλάκα|μαλάκα*|πουτάνα|γαμώ|πούστη*|αράπη*\nθα σε σκοτώσω|θα σας σκοτώσω|θα το κάψω"},
	"ga":  {firstNames: "seán pádraig siobhán aoife niamh ciarán", abuse: "amadán|óinseach|bastard|idiot*\nmaróidh mé thú"},
	"mt":  {firstNames: "ġorġ ġużeppi pawlu rużar", abuse: "injurant|stupidu|qahba|pufta\nnoqtlok|se noqtlok|naħraq"},
	"ar":  {firstNames: "محمد أحمد فاطمة عائشة خديجة يوسف إبراهيم مصطفى", abuse: "غبي|ابن الكلب|ابن الحرام|شرموطة|عاهرة|منيوك\nسأقتلك|راح اقتلك|سأحرق|سنقتلكم"},
	"fa":  {firstNames: "محمد فاطمه زهرا مریم حسین مهدی سارا", abuse: "احمق|حرامزاده|جنده|کسکش|مادرجنده\nمی‌کشمت|میکشمت|آتش می‌زنم"},
	"prs": {firstNames: "محمد فاطمه زهرا مریم حسین احمد", abuse: "احمق|حرامزاده|کسکش|بی‌غیرت\nمی‌کشمت|میکشمت|آتش می‌زنم"},
	"ru":  {firstNames: "сергей алексей андрей дмитрий наталья ольга татьяна ирина", abuse: "идиот*|дебил*|дурак*|сука|сучка|блядь|бля|хуй*|пидор*|пидар*|чурка|хач|хачи|жид|жиды\nубью тебя|убью вас|я тебя убью|сожгу"},
	"uk":  {firstNames: "андрій олександр оксана юлія тетяна ігор", abuse: "ідіот*|дебіл*|дурень|сука|блядь|хуй*|підор*|москаль*\nвб'ю тебе|вбʼю тебе|уб'ю тебе|спалю"},
	"tr":  {firstNames: "mehmet mustafa ahmet ayşe fatma emine hüseyin zeynep hatice", abuse: "salak*|gerizekalı|orospu*|piç|siktir|amına|ibne*|pezevenk*\nseni öldürürüm|sizi öldürürüm|öldüreceğim|yakacağım"},
	"so":  {firstNames: "maxamed axmed cabdi faadumo xaawo cumar", abuse: "doqon|nacas\nwaan ku dili doonaa|waan ku dilayaa"},
	"ti":  {firstNames: "ዮሃንስ ዮናስ ሚኪኤል ሃይለ ኣብርሃም", abuse: "ዓሻ\nክቐትለካ እየ|ክቐትለኪ እየ"},
}

// phrase is a folded phrase of a list; a word ending in "*" matches by
// prefix.
type phrase []string

func parsePhrases(list string) []phrase {
	var out []phrase
	for _, line := range strings.FieldsFunc(list, func(r rune) bool { return r == '|' || r == '\n' }) {
		var p phrase
		for _, w := range strings.Fields(line) {
			// Split as the tokenizer splits ("foda-se", "vb'ju").
			star := strings.HasSuffix(w, "*")
			for _, t := range tokenize(strings.TrimSuffix(w, "*")) {
				p = append(p, t.norm)
			}
			if star && len(p) > 0 {
				p[len(p)-1] += "*"
			}
		}
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

func foldedSet(lists ...string) map[string]bool {
	set := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			set[fold(w)] = true
		}
	}
	return set
}

// lexicon is the screening vocabulary for one citizen language: its own
// lists and English, and the street words and honorifics of every language.
type lexicon struct {
	firstNames  map[string]bool
	roles       []phrase
	abuse       []phrase
	stop        map[string]bool
	honorifics  map[string]bool
	postHonor   map[string]bool
	streets     map[string]bool // folded standalone street words
	suffixes    []string        // folded compound street endings
	particles   map[string]bool
	numberMarks map[string]bool
}

// lexicons are built once, on first use, and only read after.
var lexicons = sync.OnceValue(func() map[string]*lexicon {
	m := map[string]*lexicon{"": buildLexicon("")}
	for lang := range languageLists {
		m[lang] = buildLexicon(lang)
	}
	return m
})

// lexiconFor returns the lexicon of a language ("pt-br" uses "pt"); an
// unknown language gets the English lists.
func lexiconFor(lang string) *lexicon {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if lx, ok := lexicons()[base]; ok {
		return lx
	}
	return lexicons()[""]
}

func buildLexicon(base string) *lexicon {
	own, en := languageLists[base], languageLists["en"]
	lx := &lexicon{
		firstNames:  foldedSet(own.firstNames, en.firstNames),
		roles:       parsePhrases(own.roles + "|" + en.roles),
		abuse:       parsePhrases(own.abuse + "\n" + en.abuse),
		stop:        rulesFor(base).stop,
		honorifics:  foldedSet(honorifics),
		postHonor:   foldedSet(postHonorifics),
		streets:     map[string]bool{},
		particles:   foldedSet(nameParticles),
		numberMarks: foldedSet(houseNumberMarks),
	}
	for _, st := range streetTypes {
		for _, w := range strings.Fields(st.standalone) {
			lx.streets[fold(w)] = true
		}
		for _, w := range strings.Fields(st.suffix) {
			lx.suffixes = append(lx.suffixes, fold(w))
		}
	}
	return lx
}
