package ideas

import (
	"cmp"
	"math"
	"slices"
)

// DefaultZ is the z of a 95% interval, used for ranking unless a pilot
// chooses otherwise.
const DefaultZ = 1.96

// Votes are the weighing of one idea by citizens.
type Votes struct {
	Agree, Disagree, Pass int
}

// Total is every vote, passes included.
func (v Votes) Total() int { return v.Agree + v.Disagree + v.Pass }

// Wilson returns the lower bound of the Wilson score interval for the share
// of "agree" among agree and disagree votes: the agreement we can be sure
// of, at z (DefaultZ for 95%), given how few votes there may be. Passes do
// not count: a citizen who passes has no opinion either way. With no votes,
// or a z that is not positive, it is 0.
func Wilson(agree, disagree int, z float64) float64 {
	n := float64(agree + disagree)
	if n <= 0 || agree < 0 || disagree < 0 || !(z > 0) {
		return 0
	}
	p := float64(agree) / n
	z2 := z * z
	centre := p + z2/(2*n)
	margin := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return max(0, (centre-margin)/(1+z2/n))
}

// Divisiveness is how surely an idea splits the citizens who took a side:
// twice the Wilson lower bound of the minority's share. It is near 1 when
// many voted and about half agreed, and small when one side is clearly
// larger or when there are few votes (2 agree and 2 disagree give 0.30, 50
// and 50 give 0.81, 90 and 10 give 0.11). Passes do not count.
func Divisiveness(v Votes, z float64) float64 {
	return 2 * Wilson(min(v.Agree, v.Disagree), max(v.Agree, v.Disagree), z)
}

// Tally is an idea's id with its votes.
type Tally struct {
	ID string
	Votes
}

// Ranked is an idea in a ranking, with the score it was ranked by.
type Ranked struct {
	Tally
	Score float64
}

// MostAgreed returns up to n ideas by the Wilson lower bound of their
// agreement, highest first; ties go to the idea with more votes, then by
// id. Ideas without agree or disagree votes are left out.
func MostAgreed(tallies []Tally, n int, z float64) []Ranked {
	return rank(tallies, n, func(v Votes) float64 { return Wilson(v.Agree, v.Disagree, z) },
		func(v Votes) bool { return v.Agree+v.Disagree > 0 })
}

// MostDivisive returns up to n ideas by Divisiveness, highest first; ties
// go to the idea with more votes, then by id. Ideas that nobody disagreed
// with, or nobody agreed with, are left out.
func MostDivisive(tallies []Tally, n int, z float64) []Ranked {
	return rank(tallies, n, func(v Votes) float64 { return Divisiveness(v, z) },
		func(v Votes) bool { return v.Agree > 0 && v.Disagree > 0 })
}

func rank(tallies []Tally, n int, score func(Votes) float64, keep func(Votes) bool) []Ranked {
	var out []Ranked
	for _, t := range tallies {
		if keep(t.Votes) {
			out = append(out, Ranked{Tally: t, Score: score(t.Votes)})
		}
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score),
			cmp.Compare(b.Agree+b.Disagree, a.Agree+a.Disagree), cmp.Compare(a.ID, b.ID))
	})
	return out[:max(0, min(n, len(out)))]
}
