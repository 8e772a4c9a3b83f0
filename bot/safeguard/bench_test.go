package safeguard

import (
	"strings"
	"testing"
)

// BenchmarkDetect runs typical citizen messages (mostly ordinary feedback,
// some crisis and help) against a pilot's three languages plus English.
func BenchmarkDetect(b *testing.B) {
	l, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		langs []string
		msgs  []string
	}{
		{"fi-sv-et", []string{"fi", "sv", "et"}, []string{
			"The staff at the youth centre are great but the bus there takes forever",
			"bins not collected for 2 weeks now!!",
			"Henkilökunta oli tosi ystävällistä ja apu oli hyvää",
			"Jag vill inte leva längre",
			"my partner hits me and I'm scared to go home",
			"🆘 Tarvitsen apua nyt",
			"ok",
			"Noortekeskus on tore koht, aga buss hilineb alati ja talvel on külm oodata",
		}},
		{"nl-de-fr", []string{"nl", "de", "fr"}, []string{
			"De container is weer niet geleegd, al twee weken niet",
			"Ich brauche Hilfe beim Antrag, wer kann mir helfen?",
			"je veux mourir",
			"Merci beaucoup pour votre aide, la formation était top",
			"ik ben doodmoe na de cursus",
		}},
		{"ar-fa-prs", []string{"ar", "fa", "prs"}, []string{
			"شكرا على المساعدة، الموظف كان محترم",
			"أريد أن أموت",
			"ممنون از کمکتون، خدمات عالی بود",
			"شوهرم مرا لت و کوب می‌کند",
			"الباص تأخر كثير اليوم والدوام كان طويل",
		}},
		{"long-message", []string{"en", "pl", "hu"}, []string{
			strings.Repeat("the flat is cold and the boiler keeps breaking, nobody came to fix it, please send someone before winter. ", 20),
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				l.Detect(c.msgs[i%len(c.msgs)], c.langs)
			}
		})
	}
}
