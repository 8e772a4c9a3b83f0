package ideas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Café", "cafe"},
		{"NUORISOTALO", "nuorisotalo"},
		{"Straße", "strasse"},
		{"İstanbul", "istanbul"},
		{"ılık", "ilik"},
		{"Długa", "dluga"},
		{"Għawm", "ghawm"},
		{"ＡＢＣ", "abc"}, // full-width, by NFKC
		{"οδός", "οδοσ"},
		{"ΟΔΟΣ", "οδοσ"},
		{"Ёлка", "елка"},
		{"الحديقة", "الحدیقه"},  // Arabic yeh and ta marbuta as in Persian
		{"كتاب", "کتاب"},        // Arabic kaf as Persian kaf
		{"می‌خواهم", "میخواهم"}, // the joiner goes
		{"١٢٣", "123"},          // Arabic-Indic digits
		{"۰۴۰", "040"},          // Persian digits
		{"ጎደና", "ጎደና"},          // Ethiopic stays
		{"مُدَرِّسَة", "مدرسه"}, // vowel marks go
	}
	for _, tt := range tests {
		if got := fold(tt.in); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenizeKeepsSpans(t *testing.T) {
	text := "Kauppakatu 12, l'ufficio — ул. Длинная!"
	var got []string
	for _, tk := range tokenize(text) {
		if text[tk.start:tk.end] != tk.raw {
			t.Errorf("span %d:%d is %q, token says %q", tk.start, tk.end, text[tk.start:tk.end], tk.raw)
		}
		got = append(got, tk.raw)
	}
	want := "Kauppakatu 12 l ufficio ул Длинная"
	if strings.Join(got, " ") != want {
		t.Errorf("tokens %q, want %q", strings.Join(got, " "), want)
	}
}

func newTestIndex(lang string, texts ...string) *Index {
	ix := New(lang)
	for i, s := range texts {
		ix.Add(fmt.Sprint("i", i), s)
	}
	return ix
}

func TestSimilarFindsRephrasingNotTopic(t *testing.T) {
	ix := newTestIndex("en",
		"Keep the youth centre open in the evenings",
		"The youth centre needs a new roof",
		"More benches in the park",
		"Free school meals for teenagers",
	)
	hits := ix.SimilarAbove("Longer opening hours at the youth centre", 5, 0.01)
	if len(hits) < 2 || hits[0].ID != "i0" || hits[1].ID != "i1" {
		t.Fatalf("SimilarAbove = %v, want i0 (the same request) before i1 (the same place)", hits)
	}
	hits = ix.Similar("The youth centre should stay open in the evenings", 5)
	if len(hits) != 1 || hits[0].ID != "i0" {
		t.Fatalf("Similar = %v, want only i0", hits)
	}
	if hits[0].Score < DefaultThreshold || hits[0].Score > 1 {
		t.Errorf("score %v out of [threshold, 1]", hits[0].Score)
	}
}

func TestSimilarOrderAndMax(t *testing.T) {
	ix := newTestIndex("fi",
		"Nuorisotalo auki iltaisin",
		"Nuorisotalo auki iltaisin ja viikonloppuisin",
		"Nuorisotalo auki iltaisin ja viikonloppuisin, myös kesällä ja lomilla",
		"Kirjastoon hiljainen huone",
	)
	all := ix.SimilarAbove("Nuorisotalo auki iltaisin", 10, 0.01)
	if len(all) < 3 || all[0].ID != "i0" || all[0].Score < 0.999 {
		t.Fatalf("SimilarAbove = %v, want i0 first with score 1", all)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Score > all[i-1].Score {
			t.Errorf("hits not best first: %v", all)
		}
	}
	if got := ix.SimilarAbove("Nuorisotalo auki iltaisin", 2, 0.01); len(got) != 2 {
		t.Errorf("max 2 gave %d hits", len(got))
	}
	if got := ix.Similar("Nuorisotalo auki iltaisin", 0); got != nil {
		t.Errorf("max 0 gave %v", got)
	}
}

func TestSimilarScriptsAndDirections(t *testing.T) {
	tests := []struct{ lang, stored, query string }{
		{"ar", "ساعات عمل أطول في مركز الشباب", "مركز الشباب يحتاج ساعات عمل أطول"},
		{"fa", "ساعت کاری طولانی‌تر برای مرکز جوانان", "مرکز جوانان ساعت کاری طولانی تر"},
		{"ti", "ናይ መንእሰያት ማእከል ዝነውሐ ናይ ስራሕ ሰዓታት", "ዝነውሐ ናይ ስራሕ ሰዓታት ኣብ ናይ መንእሰያት ማእከል"},
		{"el", "Μεγαλύτερο ωράριο στο κέντρο νεότητας", "ΜΕΓΑΛΥΤΕΡΟ ΩΡΑΡΙΟ ΣΤΟ ΚΕΝΤΡΟ ΝΕΟΤΗΤΑΣ"},
		{"tr", "Gençlik merkezinin açık kalma saatleri uzatılsın", "GENÇLİK MERKEZİNİN AÇIK KALMA SAATLERİ UZATILSIN"},
		{"pl", "Dłuższe godziny otwarcia klubu", "dluzsze godziny otwarcia klubu"},
	}
	for _, tt := range tests {
		ix := newTestIndex(tt.lang, tt.stored, "Something else entirely")
		hits := ix.Similar(tt.query, 3)
		if len(hits) != 1 || hits[0].ID != "i0" {
			t.Errorf("%s: Similar(%q) = %v, want i0", tt.lang, tt.query, hits)
		}
	}
}

func TestAddReplacesAndRemove(t *testing.T) {
	ix := New("en")
	ix.Add("a", "More bins in the park")
	ix.Add("a", "Longer opening hours at the library")
	if ix.Len() != 1 {
		t.Fatalf("Len = %d after replacing, want 1", ix.Len())
	}
	if hits := ix.Similar("More bins in the park", 3); len(hits) != 0 {
		t.Errorf("old text still found: %v", hits)
	}
	if hits := ix.Similar("longer library opening hours", 3); len(hits) != 1 {
		t.Errorf("new text not found: %v", hits)
	}
	ix.Remove("a")
	ix.Remove("unknown")
	if ix.Len() != 0 || len(ix.Similar("longer library opening hours", 3)) != 0 {
		t.Errorf("removed idea still there")
	}
}

// TestRemoveMatchesFreshIndex checks that an index after many additions and
// removals (with compaction) scores exactly like one built from the ideas
// that are left.
func TestRemoveMatchesFreshIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := syntheticIdeas(rng, 400)
	ix := New("en")
	kept := New("en")
	for i, s := range texts {
		ix.Add(fmt.Sprint(i), s)
	}
	for i, s := range texts {
		if i%3 == 0 {
			kept.Add(fmt.Sprint(i), s)
		} else {
			ix.Remove(fmt.Sprint(i))
		}
	}
	for _, q := range texts[:20] {
		a, b := ix.SimilarAbove(q, 10, 0.1), kept.SimilarAbove(q, 10, 0.1)
		if len(a) != len(b) {
			t.Fatalf("query %q: %v vs fresh %v", q, a, b)
		}
		for i := range a {
			if a[i].ID != b[i].ID || math.Abs(a[i].Score-b[i].Score) > 1e-6 {
				t.Fatalf("query %q: %v vs fresh %v", q, a, b)
			}
		}
	}
}

