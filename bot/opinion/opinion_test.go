package opinion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestAdjustedRandIndex(t *testing.T) {
	// Expected values by hand: ARI = (Σ C(nij,2) − E) / (½(Σ C(ai,2) + Σ C(bj,2)) − E),
	// E = Σ C(ai,2) · Σ C(bj,2) / C(n,2).
	tests := []struct {
		a, b []int
		want float64
	}{
		{[]int{0, 0, 1, 1}, []int{0, 0, 1, 1}, 1},
		{[]int{0, 0, 1, 1}, []int{7, 7, 3, 3}, 1},                     // names of groups do not matter
		{[]int{0, 0, 1, 1}, []int{0, 1, 0, 1}, -0.5},                  // (0 − 2/3) / (2 − 2/3)
		{[]int{0, 0, 0, 1, 1, 1}, []int{0, 0, 1, 1, 2, 2}, 0.8 / 3.3}, // (2 − 1.2) / (4.5 − 1.2)
		{[]int{0, 0, 0, 0}, []int{0, 0, 0, 0}, 1},                     // one group each
		{[]int{0, 0, 0, 0}, []int{0, 1, 2, 3}, 0},
		{nil, nil, 1},
	}
	for _, tt := range tests {
		got, err := AdjustedRandIndex(tt.a, tt.b)
		if err != nil || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("ARI(%v, %v) = %v, %v; want %v", tt.a, tt.b, got, err, tt.want)
		}
	}
	if _, err := AdjustedRandIndex([]int{1}, []int{1, 2}); err == nil {
		t.Error("different lengths gave no error")
	}
}

// planted makes votes of citizens in groups. Each group agrees or
// disagrees with each idea (at random, half and half), members follow
// their group with probability follow (else vote the other way), pass with
// probability pass and skip an idea with probability skip. Every group
// agrees with the first consensus ideas.
type planted struct {
	groups, perGroup, ideas, consensus int
	follow, pass, skip                 float64
}

func (p planted) votes(seed uint64) ([]Cast, map[string]int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	stance := make([][]Vote, p.groups)
	for g := range stance {
		stance[g] = make([]Vote, p.ideas)
		for i := range stance[g] {
			switch {
			case i < p.consensus:
				stance[g][i] = Agree
			default:
				stance[g][i] = []Vote{Agree, Disagree}[rng.IntN(2)]
			}
		}
	}
	var votes []Cast
	truth := map[string]int{}
	for g := range p.groups {
		for c := range p.perGroup {
			id := fmt.Sprintf("g%d-c%d", g, c)
			truth[id] = g
			for i := range p.ideas {
				if rng.Float64() < p.skip {
					continue
				}
				v := stance[g][i]
				switch r := rng.Float64(); {
				case r < p.pass:
					v = Pass
				case r > p.pass+p.follow*(1-p.pass):
					v = -v
				}
				votes = append(votes, Cast{Citizen: id, Idea: fmt.Sprintf("idea%02d", i), Vote: v})
			}
		}
	}
	return votes, truth
}

