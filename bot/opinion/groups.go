package opinion

import (
	"cmp"
	"math"
	"slices"
)

// agreement is the smoothed share of agree among agree and disagree.
func agreement(t Tally) float64 {
	return float64(t.Agree+1) / float64(t.Agree+t.Disagree+2)
}

// representativeZ is the one-sided 95% bar for "agrees more than the
// others" in a two-proportion z-test.
const representativeZ = 1.645

// representative returns up to n ideas that the group agrees with clearly
// more than everyone else: the group's agreement is above one half and
// higher than the others' by a two-proportion z-test at 95%. They are
// ordered by the difference in agreement.
func representative(m *matrix, group []int, n int) []IdeaStats {
	in := make(map[int]bool, len(group))
	for _, c := range group {
		in[c] = true
	}
	var others []int
	for c := range m.citizens {
		if !in[c] {
			others = append(others, c)
		}
	}
	var out []IdeaStats
	for i := range m.ideas {
		s := IdeaStats{Idea: m.ideas[i], In: m.tally(group, i), Out: m.tally(others, i)}
		s.Agreement, s.Others = agreement(s.In), agreement(s.Out)
		if s.Agreement > 0.5 && proportionZ(s.In, s.Out) >= representativeZ {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b IdeaStats) int {
		return cmp.Or(cmp.Compare(b.Agreement-b.Others, a.Agreement-a.Others), cmp.Compare(a.Idea, b.Idea))
	})
	return out[:min(n, len(out))]
}

// proportionZ is the z statistic of the difference between the shares of
// agree in two tallies (passes left out), with the pooled share; 0 when a
// side has no votes or all votes agree alike.
func proportionZ(a, b Tally) float64 {
	na, nb := float64(a.Agree+a.Disagree), float64(b.Agree+b.Disagree)
	if na == 0 || nb == 0 {
		return 0
	}
	pa, pb := float64(a.Agree)/na, float64(b.Agree)/nb
	pool := float64(a.Agree+b.Agree) / (na + nb)
	se := math.Sqrt(pool * (1 - pool) * (1/na + 1/nb))
	if se == 0 {
		return 0
	}
	return (pa - pb) / se
}

// consensus returns the ideas whose agreement is at least min in every
// group, by their lowest agreement, highest first.
func consensus(m *matrix, groups [][]int, min float64) []Consensus {
	var out []Consensus
	for i := range m.ideas {
		lowest := math.Inf(1)
		for _, g := range groups {
			lowest = math.Min(lowest, agreement(m.tally(g, i)))
		}
		if lowest >= min {
			out = append(out, Consensus{Idea: m.ideas[i], Votes: m.tally(m.everyone(), i), Lowest: lowest})
		}
	}
	slices.SortFunc(out, func(a, b Consensus) int {
		return cmp.Or(cmp.Compare(b.Lowest, a.Lowest), cmp.Compare(a.Idea, b.Idea))
	})
	return out
}
