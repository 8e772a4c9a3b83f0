package ideas

import (
	"strings"
	"unicode/utf8"
)

// stopWordLists holds, per language, the short words that say nothing about
// what an idea is about: articles, pronouns, prepositions, auxiliaries and
// the politeness of a request ("please", "we need", "should"). They are
// folded (see fold) when used, so they may be written with diacritics.
var stopWordLists = map[string]string{
	"en": `a an the and or but of to in on at for from by with about as into than then so
	 i me my we our us you your he she it its they them their this that these those there here
	 is are was were be been being am do does did have has had will would can could should shall may might must
	 not no yes please need needs want wants like more some any all every very also too just
	 get make let more could would there's it's i'd we'd
	 who which too far without than`,
	"fi": `ja tai mutta että kun jos niin myös kuin se ne tämä tuo nämä ne joka mikä
	 minä sinä hän me te he minun meidän teidän heidän sen niiden
	 on ovat oli olisi olla ei en et emme eivät ole olisi pitäisi pitää voisi voi saisi tulisi
	 kiitos please enemmän lisää vähän paljon hyvä myös jo vielä nyt aina kaikki joku jotain
	 haluan haluaisin toivon toivoisin tarvitaan tarvitsemme
	 liian joissa jossa jotka joka`,
	"sv": `och eller men att som om när så för av till i på med från vid om
	 jag du han hon vi ni de den det dem denna detta dessa min vår er deras sin sitt sina
	 är var vara ha har hade bli blir skulle ska kan kunde borde måste vill vilja inte ej
	 tack snälla mer fler mycket lite alla någon något också redan nu alltid behöver behövs
	 ett en man utan som`,
	"et": `ja või aga et kui nii ka kui see need too mis kes
	 mina sina tema meie teie nemad minu meie teie nende selle
	 on oli oleks olema ei pole peaks võiks saaks tuleks palun aitäh
	 rohkem vähem palju kõik keegi midagi juba veel nüüd alati tahan tahaksin vaja
	 liiga olla kus iga ilma`,
	"pl": `i a lub albo ale że gdy jeśli to tak też jak ten ta te tego tej tym ci
	 ja ty on ona my wy oni mój nasz wasz ich jego jej się sobie
	 w we na z ze do od o przy po za dla przez pod nad u
	 jest są był była było być będzie by byłoby mieć ma nie niech można trzeba powinno powinien powinna
	 proszę więcej mniej bardzo wszystko wszyscy coś już jeszcze teraz zawsze chcę chcemy potrzebujemy
	 także gdzie którzy które co za bez`,
	"hu": `a az és vagy de hogy ha mint is se sem nem ez az ezek azok ami aki
	 én te ő mi ti ők engem minket nekem nekünk
	 van vannak volt lenne lesz legyen lehet kell kellene kéne lehetne
	 kérem kérjük köszönöm több kevesebb nagyon minden mindenki valami már még most mindig szeretnék szeretnénk
	 egy egyik
	 túl ne ki nélkül`,
	"nl": `de het een en of maar dat als dan om te van in op aan met voor door bij uit over naar tot
	 ik jij je u hij zij ze wij we jullie hun mijn ons onze deze die dit dat er hier daar
	 is zijn was waren ben wordt worden zou zouden kan kunnen moet moeten mag wil willen niet geen
	 alstublieft graag meer minder veel alle iets al nog nu altijd ook
	 s komen zonder`,
	"it": `il lo la i gli le un uno una e o ma che se come anche di a da in con su per tra fra
	 del dello della dei degli delle al allo alla ai agli alle dal dalla nel nella sul sulla
	 io tu lui lei noi voi loro mio nostro vostro questo questa questi queste quello quella ci si
	 è sono era essere ha hanno avere sarebbe dovrebbe potrebbe può possono deve devono vorrei vogliamo non
	 per favore più meno molto tutto tutti qualcosa già ancora ora sempre serve servono
	 l chi troppo nelle nei senza un`,
	"es": `el la los las un una unos unas y o pero que si como también de a en con por para sin sobre entre
	 del al yo tú él ella nosotros vosotros ellos mi nuestro nuestra su sus este esta estos estas ese esa se nos
	 es son era ser está están estar hay ha han haber sería debería podría puede pueden debe deben quiero queremos no
	 por favor más menos muy todo todos algo ya aún ahora siempre hace falta necesitamos
	 deberían debería demasiado sin`,
	"bg": `и или но че ако като също на в във с със за от до по при без към
	 аз ти той тя ние вие те мой наш ваш техен този тази това тези се
	 е са беше бъде би трябва може могат искам искаме не моля повече по-малко много всичко всички вече още сега винаги нужно
	 да които който която твърде през има без`,
	"cs": `a i nebo ale že když jestli jak také ten ta to ti ty tento tato toto
	 já ty on ona my vy oni můj náš váš jejich se si
	 v ve na z ze do od o u k ke po pro při za s se bez
	 je jsou byl byla bylo být bude by mít má nemá ne mělo měl měla musí může mohou chci chceme potřebujeme prosím
	 více méně velmi všechno všichni něco už ještě teď vždy
	 kteří který která moc měli každý bez`,
	"da": `og eller men at som hvis når så for af til i på med fra ved om
	 jeg du han hun vi i de den det dem denne dette disse min vores jeres deres sin sit sine
	 er var være have har havde blive bliver skulle skal kan kunne bør må vil ikke
	 tak venligst mere flere meget lidt alle nogen noget også allerede nu altid brug
	 der et en uden`,
	"de": `der die das den dem des ein eine einen einem einer und oder aber dass wenn als wie auch
	 von zu im in an am auf mit für aus bei nach über um vom zum zur durch
	 ich du er sie es wir ihr mein unser euer dieser diese dieses es hier dort
	 ist sind war waren sein wäre wird werden würde könnte sollte soll muss müsste kann können möchte möchten will wollen nicht kein keine
	 bitte mehr weniger sehr alle alles etwas schon noch jetzt immer brauchen
	 sollten sollte ohne statt`,
	"el": `ο η το οι τα του της των τον την ένα μια ένας και ή αλλά ότι αν όπως επίσης
	 σε στο στη στην στον στα στους στις από με για χωρίς προς
	 εγώ εσύ αυτός αυτή εμείς εσείς αυτοί μου μας σας τους αυτό αυτά
	 είναι ήταν θα να έχει έχουν πρέπει μπορεί θέλω θέλουμε δεν μη
	 παρακαλώ περισσότερο περισσότερα λιγότερο πολύ όλα όλοι κάτι ήδη ακόμα τώρα πάντα χρειάζεται
	 που τη τον όσους όσοι χωρίς`,
	"fr": `le la les l un une des du de d et ou mais que qu si comme aussi à au aux en dans sur pour par avec sans chez entre
	 je j tu il elle nous vous ils elles mon ma mes notre nos votre vos leur leurs ce cet cette ces se s y
	 est sont était être a ont avoir serait devrait pourrait peut peuvent doit doivent faut veux voudrais voulons ne pas n
	 s'il plaît svp plus moins très tout tous toutes quelque déjà encore maintenant toujours besoin
	 qui trop après sans`,
	"ga": `an na a agus nó ach go gur má mar freisin ar i in le leis do de ó faoi trí chuig
	 mé tú sé sí muid sibh siad mo ár bhur a seo sin siúd
	 is tá bhí bheadh beidh ba níl ní nach chóir ba cheart féidir teastaíonn le do thoil
	 níos mó níos lú an-mhór uile rud éigin cheana fós anois i gcónaí
	 ag sa san atá don ró d gan gach chun níos ar le faoi mar`,
	"hr": `i a ili ali da kad ako kao također taj ta to ti te ovaj ova ovo oni
	 ja ti on ona mi vi oni moj naš vaš njihov se si
	 u na s sa iz do od o po za pri bez kod prema
	 je su bio bila bilo biti bi bio treba trebalo može mogu moraju mora želim želimo ne nije
	 molim više manje vrlo sve svi nešto već još sada uvijek
	 koji koja koje neka preko`,
	"lt": `ir ar bet kad kai jei kaip taip pat tas ta tai tie tos šis ši šie
	 aš tu jis ji mes jūs jie mano mūsų jūsų jų savo
	 į iš su be per prie po už ant nuo iki apie dėl
	 yra buvo būti būtų bus turi turėtų galėtų gali reikia noriu norime ne nėra
	 prašau daugiau mažiau labai viskas visi kažkas jau dar dabar visada
	 kur kas kurie`,
	"lv": `un vai bet ka kad ja kā arī tas tā tie tās šis šī šie
	 es tu viņš viņa mēs jūs viņi mans mūsu jūsu viņu sava savs
	 uz no ar bez pie pēc par līdz caur pa
	 ir bija būt būtu būs vajadzētu varētu var vajag gribu gribam nav ne
	 lūdzu vairāk mazāk ļoti viss visi kaut kas jau vēl tagad vienmēr
	 kur lai kas kuri`,
	"mt": `il l u jew imma li meta jekk kif ukoll dan din dawn dak dik dawk
	 jien int hu hi aħna intom huma tiegħi tagħna tagħkom tagħhom
	 fi fil fl f għal għall ma mal minn mill bla fuq taħt sa lejn
	 huwa hija huma kien kienet ikun jkun għandu għandha għandhom għandna jista jistgħu irid irridu mhux mhix ma
	 jekk jogħġbok aktar inqas ħafna kollox kulħadd xi diġà għadu issa dejjem hemm bżonn
	 tal taż tat tad tan tar tas tax taċ fiċ fil fit fid fis fiż bil bl għal għall għaż mill mit mid ta b f ċ iċ iż it is wisq fejn biex min wara`,
	"pt": `o a os as um uma uns umas e ou mas que se como também de do da dos das em no na nos nas
	 por pelo pela para com sem sobre entre ao à aos às
	 eu tu ele ela nós vós eles elas meu nosso nossa seu sua este esta isto esse essa isso
	 é são era ser está estão estar há ter tem têm seria deveria poderia pode podem deve devem quero queremos não
	 por favor mais menos muito tudo todos algo já ainda agora sempre precisamos
	 devia deviam demais quem`,
	"ro": `și sau dar că când dacă ca cum de asemenea acest această aceste acel acea
	 eu tu el ea noi voi ei ele meu nostru vostru lor se
	 în pe la cu din de pentru fără despre între prin spre
	 este sunt era fi ar fost va trebui trebuie poate pot vreau vrem nu
	 vă rog mai mult puțin foarte tot toți toate ceva deja încă acum mereu nevoie un o unei unui
	 care să e multe prea cei fie după`,
	"sk": `a i alebo ale že keď ak ako tiež ten tá to tí tie tento táto toto
	 ja ty on ona my vy oni môj náš váš ich sa si
	 v vo na z zo do od o u k ku po pre pri za s so bez
	 je sú bol bola bolo byť bude by mať má nemá nie malo mal mala musí môže môžu chcem chceme potrebujeme prosím
	 viac menej veľmi všetko všetci niečo už ešte teraz vždy
	 aj ktorí ktoré mali príliš cez kde`,
	"sl": `in ali a da ko če kot tudi ta to ti te tisti ta
	 jaz ti on ona mi vi oni moj naš vaš njihov se si
	 v na z s iz do od o po za pri brez k h pri proti
	 je so bil bila bilo biti bo bi bilo treba mora morajo lahko želim želimo ne ni
	 prosim več manj zelo vse vsi nekaj že še zdaj vedno
	 naj ki ob`,
	"ar": `في من على إلى الى عن مع و أو او لكن ثم أن ان إن إذا اذا كما أيضا ايضا هذا هذه ذلك تلك هناك هنا التي الذي الذين
	 أنا انا أنت نحن أنتم هو هي هم لنا لي لكم لهم
	 كان كانت يكون يجب ينبغي يمكن لا ليس لم لن نريد أريد اريد نحتاج من فضلك أكثر اكثر أقل اقل جدا كل بعض شيء الآن دائما قد ما
	 بعد عند بدون`,
	"fa": `و یا اما که اگر تا از به در با برای بر بی را این آن اینجا آنجا هم نیز چون مثل
	 من تو او ما شما آنها ایشان مان تان شان
	 است هست هستند بود باشد بودن شود می‌شود باید نباید می‌تواند بتواند می‌خواهم می‌خواهیم نیست نه
	 لطفا لطفاً بیشتر کمتر خیلی همه همهٔ چیزی الان همیشه داریم نیاز
	 یک کسانی هر`,
	"prs": `و یا اما که اگر تا از به در با برای بر بی را این آن اینجا آنجا هم نیز چون مثل
	 من تو او ما شما آنها ایشان
	 است هست هستند بود باشد بودن شود می‌شود باید نباید می‌تواند می‌خواهم می‌خواهیم نیست نی نه
	 لطفا لطفاً بیشتر کمتر خیلی زیاد همه چیزی حالا همیشه داریم ضرورت
	 یک کسانی هر بسیار دارد`,
	"ru": `и или но что чтобы если когда как также тоже этот эта это эти тот та те
	 я ты он она мы вы они мой наш ваш их свой себя
	 в во на с со из до от о об по за при без для к ко у через про
	 есть быть был была было были будет бы нужно надо должен должна должны может могут хочу хотим не нет
	 пожалуйста больше меньше очень всё все что-то уже ещё сейчас всегда
	 слишком тех кто пусть которые где`,
	"so": `iyo ama laakiin in inuu inay haddii sida sidoo kale kan kani kaas tan taas kuwan kuwaas
	 aniga adiga isaga iyada annaga idinka iyaga waxaan waxaynu waxay wuxuu
	 ku ka u la soo oo ee waa waxa yahay ahaa noqon lahaa waa in karaa doonaya rabaa rabnaa
	 fadlan badan yar dhammaan wax mar hadda weli had iyo jeer baahan nahay
	 ah aad buu bay loogu lagu ay ha yihiin yahay oo ee u ku ka la in kuwo`,
	"ti": `እና ወይ ግን ከም እንተ ኣብ ናብ ካብ ምስ ብ ን ንሕና ንስኻ ንሱ ንሳ ንሳቶም እዚ እቲ እዚኦም እቶም
	 ኣለዎ ኣሎ ኣለዉ እዩ እያ እዮም ነይሩ ይግባእ ክኸውን ይኽእል ንደሊ እደሊ ኣይኮነን የለን
	 በጃኹም ዝያዳ ውሑድ ኩሉ ገለ ሕጂ ኩሉ ግዜ
	 ናይ ውን ኣዝዩ ከም እዩ`,
	"tr": `ve veya ya da ama fakat ki eğer gibi de da bu şu o bunlar şunlar onlar
	 ben sen biz siz benim bizim sizin onların kendi
	 için ile göre kadar sonra önce daha en çok az her bir
	 var yok olmalı olsun olabilir olması olur değil mı mi mu mü lütfen istiyorum istiyoruz gerekiyor gerek
	 hepsi herkes bir şey zaten hâlâ şimdi hep
	 fazla çok`,
	"uk": `і й та або але що щоб якщо коли як також теж цей ця це ці той та ті
	 я ти він вона ми ви вони мій наш ваш їх свій себе
	 в у на з із зі до від о об по за при без для к через про
	 є бути був була було були буде б потрібно треба повинен повинна повинні може можуть хочу хочемо не немає
	 будь ласка більше менше дуже все всі щось вже ще зараз завжди
	 надто тих має хто де які нехай`,
}