func ariOf(t *testing.T, res Result, truth map[string]int) float64 {
	t.Helper()
	var a, b []int
	for _, p := range res.Points {
		a = append(a, truth[p.Citizen])
		b = append(b, p.Group)
	}
	ari, err := AdjustedRandIndex(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return ari
}

// TestPlantedGroupsRecovered plants groups in synthetic votes and checks
// that Analyse finds them (adjusted Rand index against the planted groups),
// with the planted consensus ideas and representative ideas per group.
// "clear": members follow their group 90% of the time and vote on 70% of
// the ideas; "noisy": 80% and 50%, where groups may rightly go unclaimed,
// but groups that are claimed must be close to the planted ones. Four
// groups on a two-dimensional map may overlap, hence a lower bar.
func TestPlantedGroupsRecovered(t *testing.T) {
	clear := func(groups, perGroup, ideas int) planted {
		return planted{groups: groups, perGroup: perGroup, ideas: ideas, consensus: 4, follow: 0.9, pass: 0.05, skip: 0.3}
	}
	noisy := func(groups, perGroup, ideas int) planted {
		return planted{groups: groups, perGroup: perGroup, ideas: ideas, consensus: 4, follow: 0.8, pass: 0.1, skip: 0.5}
	}
	cases := []struct {
		name     string
		p        planted
		mustFind bool
		minARI   float64
	}{
		{"clear, 2 groups", clear(2, 80, 30), true, 0.9},
		{"clear, 3 groups", clear(3, 60, 40), true, 0.9},
		{"clear, 4 groups", clear(4, 50, 60), true, 0.7},
		{"noisy, 3 groups", noisy(3, 60, 40), false, 0.6},
	}
	for _, c := range cases {
		for seed := range uint64(5) {
			votes, truth := c.p.votes(seed)
			res := Analyse(votes, Options{Seed: seed})
			if len(res.Groups) == 0 {
				t.Logf("%s, seed %d: no groups; silhouette %.2f, null %.2f", c.name, seed, res.Silhouette, res.NullSilhouette)
				if c.mustFind {
					t.Errorf("%s, seed %d: no groups claimed (%s)", c.name, seed, res.NoGroups)
				}
				continue
			}
			ari := ariOf(t, res, truth)
			t.Logf("%s, seed %d: %d groups, ARI %.3f, silhouette %.2f, null %.2f", c.name, seed, len(res.Groups), ari, res.Silhouette, res.NullSilhouette)
			if ari < c.minARI {
				t.Errorf("%s, seed %d: ARI %.3f, want at least %.1f", c.name, seed, ari, c.minARI)
			}
			if c.mustFind { // with noisy votes a planted consensus idea may fall below 0.7 in a group
				checkConsensus(t, res, c.p.consensus)
			}
			checkRepresentative(t, res)
		}
	}
}

func checkRepresentative(t *testing.T, res Result) {
	t.Helper()
	for g, grp := range res.Groups {
		if len(grp.Representative) == 0 {
			t.Errorf("group %d has no representative ideas", g)
		}
		for _, s := range grp.Representative {
			if s.Agreement <= s.Others || s.Agreement <= 0.5 {
				t.Errorf("representative %s: agreement %.2f, others %.2f", s.Idea, s.Agreement, s.Others)
			}
		}
	}
}

// checkConsensus wants the planted consensus ideas among the consensus.
func checkConsensus(t *testing.T, res Result, n int) {
	t.Helper()
	found := map[string]bool{}
	for _, c := range res.Consensus {
		found[c.Idea] = true
	}
	for i := range n {
		if id := fmt.Sprintf("idea%02d", i); !found[id] {
			t.Errorf("consensus idea %s not found; consensus %v", id, res.Consensus)
		}
	}
}

func TestRandomVotesGiveNoGroups(t *testing.T) {
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 2))
		var votes []Cast
		for c := range 150 {
			for i := range 40 {
				if rng.Float64() < 0.5 {
					votes = append(votes, Cast{Citizen: fmt.Sprint("c", c), Idea: fmt.Sprint("i", i), Vote: Vote(rng.IntN(3) - 1)})
				}
			}
		}
		res := Analyse(votes, Options{Seed: seed})
		t.Logf("seed %d: silhouette %.2f, null %.2f", seed, res.Silhouette, res.NullSilhouette)
		if len(res.Groups) != 0 || res.NoGroups != NoClearGroups {
			t.Errorf("seed %d: random votes gave %d groups (silhouette %.2f, null %.2f)", seed, len(res.Groups), res.Silhouette, res.NullSilhouette)
		}
	}
}

