// Package opinion finds groups of citizens who weigh ideas alike, as Polis
// does: from the agree, disagree and pass votes it places every citizen on a
// map of two dimensions (principal components), looks for groups on that
// map (k-means), and claims groups only when they are clearly there. For
// each group it names the ideas that set the group apart, and across groups
// the ideas that every group agrees with.
//
// It does no I/O; Analyse takes the votes and returns a plain Result that a
// text, a page or an export can render.
package opinion

import (
	"cmp"
	"math/rand/v2"
)

// Vote is one citizen's answer to one idea. A citizen who was not asked has
// no vote, which is not a pass.
type Vote int8

// The votes.
const (
	Disagree Vote = -1
	Pass     Vote = 0
	Agree    Vote = 1
)

// Cast is one vote: who, on what, and how. Ids are opaque (pseudonyms and
// idea ids); a later Cast for the same citizen and idea replaces an earlier
// one.
type Cast struct {
	Citizen, Idea string
	Vote          Vote
}

// Options tune Analyse; zero fields (and counts below 1) take the defaults
// below.
type Options struct {
	MinVotes       int     // votes (passes included) a citizen needs to be placed; default 5
	MaxGroups      int     // most groups tried (from 2); default 5
	MinGroupSize   int     // fewest citizens in every group claimed; default 3
	MinSilhouette  float64 // least silhouette for groups to be claimed; default 0.5
	NullMargin     float64 // how much the silhouette must beat the null model's; default 0.1
	NullRuns       int     // shuffled matrices for the null model; default 3
	Restarts       int     // k-means starts per number of groups; default 10
	Representative int     // ideas named per group; default 5
	Consensus      float64 // agreement needed in every group; default 0.7
	Seed           uint64  // for k-means and the null model: same seed, same result
}

func (o Options) withDefaults() Options {
	count := func(v, def int) int {
		if v < 1 {
			return def
		}
		return v
	}
	o.MinVotes = count(o.MinVotes, 5)
	o.MaxGroups = count(o.MaxGroups, 5)
	o.MinGroupSize = count(o.MinGroupSize, 3)
	o.NullRuns = count(o.NullRuns, 3)
	o.Restarts = count(o.Restarts, 10)
	o.Representative = count(o.Representative, 5)
	o.MinSilhouette = cmp.Or(o.MinSilhouette, 0.5)
	o.NullMargin = cmp.Or(o.NullMargin, 0.1)
	o.Consensus = cmp.Or(o.Consensus, 0.7)
	return o
}

// Why no groups were claimed.
const (
	TooFewCitizens = "too few citizens with enough votes"
	TooFewIdeas    = "too few ideas with votes"
	NoDifferences  = "everyone voted the same way"
	NoClearGroups  = "no clear groups: citizens do not fall into groups more than random votes would"
)

// Result is what Analyse found.
type Result struct {
	Citizens  int         // citizens placed (with at least MinVotes votes)
	Ideas     int         // ideas with a vote from a placed citizen
	Groups    []Group     // empty when no clear groups were found
	NoGroups  string      // why Groups is empty (one of the constants above)
	Consensus []Consensus // ideas every group agrees with; with no groups, ideas most placed citizens agree with
	Points    []Point     // every placed citizen on the map
	// Silhouette measures how well the chosen groups are separated (−1 to
	// 1); NullSilhouette is the best the same method finds when each
	// citizen's votes are shuffled over the ideas. Both are 0 when the
	// analysis stopped earlier.
	Silhouette, NullSilhouette float64
}

// Group is a set of citizens who vote alike.
type Group struct {
	Size           int
	Members        []string    // citizen ids, sorted
	Representative []IdeaStats // ideas this group agrees with much more than the others, strongest first
}

// Tally counts votes.
type Tally struct {
	Agree, Disagree, Pass int
}

// IdeaStats is an idea's votes inside a group and outside it. Agreement is
// the share of agree among agree and disagree, smoothed as Polis does
// ((agree+1)/(agree+disagree+2)) so that two votes do not make 100%.
type IdeaStats struct {
	Idea              string
	In, Out           Tally
	Agreement, Others float64 // smoothed agreement inside and outside the group
}

// Consensus is an idea that every group agrees with: its votes from placed
// citizens and the lowest agreement among the groups.
type Consensus struct {
	Idea   string
	Votes  Tally
	Lowest float64
}

// Point is a citizen on the two-dimensional map, and the index of their
// group in Result.Groups (−1 when no groups were claimed).
type Point struct {
	Citizen string
	X, Y    float64
	Group   int
}

// Analyse finds opinion groups in votes. It never fails: with too few
// votes, or no clear structure, it returns no groups and says why.
func Analyse(votes []Cast, opt Options) Result {
	opt = opt.withDefaults()
	m := newMatrix(votes).placed(opt.MinVotes)
	res := Result{Citizens: len(m.citizens), Ideas: len(m.ideas)}
	switch {
	case len(m.citizens) < 2*opt.MinGroupSize:
		res.NoGroups = TooFewCitizens
	case len(m.ideas) < 2:
		res.NoGroups = TooFewIdeas
	}
	if res.NoGroups != "" {
		res.Consensus = consensus(m, [][]int{m.everyone()}, opt.Consensus)
		return res
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6f70696e696f6e))
	points, ok := project(m)
	if !ok {
		res.NoGroups = NoDifferences
		res.Consensus = consensus(m, [][]int{m.everyone()}, opt.Consensus)
		return res
	}
	best := bestClustering(points, opt, rng)
	res.Silhouette = best.silhouette
	res.NullSilhouette = nullSilhouette(m, opt, rng)
	res.Points = make([]Point, len(points))
	for i, p := range points {
		res.Points[i] = Point{Citizen: m.citizens[i], X: p[0], Y: p[1], Group: -1}
	}
	if best.k == 0 || best.silhouette < opt.MinSilhouette || best.silhouette < res.NullSilhouette+opt.NullMargin {
		res.NoGroups = NoClearGroups
		res.Consensus = consensus(m, [][]int{m.everyone()}, opt.Consensus)
		return res
	}
	members := best.members()
	for g, ms := range members {
		for _, c := range ms {
			res.Points[c].Group = g
		}
		res.Groups = append(res.Groups, Group{
			Size:           len(ms),
			Members:        m.citizenIDs(ms),
			Representative: representative(m, ms, opt.Representative),
		})
	}
	res.Consensus = consensus(m, members, opt.Consensus)
	return res
}
