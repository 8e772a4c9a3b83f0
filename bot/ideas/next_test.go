package ideas

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func cand(id string, votes int, age time.Duration) Candidate {
	return Candidate{ID: id, Votes: votes, Created: now.Add(-age), Available: true}
}

func TestPickerNext(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name  string
		cands []Candidate
		want  string
	}{
		{"empty", nil, ""},
		{"fewest votes first", []Candidate{cand("a", 3, 5*day), cand("b", 7, 5*day), cand("c", 9, 5*day)}, "a"},
		{"never own", []Candidate{{ID: "own", Votes: 0, Created: now, Own: true, Available: true}, cand("b", 4, 5*day)}, "b"},
		{"never seen", []Candidate{{ID: "seen", Votes: 0, Created: now, Seen: true, Available: true}, cand("b", 4, 5*day)}, "b"},
		{"never unavailable", []Candidate{{ID: "fi-only", Votes: 0, Created: now}, cand("b", 4, 5*day)}, "b"},
		{"new idea early", []Candidate{cand("old", 1, 5*day), cand("new", 3, time.Hour)}, "new"},
		{"new idea with enough votes is not early", []Candidate{cand("old", 1, 5*day), cand("new", 5, time.Hour)}, "old"},
		{"new idea found after old ones with equal votes", []Candidate{cand("old1", 2, 5*day), cand("old2", 2, 5*day), cand("new", 4, time.Hour), cand("old3", 9, day)}, "new"},
		{"all excluded", []Candidate{{ID: "x", Own: true, Available: true}, {ID: "y", Seen: true, Available: true}}, ""},
	}
	for _, tt := range tests {
		got, ok := Picker{}.Next(now, 42, slices.Values(tt.cands))
		if got.ID != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: Next = %q, %v; want %q", tt.name, got.ID, ok, tt.want)
		}
	}
}

func TestPickerNilStream(t *testing.T) {
	if c, ok := (Picker{}).Next(now, 1, nil); ok || c.ID != "" {
		t.Errorf("nil stream gave %q, %v", c.ID, ok)
	}
}

func TestPickerOptions(t *testing.T) {
	cands := []Candidate{cand("old", 1, 100*time.Hour), cand("young", 8, 30*time.Hour)}
	p := Picker{NewFor: 72 * time.Hour, NewVotes: 10}
	if got, _ := p.Next(now, 1, slices.Values(cands)); got.ID != "young" {
		t.Errorf("with NewFor 72h and NewVotes 10, Next = %q, want young", got.ID)
	}
	if got, _ := (Picker{}).Next(now, 1, slices.Values(cands)); got.ID != "old" {
		t.Errorf("with defaults, Next = %q, want old", got.ID)
	}
}

// TestPickerSpreadsCitizens checks the seeded tie-break: among ideas with
// equal votes, different citizens get different ideas, and one citizen
// always the same.
func TestPickerSpreadsCitizens(t *testing.T) {
	var cands []Candidate
	for i := range 20 {
		cands = append(cands, cand(fmt.Sprint("idea", i), 2, 72*time.Hour))
	}
	picked := map[string]int{}
	for seed := range uint64(200) {
		c, _ := Picker{}.Next(now, seed, slices.Values(cands))
		again, _ := Picker{}.Next(now, seed, slices.Values(cands))
		if c.ID != again.ID {
			t.Fatalf("seed %d: %q then %q", seed, c.ID, again.ID)
		}
		picked[c.ID]++
	}
	if len(picked) < 15 {
		t.Errorf("200 citizens were shown only %d of 20 equal ideas: %v", len(picked), picked)
	}
	for id, n := range picked {
		if n > 30 {
			t.Errorf("%s shown to %d of 200 citizens", id, n)
		}
	}
}

// TestPickerStopsEarly checks that a sorted stream is read only as far as
// needed, and that the result equals a full read.
func TestPickerStopsEarly(t *testing.T) {
	cands, _ := benchCandidates(1000, 10_000, 7)
	read := 0
	stream := func(yield func(Candidate) bool) {
		for _, c := range cands {
			read++
			if !yield(c) {
				return
			}
		}
	}
	got, _ := Picker{}.Next(now, 9, stream)
	if read > len(cands)/2 {
		t.Errorf("read %d of %d candidates", read, len(cands))
	}
	want := fullScan(cands, 9)
	if got.ID != want.ID {
		t.Errorf("early stop gave %q, full scan %q", got.ID, want.ID)
	}
}

// fullScan is the definition Next must agree with: the least key over all
// eligible candidates.
func fullScan(cands []Candidate, seed uint64) Candidate {
	var best Candidate
	var bestKey pickKey
	found := false
	for _, c := range cands {
		if c.Own || c.Seen || !c.Available {
			continue
		}
		k := pickKey{votes: c.Votes, shuffle: shuffle(seed, c.ID)}
		if c.Votes >= DefaultNewVotes || now.Sub(c.Created) >= DefaultNewFor {
			k.old = 1
		}
		if !found || k.less(bestKey) {
			best, bestKey, found = c, k, true
		}
	}
	return best
}

func TestPickerMatchesFullScan(t *testing.T) {
	for seed := range uint64(50) {
		cands, _ := benchCandidates(300, 1500, seed)
		got, _ := Picker{}.Next(now, seed, slices.Values(cands))
		if want := fullScan(cands, seed); got.ID != want.ID {
			t.Fatalf("seed %d: Next %q, full scan %q", seed, got.ID, want.ID)
		}
	}
}

// benchCandidates makes ideas with votes spread over them, sorted by
// votes, and marks as seen the ideas a citizen with 30 votes would have
// seen. Some ideas are new (less than a day old).
func benchCandidates(ideas, votes int, seed uint64) ([]Candidate, int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	cands := make([]Candidate, ideas)
	for i := range cands {
		cands[i] = Candidate{ID: fmt.Sprint("idea-", i), Created: now.Add(-time.Duration(rng.IntN(60*24)) * time.Hour), Available: rng.IntN(20) != 0}
	}
	for range votes {
		// Older ideas have had more time to collect votes.
		i := rng.IntN(ideas)
		if j := rng.IntN(ideas); cands[j].Created.Before(cands[i].Created) {
			i = j
		}
		cands[i].Votes++
	}
	for range 30 {
		cands[rng.IntN(ideas)].Seen = true
	}
	cands[rng.IntN(ideas)].Own = true
	slices.SortStableFunc(cands, func(a, b Candidate) int { return a.Votes - b.Votes })
	return cands, votes
}

// BenchmarkPickerNext picks among 10,000 ideas with 100,000 votes, fed as a
// sorted stream.
func BenchmarkPickerNext(b *testing.B) {
	cands, _ := benchCandidates(10_000, 100_000, 1)
	var seed uint64
	for b.Loop() {
		seed++
		Picker{}.Next(now, seed, slices.Values(cands))
	}
}

// BenchmarkPickerNextFullRead is the worst case: the citizen has seen every
// idea but the one with the most votes, so the whole stream is read.
func BenchmarkPickerNextFullRead(b *testing.B) {
	cands, _ := benchCandidates(10_000, 100_000, 1)
	for i := range cands[:len(cands)-1] {
		cands[i].Seen = true
	}
	cands[len(cands)-1].Available = true
	var seed uint64
	for b.Loop() {
		seed++
		if _, ok := (Picker{}).Next(now, seed, slices.Values(cands)); !ok {
			b.Fatal("no idea picked")
		}
	}
}