// TestAgreeableCitizensAreNoGroups: citizens who differ only in how often
// they agree (with anything) are not opinion groups; the null model keeps
// each citizen's habits, so it finds the same structure.
func TestAgreeableCitizensAreNoGroups(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 3))
		var votes []Cast
		for c := range 120 {
			yes := 0.2
			if c%2 == 0 {
				yes = 0.8
			}
			for i := range 30 {
				v := Disagree
				if rng.Float64() < yes {
					v = Agree
				}
				votes = append(votes, Cast{Citizen: fmt.Sprint("c", c), Idea: fmt.Sprint("i", i), Vote: v})
			}
		}
		if res := Analyse(votes, Options{Seed: seed}); len(res.Groups) != 0 {
			t.Errorf("seed %d: %d groups from agreeableness alone (silhouette %.2f, null %.2f)", seed, len(res.Groups), res.Silhouette, res.NullSilhouette)
		}
	}
}

func TestEdgeCases(t *testing.T) {
	many := func(n int, v Vote, ideas int) []Cast {
		var out []Cast
		for c := range n {
			for i := range ideas {
				out = append(out, Cast{Citizen: fmt.Sprint("c", c), Idea: fmt.Sprint("i", i), Vote: v})
			}
		}
		return out
	}
	tests := []struct {
		name  string
		votes []Cast
		why   string
	}{
		{"no votes", nil, TooFewCitizens},
		{"one citizen", many(1, Agree, 10), TooFewCitizens},
		{"few votes each", many(50, Agree, 3), TooFewCitizens},
		{"one idea", many(50, Agree, 1), TooFewCitizens}, // one vote each is below MinVotes
		{"all pass", many(50, Pass, 10), NoDifferences},
		{"all agree", many(50, Agree, 10), NoDifferences},
		{"bad votes ignored", []Cast{{"a", "i", 7}, {"b", "i", -3}}, TooFewCitizens},
	}
	for _, tt := range tests {
		res := Analyse(tt.votes, Options{})
		if len(res.Groups) != 0 || res.NoGroups != tt.why {
			t.Errorf("%s: %d groups, reason %q; want none, %q", tt.name, len(res.Groups), res.NoGroups, tt.why)
		}
	}
	one := Analyse(many(50, Agree, 1), Options{MinVotes: 1})
	if len(one.Groups) != 0 || one.NoGroups != TooFewIdeas {
		t.Errorf("one idea, MinVotes 1: %d groups, %q", len(one.Groups), one.NoGroups)
	}
	odd := Options{MinVotes: -1, MaxGroups: -2, MinGroupSize: -3, NullRuns: -1, Restarts: -5, Representative: -1}
	votes, _ := planted{groups: 2, perGroup: 30, ideas: 20, consensus: 2, follow: 0.9, pass: 0.05, skip: 0.3}.votes(1)
	if res := Analyse(votes, odd); len(res.Groups) != 2 {
		t.Errorf("options below 1 (taken as defaults): %d groups, %q", len(res.Groups), res.NoGroups)
	}
	allAgree := Analyse(many(50, Agree, 10), Options{})
	if len(allAgree.Consensus) != 10 {
		t.Errorf("all agree: %d consensus ideas, want 10", len(allAgree.Consensus))
	}
}

func TestDeterministic(t *testing.T) {
	votes, _ := planted{groups: 3, perGroup: 40, ideas: 30, consensus: 2, follow: 0.85, pass: 0.1, skip: 0.5}.votes(5)
	a, b := Analyse(votes, Options{Seed: 9}), Analyse(votes, Options{Seed: 9})
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("same votes and seed gave different results")
	}
	rev := make([]Cast, len(votes))
	for i, v := range votes {
		rev[len(votes)-1-i] = v
	}
	if c := Analyse(rev, Options{Seed: 9}); fmt.Sprint(a) != fmt.Sprint(c) {
		t.Error("the order of votes changed the result")
	}
}

func BenchmarkAnalyse(b *testing.B) {
	votes, _ := planted{groups: 3, perGroup: 667, ideas: 300, consensus: 10, follow: 0.85, pass: 0.1, skip: 0.7}.votes(1)
	for b.Loop() {
		Analyse(votes, Options{Seed: 1})
	}
	b.ReportMetric(float64(len(votes)), "votes")
}
