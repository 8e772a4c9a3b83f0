package rds

import (
	"math"
	"strings"
	"testing"
)

// The worked example: 8 participants, 2 seeds, 3 waves.
//
//	wave 0    A (d=2)            B (d=4)
//	          /      \               |
//	wave 1  C (d=4)  D (d=8)       E (d missing)
//	         |        |              |
//	wave 2  F (d=8)  G (d=4)       H (d=2)
//
// Known degrees 2 4 4 8 8 4 2, sorted 2 2 4 4 4 8 8: the median is 4, so E
// gets 4 (1 imputed).
//
// 1/d: A 1/2, B 1/4, C 1/4, D 1/8, E 1/4, F 1/8, G 1/4, H 1/2; sum 9/4.
// w = n·(1/d)/sum = 8·(1/d)·4/9 = 32/(9d):
//
//	d=2: 16/9    d=4: 8/9    d=8: 4/9        (sum 2·16/9 + 4·8/9 + 2·4/9 = 8)
//
// "uses the service": yes for A C D F, no for B E G H.
//
//	yes: 16/9 + 8/9 + 4/9 + 4/9 = 32/9, share (32/9)/8 = 4/9
//	no:   8/9 + 8/9 + 8/9 + 16/9 = 40/9, share 5/9
//	plain shares: 1/2 and 1/2
//
// The people with many contacts said yes; weighting lowers the yes share.
//
// "language": ar A B G, en C F, ti E H, D did not answer. The answered
// weights sum to 8 - 4/9 = 68/9:
//
//	ar: 16/9 + 8/9 + 8/9 = 32/9 -> 32/68 = 8/17   (plain 3/7)
//	en:  8/9 + 4/9       = 12/9 -> 12/68 = 3/17   (plain 2/7)
//	ti:  8/9 + 16/9      = 24/9 -> 24/68 = 6/17   (plain 2/7)
var example = []Participant{
	{ID: "A", Wave: 0, Degree: 2},
	{ID: "B", Wave: 0, Degree: 4},
	{ID: "C", Recruiter: "A", Wave: 1, Degree: 4},
	{ID: "D", Recruiter: "A", Wave: 1, Degree: 8},
	{ID: "E", Recruiter: "B", Wave: 1},
	{ID: "F", Recruiter: "C", Wave: 2, Degree: 8},
	{ID: "G", Recruiter: "D", Wave: 2, Degree: 4},
	{ID: "H", Recruiter: "E", Wave: 2, Degree: 2},
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestRDSIIWorkedExample(t *testing.T) {
	w, err := RDSII(example)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{16.0 / 9, 8.0 / 9, 8.0 / 9, 4.0 / 9, 8.0 / 9, 4.0 / 9, 8.0 / 9, 16.0 / 9}
	for i := range want {
		if !near(w.W[i], want[i]) {
			t.Errorf("weight of %s = %v, want %v", example[i].ID, w.W[i], want[i])
		}
	}
	if w.Imputed != 1 || w.Median != 4 {
		t.Errorf("imputed %d at %v, want 1 at 4", w.Imputed, w.Median)
	}

	uses, err := w.Proportions([]string{"yes", "no", "yes", "yes", "no", "yes", "no", "no"})
	if err != nil {
		t.Fatal(err)
	}
	checkShares(t, uses, []Share{
		{Category: "no", Count: 4, Sample: 0.5, RDSII: 5.0 / 9},
		{Category: "yes", Count: 4, Sample: 0.5, RDSII: 4.0 / 9},
	})

	lang, err := w.Proportions([]string{"ar", "ar", "en", "", "ti", "en", "ar", "ti"})
	if err != nil {
		t.Fatal(err)
	}
	checkShares(t, lang, []Share{
		{Category: "ar", Count: 3, Sample: 3.0 / 7, RDSII: 8.0 / 17},
		{Category: "en", Count: 2, Sample: 2.0 / 7, RDSII: 3.0 / 17},
		{Category: "ti", Count: 2, Sample: 2.0 / 7, RDSII: 6.0 / 17},
	})
}

func checkShares(t *testing.T, got, want []Share) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d categories %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Category != w.Category || g.Count != w.Count || !near(g.Sample, w.Sample) || !near(g.RDSII, w.RDSII) {
			t.Errorf("share %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestRDSIIEdgeCases(t *testing.T) {
	t.Run("equal degrees give equal weights", func(t *testing.T) {
		w, err := RDSII([]Participant{{ID: "a", Degree: 5}, {ID: "b", Recruiter: "a", Wave: 1, Degree: 5}, {ID: "c", Degree: 5}})
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range w.W {
			if !near(x, 1) {
				t.Errorf("weight %d = %v, want 1", i, x)
			}
		}
	})
	t.Run("zero and negative degrees are imputed with the median of an even count", func(t *testing.T) {
		// Known 2 and 6: median 4. d = 2, 6, 4, 4: 1/d sum = 1/2+1/6+1/4+1/4 = 7/6.
		// w = 4·(1/d)·6/7 = 24/(7d): 12/7, 4/7, 6/7, 6/7.
		w, err := RDSII([]Participant{{ID: "a", Degree: 2}, {ID: "b", Degree: 6}, {ID: "c", Degree: 0}, {ID: "d", Degree: -3}})
		if err != nil {
			t.Fatal(err)
		}
		if w.Median != 4 || w.Imputed != 2 {
			t.Errorf("median %v, imputed %d; want 4 and 2", w.Median, w.Imputed)
		}
		for i, want := range []float64{12.0 / 7, 4.0 / 7, 6.0 / 7, 6.0 / 7} {
			if !near(w.W[i], want) {
				t.Errorf("weight %d = %v, want %v", i, w.W[i], want)
			}
		}
	})
	t.Run("one participant", func(t *testing.T) {
		w, err := RDSII([]Participant{{ID: "only", Degree: 3}})
		if err != nil || len(w.W) != 1 || w.W[0] != 1 {
			t.Errorf("got %+v, %v; want the weight 1", w, err)
		}
	})

	errCases := []struct {
		name   string
		sample []Participant
		want   string
	}{
		{"empty", nil, "empty"},
		{"no degrees", []Participant{{ID: "a"}, {ID: "b", Recruiter: "a", Wave: 1}}, "no participant reported a network size"},
		{"duplicate", []Participant{{ID: "a", Degree: 1}, {ID: "a", Degree: 2}}, `"a" appears twice`},
		{"no id", []Participant{{Degree: 1}}, "has no id"},
		{"unknown recruiter", []Participant{{ID: "a", Recruiter: "z", Wave: 1, Degree: 1}}, `"z", who is not in the sample`},
		{"seed not in wave 0", []Participant{{ID: "a", Wave: 2, Degree: 1}}, "wave 2, not 0"},
		{"wave skips", []Participant{{ID: "a", Degree: 1}, {ID: "b", Recruiter: "a", Wave: 2, Degree: 1}}, "one wave after"},
		{"recruits self", []Participant{{ID: "a", Recruiter: "a", Wave: 1, Degree: 1}}, "one wave after"},
	}
	for _, tt := range errCases {
		if _, err := RDSII(tt.sample); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one about %q", tt.name, err, tt.want)
		}
	}
}

func TestProportionsErrors(t *testing.T) {
	w, err := RDSII(example)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Proportions([]string{"yes"}); err == nil || !strings.Contains(err.Error(), "8 participants but the answers number 1") {
		t.Errorf("short answers: %v", err)
	}
	if _, err := w.Proportions(make([]string, 8)); err == nil || !strings.Contains(err.Error(), "no participant answered") {
		t.Errorf("no answers: %v", err)
	}
}

// TestRDSIIWithdrawn: D of the worked example erased their data. They keep
// their place (G's recruiter), but the sample is the other 7.
//
// Known degrees A2 B4 C4 F8 G4 H2, sorted 2 2 4 4 4 8: median 4, E gets 4.
// 1/d: A 1/2, B 1/4, C 1/4, E 1/4, F 1/8, G 1/4, H 1/2; sum 17/8.
// w = 7·(1/d)·8/17 = 56/(17d): d=2: 28/17, d=4: 14/17, d=8: 7/17; sum 7.
func TestRDSIIWithdrawn(t *testing.T) {
	sample := append([]Participant(nil), example...)
	sample[3] = Participant{ID: "D", Recruiter: "A", Wave: 1, Withdrawn: true}
	w, err := RDSII(sample)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{28.0 / 17, 14.0 / 17, 14.0 / 17, 0, 14.0 / 17, 7.0 / 17, 14.0 / 17, 28.0 / 17}
	for i := range want {
		if !near(w.W[i], want[i]) {
			t.Errorf("weight of %s = %v, want %v", sample[i].ID, w.W[i], want[i])
		}
	}
	if w.Imputed != 1 || w.Median != 4 {
		t.Errorf("imputed %d with median %v, want 1 with 4", w.Imputed, w.Median)
	}
	shares, err := w.Proportions([]string{"yes", "no", "yes", "yes", "no", "yes", "no", "no"})
	if err != nil {
		t.Fatal(err)
	}
	// yes: A C F = 28+14+7 = 49/17 of 7 -> 7/17; D's answer does not count.
	if shares[1].Category != "yes" || shares[1].Count != 3 || !near(shares[1].RDSII, 7.0/17) {
		t.Errorf("shares %+v", shares)
	}
	if err := Check(sample[4:]); err == nil {
		t.Error("a tree without the recruiters checks")
	}
}
