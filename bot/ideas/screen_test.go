package ideas

import (
	"fmt"
	"strings"
	"testing"
)

// flagged renders the reasons of a text as "code:text" for comparison.
func flagged(text string, rs []Reason) string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s:%s", r.Code, text[r.Start:r.End]))
	}
	return strings.Join(out, " | ")
}

type screenCase struct {
	lang, text, want string
}

func runScreen(t *testing.T, cases []screenCase) {
	t.Helper()
	for _, c := range cases {
		got := flagged(c.text, Screen(c.text, c.lang))
		if got != c.want {
			t.Errorf("Screen(%q, %s)\n got  %q\n want %q", c.text, c.lang, got, c.want)
		}
	}
}

func TestScreenPhones(t *testing.T) {
	runScreen(t, []screenCase{
		{"fi", "Soita minulle 040 123 4567 iltaisin", "phone:040 123 4567"},
		{"fi", "Numeroni on +358 40 1234567.", "phone:+358 40 1234567"},
		{"en", "Call me on 07700 900123", "phone:07700 900123"},
		{"en", "ring +44 (0)20 7946 0958 any time", "phone:+44 (0)20 7946 0958"},
		{"es", "Mi móvil es 612 345 678", "phone:612 345 678"},
		{"pl", "tel. 512-345-678", "phone:512-345-678"},
		{"hu", "Hívjon: 06 30 123 4567", "phone:06 30 123 4567"},
		{"nl", "bel 06-12345678 of mail", "phone:06-12345678"},
		{"et", "Minu number 5123 4567", "phone:5123 4567"},
		{"de", "Erreichbar unter 0049 30 12345678", "phone:0049 30 12345678"},
		{"ar", "رقمي ٠٤٠١٢٣٤٥٦٧", "phone:٠٤٠١٢٣٤٥٦٧"},
		// not phones: years, prices, counts, times, dates, lines
		{"en", "The youth centre should be open 24/7", ""},
		{"en", "Bus 12 should run every 10 minutes", ""},
		{"en", "In 2025 we need more bins", ""},
		{"en", "From 2020-2025 the rents went up", ""},
		{"en", "It costs €1 500 000 a year", ""},
		{"fi", "Se maksaa 1 500 000 euroa", ""},
		{"de", "Das kostet 2.500.000 Euro", ""},
		{"en", "Over 1 200 000 people use it", ""},
		{"fi", "Auki 10.00-18.00 joka päivä", ""},
		{"fi", "Kokous 12.05.2025 kello 18", ""},
		{"en", "Reference A12345678 on my letter", ""},
	})
}

func TestScreenEmails(t *testing.T) {
	runScreen(t, []screenCase{
		{"en", "Write to me at jane.doe+ideas@example.co.uk please", "email:jane.doe+ideas@example.co.uk"},
		{"fi", "sähköposti: matti.meikäläinen@esimerkki.fi", "email:matti.meikäläinen@esimerkki.fi"},
		{"en", "Meet @ the library at 5", ""},
		{"en", "Follow @youthcentre on social media", ""},
	})
}

func TestScreenAddresses(t *testing.T) {
	runScreen(t, []screenCase{
		{"fi", "Asun osoitteessa Kauppakatu 12 B", "address:Kauppakatu 12"},
		{"fi", "Mannerheimintie 5 roskat", "address:Mannerheimintie 5"},
		{"sv", "Storgatan 5, Stockholm", "address:Storgatan 5"},
		{"pl", "Mieszkam na ul. Długa 5", "address:ul. Długa 5"},
		{"es", "Vivo en Calle Mayor 3, segundo", "address:Calle Mayor 3"},
		{"es", "en la Calle de la Paz 14", "address:Calle de la Paz 14"},
		{"en", "I live at 12 High Street", "address:12 High Street"},
		{"fr", "au 12 rue de la Paix", "address:12 rue de la Paix"},
		{"hu", "Petőfi utca 3. alatt lakom", "address:Petőfi utca 3"},
		{"it", "abito in via Roma 5", "address:via Roma 5"},
		{"de", "Hauptstraße 5 in Berlin", "address:Hauptstraße 5"},
		{"nl", "Kerkstraat 12a", "address:Kerkstraat 12a"},
		{"et", "Pärnu maantee 10", "address:Pärnu maantee 10"},
		{"tr", "Atatürk Caddesi No: 5", "address:Atatürk Caddesi No: 5"},
		{"mt", "Triq il-Kbira 5, Ħal Qormi", "address:Triq il-Kbira 5"},
		{"ru", "живу на ул. Ленина 5", "address:ул. Ленина 5"},
		{"ar", "أسكن في شارع الملك 12", "address:شارع الملك 12"},
		{"so", "Waxaan degganahay Kauppakatu 12", "address:Kauppakatu 12"}, // a local street in another language
		// not addresses
		{"en", "More street lights on High Street", ""},
		{"en", "Bus 12 to the city centre", ""},
		{"fi", "Lisää katuvaloja Kauppakadulle", ""},
		{"en", "The 5 streets near the park need lights", ""},
		{"en", "Spring 2025 the park opens", ""},
		{"en", "Take line 3 via the station", ""},
	})
}