func TestSimilarOddInput(t *testing.T) {
	empty := New("xx")
	if hits := empty.Similar("anything", 5); hits != nil {
		t.Errorf("empty index gave %v", hits)
	}
	ix := newTestIndex("en", "More bins", "", "!!! ???", "the and of")
	for _, q := range []string{"", "   ", "!!!", "the", "\x00\xff", strings.Repeat("a", 10000)} {
		for _, h := range ix.SimilarAbove(q, 5, 0) {
			if h.Score < 0 || h.Score > 1+1e-9 || math.IsNaN(h.Score) {
				t.Errorf("query %q: score %v", q, h.Score)
			}
		}
	}
}

func TestIndexConcurrentUse(t *testing.T) {
	ix := New("en")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				ix.Add(fmt.Sprint(g, "-", i), fmt.Sprintf("idea number %d about the park and bins", i))
				ix.Similar("bins in the park", 3)
				if i%5 == 0 {
					ix.Remove(fmt.Sprint(g, "-", i-1))
				}
			}
		})
	}
	wg.Wait()
	if ix.Len() == 0 {
		t.Error("index empty after concurrent adds")
	}
}

func FuzzSimilar(f *testing.F) {
	f.Add("Longer opening hours at the youth centre", "Keep the youth centre open")
	f.Add("ساعات عمل أطول", "مركز الشباب")
	f.Add("", "\u200c\u0640")
	f.Fuzz(func(t *testing.T, stored, query string) {
		ix := New("ar")
		ix.Add("x", stored)
		for _, h := range ix.SimilarAbove(query, 3, 0) {
			if h.Score < 0 || h.Score > 1+1e-9 || math.IsNaN(h.Score) {
				t.Fatalf("score %v for %q ~ %q", h.Score, stored, query)
			}
		}
	})
}

