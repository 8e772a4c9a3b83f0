package safeguard

import "testing"

// BenchmarkDetect runs typical citizen messages (mostly ordinary feedback,
// some crisis and help) against three pilot languages plus English.
func BenchmarkDetect(b *testing.B) {
	l, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	msgs := []string{
		"The staff at the youth centre are great but the bus there takes forever",
		"bins not collected for 2 weeks now!!",
		"Henkilökunta oli tosi ystävällistä ja apu oli hyvää",
		"Jag vill inte leva längre",
		"my partner hits me and I'm scared to go home",
		"🆘 I need help now",
		"ok",
		"the flat is cold and the boiler keeps breaking, nobody came to fix it, please send someone before winter",
	}
	langs := []string{"fi", "sv", "et"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Detect(msgs[i%len(msgs)], langs)
	}
}