func TestScreenNames(t *testing.T) {
	runScreen(t, []screenCase{
		{"en", "My caseworker Sarah never answers", "name:Sarah"},
		{"en", "my case worker Kowalski was rude", "name:Kowalski"},
		{"en", "Mr Smith at the job centre was rude", "name:Mr Smith"},
		{"fi", "Ohjaajani Pekka Virtanen ei vastaa", "name:Pekka Virtanen"},
		{"fi", "herra Korhonen ei vastaa puhelimeen", "name:herra Korhonen"},
		{"hu", "Kovács úr nem válaszol", "name:Kovács úr"},
		{"es", "La señora García no contesta", "name:señora García"},
		{"pl", "pani Kowalska z urzędu pracy", "name:pani Kowalska"},
		{"de", "Frau Müller im Jobcenter", "name:Frau Müller"},
		{"tr", "Ahmet Bey çok kaba", "name:Ahmet Bey"},
		{"ar", "الموظف محمد لا يرد", "name:محمد"},
		// not names
		{"en", "The nurse Monday to Friday is enough", ""},
		{"en", "I will miss the youth centre", ""},
		{"en", "Mark the dates in the calendar", ""},
		{"fi", "Anna nuorille lisää aikaa", ""},
		{"en", "Talk to the nurse. She knows", ""},
		{"en", "The HR Manager should reply", ""},
		{"sv", "Per vecka behövs fler tider", ""},
	})
}

func TestScreenAbuse(t *testing.T) {
	runScreen(t, []screenCase{
		{"en", "The staff are idiots", "abuse:idiots"},
		{"en", "I will kill you", "abuse:kill you"},
		{"fi", "Tapan teidät kaikki", "abuse:Tapan teidät kaikki"},
		{"fi", "Te olette idiootteja", "abuse:idiootteja"},
		{"es", "Te lo voy a matar", "abuse:Te lo voy a matar"}, // one word between
		{"es", "Os voy a matar a todos", "abuse:Os voy a matar"},
		{"pl", "Zabiję cię", "abuse:Zabiję cię"},
		{"de", "Der Sachbearbeiter ist ein Arschloch", "abuse:Arschloch"},
		{"ru", "я тебя убью", "abuse:я тебя убью"},
		{"sv", "ni är idioter", "abuse:idioter"},
		// not abuse
		{"en", "More assistance for class trips", ""},
		{"en", "Spicy food at the Pakistani festival", ""},
		{"en", "This will kill the small shops", ""},
		{"pl", "Ścieżka dla rowerów, żeby pedałować bezpiecznie", ""},
		{"nl", "Lampen flikkeren in de gang", ""},
		{"ru", "Жидкость для мытья", ""},
		{"ar", "حديقة للكلاب", ""},
	})
}

func TestAnonymise(t *testing.T) {
	text := "Call Mr Smith on 040 123 4567 or smith@example.com, Kauppakatu 12"
	got := Anonymise(text, Screen(text, "en"))
	want := "Call […] on […] or […], […]"
	if got != want {
		t.Errorf("Anonymise = %q, want %q", got, want)
	}
	overlap := []Reason{{Code: Name, Start: 0, End: 5}, {Code: Abuse, Start: 3, End: 9}, {Code: Phone, Start: 20, End: 99}}
	if got := Anonymise("abcdefghij", overlap); got != "[…]j" {
		t.Errorf("overlapping spans gave %q", got)
	}
	if got := Anonymise("no problem", nil); got != "no problem" {
		t.Errorf("no reasons changed the text: %q", got)
	}
}

func FuzzScreen(f *testing.F) {
	f.Add("Call 040 123 4567, Kauppakatu 12, Mr Smith, idiots", "fi")
	f.Add("ul. Długa 5 +48 512 345 678", "pl")
	f.Add("\xff\xfe 12 ", "")
	f.Fuzz(func(t *testing.T, text, lang string) {
		rs := Screen(text, lang)
		for _, r := range rs {
			if r.Start < 0 || r.End > len(text) || r.Start >= r.End {
				t.Fatalf("bad span %+v in %q", r, text)
			}
		}
		Anonymise(text, rs)
	})
}

func BenchmarkScreen(b *testing.B) {
	text := "Longer opening hours at the youth centre; my caseworker Sarah said to write here. Call 040 123 4567 or come to Kauppakatu 12."
	for b.Loop() {
		Screen(text, "en")
	}
}

// TestScreenCleanIdeas screens every idea of the labelled pairs, which hold
// no personal data and no abuse: nothing may be flagged.
func TestScreenCleanIdeas(t *testing.T) {
	n := 0
	for _, ps := range loadPairSets(t) {
		for _, p := range append(append(ps.Similar, ps.Different...), ps.Reworded...) {
			for _, text := range p {
				n++
				if rs := Screen(text, ps.Lang); len(rs) > 0 {
					t.Errorf("%s: %q flagged %s", ps.Lang, text, flagged(text, rs))
				}
			}
		}
	}
	t.Logf("%d clean ideas screened", n)
}
