package safeguard

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var report = flag.Bool("report", false, "rewrite the measured table in docs/safeguarding.md")

// The bar every language's tuning corpus must clear.
const (
	minRecall     = 0.95
	maxFalseAlarm = 0.02
	minHelpRecall = 0.90
)

// corpus is one labelled file of testdata/corpus.
type corpus struct {
	Suicide  []string `yaml:"suicide"`
	Abuse    []string `yaml:"abuse"`
	Danger   []string `yaml:"danger"`
	Help     []string `yaml:"help"`
	Ordinary []string `yaml:"ordinary"`
}

func (c corpus) crisis() []string { return slices.Concat(c.Suicide, c.Abuse, c.Danger) }

func readCorpus(path string) (corpus, error) {
	var c corpus
	data, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// score is what Detect made of one corpus.
type score struct {
	crisis, crisisHit    int
	help, helpHit        int
	ordinary, falseAlarm int
	ordinaryHelp         int // ordinary messages shown the help text (not alerted)
	misses, falseAlarms  []string
}

func measure(l *Lexicon, lang string, c corpus) score {
	var s score
	langs := []string{lang}
	for _, m := range c.crisis() {
		s.crisis++
		if got, ok := l.Detect(m, langs); ok && got.Category.Crisis() {
			s.crisisHit++
		} else {
			s.misses = append(s.misses, "crisis: "+m)
		}
	}
	for _, m := range c.Help {
		s.help++
		if _, ok := l.Detect(m, langs); ok {
			s.helpHit++
		} else {
			s.misses = append(s.misses, "help: "+m)
		}
	}
	for _, m := range c.Ordinary {
		s.ordinary++
		got, ok := l.Detect(m, langs)
		switch {
		case ok && got.Category.Crisis():
			s.falseAlarm++
			s.falseAlarms = append(s.falseAlarms, fmt.Sprintf("%s  [%s %s: %s]", m, got.Category, got.Lang, got.Pattern))
		case ok:
			s.ordinaryHelp++
		}
	}
	return s
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s score) recall() float64     { return ratio(s.crisisHit, s.crisis) }
func (s score) falseRate() float64  { return ratio(s.falseAlarm, s.ordinary) }
func (s score) helpRecall() float64 { return ratio(s.helpHit, s.help) }

func (s score) cells() string {
	return fmt.Sprintf("%d/%d (%.0f%%) | %d/%d (%.1f%%) | %d/%d (%.0f%%)",
		s.crisisHit, s.crisis, 100*s.recall(),
		s.falseAlarm, s.ordinary, 100*s.falseRate(),
		s.helpHit, s.help, 100*s.helpRecall())
}

// TestCorpus measures every language on its labelled messages: the tuning
// set (testdata/corpus/<lang>.yaml) must clear the bar; the held-out set
// (testdata/corpus/heldout/<lang>.yaml), never used to tune, is reported.
func TestCorpus(t *testing.T) {
	l, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	table.WriteString("| language | reviewed | recall (tuning) | false alarms (tuning) | help recall (tuning) | recall (held out) | false alarms (held out) | help recall (held out) | ordinary shown the help text (all) |\n")
	table.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, lang := range l.Languages() {
		tune, err := readCorpus(filepath.Join("testdata", "corpus", lang+".yaml"))
		if err != nil {
			t.Errorf("%s: every lexicon language needs a tuning corpus: %v", lang, err)
			continue
		}
		held, err := readCorpus(filepath.Join("testdata", "corpus", "heldout", lang+".yaml"))
		if err != nil {
			t.Errorf("%s: every lexicon language needs a held-out corpus: %v", lang, err)
			continue
		}
		ts, hs := measure(l, lang, tune), measure(l, lang, held)
		ll := l.langs[lang]
		fmt.Fprintf(&table, "| %s (%s) | %s | %s | %s | %d/%d |\n", ll.name, lang, yesNo(ll.reviewed), ts.cells(), hs.cells(),
			ts.ordinaryHelp+hs.ordinaryHelp, ts.ordinary+hs.ordinary)
		checkCorpusSize(t, lang, tune, held)
		if ts.recall() < minRecall || ts.falseRate() > maxFalseAlarm || ts.helpRecall() < minHelpRecall {
			t.Errorf("%s: tuning set below the bar (recall %.2f, false alarms %.3f, help %.2f)", lang, ts.recall(), ts.falseRate(), ts.helpRecall())
		}
		for _, m := range slices.Concat(ts.misses, ts.falseAlarms) {
			t.Logf("%s tuning: %s", lang, m) // held-out misses are not shown: they must not guide tuning
		}
	}
	t.Log("\n" + table.String())
	checkDocs(t, table.String(), l)
}

func checkCorpusSize(t *testing.T, lang string, tune, held corpus) {
	t.Helper()
	crisis := len(tune.crisis()) + len(held.crisis())
	help := len(tune.Help) + len(held.Help)
	ord := len(tune.Ordinary) + len(held.Ordinary)
	if crisis < 40 || ord < 60 || help < 10 {
		t.Errorf("%s: corpus too small: %d crisis (want 40), %d ordinary (want 60), %d help (want 10)", lang, crisis, ord, help)
	}
	for _, c := range []struct {
		name string
		msgs []string
	}{{"suicide", tune.Suicide}, {"abuse", tune.Abuse}, {"danger", tune.Danger}, {"help", tune.Help}} {
		if len(c.msgs) == 0 {
			t.Errorf("%s: tuning corpus has no %s messages", lang, c.name)
		}
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

const (
	docsPath   = "../../docs/safeguarding.md"
	tableStart = "<!-- corpus table: generated by go test ./bot/safeguard -run Corpus -report -->\n"
	tableEnd   = "<!-- end of corpus table -->\n"
)

// checkDocs keeps the measured table in docs/safeguarding.md in step with
// the lexicon: -report rewrites it, otherwise a stale table fails.
func checkDocs(t *testing.T, table string, l *Lexicon) {
	t.Helper()
	doc, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("read the docs: %v", err)
	}
	before, rest, ok1 := strings.Cut(string(doc), tableStart)
	_, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s: the markers around the corpus table are missing", docsPath)
	}
	want := before + tableStart + table + "\n" + foldTable(l) + tableEnd + after
	if *report {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != string(doc) {
		t.Errorf("%s: the corpus table is out of date; run go test ./bot/safeguard -run Corpus -report", docsPath)
	}
}

// foldTable documents, per language, which letters are folded and how many
// patterns each category has.
func foldTable(l *Lexicon) string {
	var b strings.Builder
	b.WriteString("| language | letters typed without accents (folded) | suicide | abuse | danger | help | exclude |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, lang := range l.Languages() {
		ll := l.langs[lang]
		n := map[Category]int{}
		for _, p := range ll.pats {
			n[p.cat]++
		}
		fold := cmp.Or(ll.fold.describe(), "none")
		fmt.Fprintf(&b, "| %s (%s) | %s | %d | %d | %d | %d | %d |\n", ll.name, lang, fold,
			n[Suicide], n[Abuse], n[Danger], n[Help], n[exclusion])
	}
	return b.String()
}

// describe lists the rules for documentation, e.g. "ä→a, ö→o".
func (f *folder) describe() string {
	if f == nil {
		return ""
	}
	rules := slices.Clone(f.rules)
	slices.SortFunc(rules, func(a, b foldRule) int { return strings.Compare(a.from, b.from) })
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = r.from + "→" + r.to
	}
	return strings.Join(parts, ", ")
}