// articlePrefixes holds, per language, the article and the short words
// written joined to the next word, so that "الحديقة" (the garden) and
// "حديقة" (a garden) share their features. Longest first.
var articlePrefixes = map[string]string{
	"ar": "وال بال فال كال لل ال",
}

// rules is what the index knows of a language: its folded stop words and
// the prefixes to strip.
type rules struct {
	stop     map[string]bool
	prefixes []string
}

// rulesFor returns the rules of a language ("pt-br" uses "pt"); an unknown
// language has none.
func rulesFor(lang string) rules {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	r := rules{stop: map[string]bool{}}
	for _, w := range strings.Fields(stopWordLists[base]) {
		r.stop[fold(w)] = true
	}
	for _, p := range strings.Fields(articlePrefixes[base]) {
		r.prefixes = append(r.prefixes, fold(p))
	}
	return r
}

// minStem is the fewest runes left after stripping a prefix.
const minStem = 3

// word returns the form of a folded word that features are made of, and
// false for a word that says nothing (a stop word, a single letter).
func (r rules) word(w string) (string, bool) {
	if r.stop[w] || (utf8.RuneCountInString(w) < 2 && !isNumber(w)) {
		return "", false
	}
	for _, p := range r.prefixes {
		if rest, ok := strings.CutPrefix(w, p); ok && utf8.RuneCountInString(rest) >= minStem {
			return rest, !r.stop[rest]
		}
	}
	return w, true
}
