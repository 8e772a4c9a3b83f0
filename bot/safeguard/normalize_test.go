package safeguard

import "testing"

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"I'm SCARED!!!", "im scared"},
		{"don’t  want…to live", "dont want to live"},
		{"self-harm", "self harm"},
		{"🆘 I need help now", "sos i need help now"},
		{"help😭😭", "help"},
		{"Ｈｅｌｐ", "help"},                     // full-width letters (NFKC)
		{"Straße", "strasse"},                // ß folds to ss
		{"ΘΈΛΩ ΝΑ ΠΕΘΆΝΩ", "θέλω να πεθάνω"}, // Greek keeps its accents here; the el lexicon folds them
		{"ΑΥΤΟΚΤΟΝΊΑΣ", "αυτοκτονίασ"},       // final sigma folded to σ
		{"أريد أن أموت", "اريد ان اموت"},     // alef with hamza
		{"أُرِيـــدُ", "اريد"},               // harakat and tatweel dropped
		{"می‌خواهم بمیرم", "ميخواهم بميرم"},  // ZWNJ joins; Persian ya as Arabic ya
		{"کمک", "كمك"},                       // Persian kaf
		{"ХОЧУ УМЕРЕТЬ", "хочу умереть"},
		{"ሓገዝ፡ የድልየኒ።", "ሓገዝ የድልየኒ"}, // Ge'ez script, Ethiopic punctuation as spaces
		{"İstanbul", "istanbul"},
		{"  ", ""},
		{"112!", "112"},
	} {
		if got := normalizeString(c.in); got != c.want {
			t.Errorf("normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestStretchedAndSqueeze(t *testing.T) {
	for _, c := range []struct {
		in        string
		stretched bool
		squeezed  string
	}{
		{"heeeelp", true, "help"},
		{"kill", false, "kil"},
		{"tappaa", false, "tapa"},
		{"diiiie", true, "die"},
		{"pleeease", true, "please"},
		{"111", false, "1"}, // digits are not stretched letters
	} {
		if got := stretched(c.in); got != c.stretched {
			t.Errorf("stretched(%q) = %v", c.in, got)
		}
		if got := squeeze(c.in); got != c.squeezed {
			t.Errorf("squeeze(%q) = %q, want %q", c.in, got, c.squeezed)
		}
	}
}

func TestFolder(t *testing.T) {
	f, err := newFolder(map[string]string{"ä": "a", "ö": "o", "ü": "u", "ae": "a", "oe": "o", "ue": "u"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{"töten", "toten"},
		{"toeten", "toten"},
		{"schlägt", "schlagt"},
		{"schlaegt", "schlagt"},
		{"hilfe", "hilfe"},
	} {
		if got := f.fold(c.in); got != c.want {
			t.Errorf("fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := (*folder)(nil).fold("dö"); got != "dö" {
		t.Errorf("nil folder changed the word: %q", got)
	}
	if _, err := newFolder(map[string]string{"": "a"}); err == nil {
		t.Error("an empty fold letter was accepted")
	}
	if got := f.describe(); got != "ae→a, oe→o, ue→u, ä→a, ö→o, ü→u" {
		t.Errorf("describe = %q", got)
	}
}