// syntheticIdeas makes n ideas of 5 to 12 words drawn from the English
// labelled pairs, with a few made-up words so that ideas differ.
func syntheticIdeas(rng *rand.Rand, n int) []string {
	var vocab []string
	for _, tk := range tokenize(strings.Join(englishTexts(), " ")) {
		vocab = append(vocab, tk.raw)
	}
	out := make([]string, n)
	for i := range out {
		words := make([]string, 5+rng.IntN(8))
		for j := range words {
			words[j] = vocab[rng.IntN(len(vocab))]
			if rng.IntN(6) == 0 {
				words[j] += fmt.Sprint(rng.IntN(500))
			}
		}
		out[i] = strings.Join(words, " ")
	}
	return out
}

func englishTexts() []string {
	return []string{
		"Longer opening hours at the youth centre", "Keep the youth centre open in the evenings",
		"Collect the recycling bins every week instead of every two weeks", "Recycling bins should be emptied every week",
		"More appointment times at the job centre in the afternoon", "Council flats have damp and mould, please fix it",
		"A nurse at the child health clinic who speaks Arabic", "Free sports activities for teenagers at weekends",
		"Let people on probation meet their officer online", "The park path is too dark, it needs more lights",
		"A quiet room for homework at the library", "The bins at our block of flats are too small",
		"Help with writing a CV at the job centre", "The waiting list for social housing is far too long",
		"Baby check-ups in the evening for parents who work", "Free collection of old sofas and other bulky waste",
		"Job training for people leaving prison", "Fines for people who leave bulky waste on the street",
	}
}

// BenchmarkSimilar measures one query among 10,000 ideas, and reports the
// index's memory per idea.
func BenchmarkSimilar(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	texts := syntheticIdeas(rng, 10_000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix := New("en")
	for i, s := range texts {
		ix.Add(fmt.Sprint(i), s)
	}
	ix.Similar("warm up", 1) // computes the vector lengths once
	runtime.GC()
	runtime.ReadMemStats(&after)
	perIdea := float64(after.HeapAlloc-before.HeapAlloc) / float64(len(texts))
	queries := syntheticIdeas(rng, 100)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Similar(queries[i%len(queries)], 5)
	}
	b.ReportMetric(perIdea, "bytes/idea")
	runtime.KeepAlive(ix)
}

// BenchmarkSimilarAfterAdd measures a query right after an idea was added
// among 10,000, which recomputes every idea's vector length.
func BenchmarkSimilarAfterAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	texts := syntheticIdeas(rng, 10_000)
	ix := New("en")
	for i, s := range texts {
		ix.Add(fmt.Sprint(i), s)
	}
	queries := syntheticIdeas(rng, 100)
	for i := 0; b.Loop(); i++ {
		ix.Add("new", queries[(i+1)%len(queries)])
		ix.Similar(queries[i%len(queries)], 5)
	}
}
