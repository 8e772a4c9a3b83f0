package ideas

import (
	"cmp"
	"hash/fnv"
	"iter"
	"time"
)

// Defaults of a Picker.
const (
	DefaultNewFor   = 24 * time.Hour
	DefaultNewVotes = 5
)

// Candidate is an idea that might be shown to one citizen to weigh.
type Candidate struct {
	ID        string
	Votes     int       // votes so far, passes included
	Created   time.Time // when the idea was approved
	Own       bool      // the citizen wrote it
	Seen      bool      // the citizen was already shown it
	Available bool      // it can be shown in the citizen's language
}

// Picker chooses the next idea a citizen is asked to weigh. It never shows
// a citizen their own idea, one they have seen, or one not in their
// language. Among the rest, ideas younger than NewFor with fewer than
// NewVotes votes come first, so that a new idea gets its first votes
// quickly; then the idea with the fewest votes, so that every idea gets
// weighed. Ties are broken by a shuffle seeded per citizen, so that
// citizens who open the bot at the same time do not all get the same idea.
// The zero Picker uses DefaultNewFor and DefaultNewVotes.
type Picker struct {
	NewFor   time.Duration
	NewVotes int
}

// Next returns the idea to show, or false when there is none.
//
// candidates must come in ascending order of Votes; Next stops reading as
// soon as no later candidate can come first, so a store need not load every
// idea. A store feeds it like this: keep, per pilot and language, a sorted
// set of idea ids scored by vote count (Redis ZINCRBY on every vote); read
// it in pages from the lowest score (ZRANGE ... BYSCORE LIMIT 0 200, then
// the next page), look up for each page which ids the citizen has seen
// (SMISMEMBER on the citizen's seen set) and which are the citizen's own,
// and yield them; stop fetching pages when the iterator's yield returns
// false. seed is the citizen's (for example a hash of their pseudonym) and
// should stay the same for a citizen, so that their order is stable.
func (p Picker) Next(now time.Time, seed uint64, candidates iter.Seq[Candidate]) (Candidate, bool) {
	if candidates == nil {
		return Candidate{}, false
	}
	newFor, newVotes := cmp.Or(p.NewFor, DefaultNewFor), cmp.Or(p.NewVotes, DefaultNewVotes)
	var best Candidate
	var bestKey pickKey
	found := false
	for c := range candidates {
		if found && c.Votes > best.Votes && (bestKey.old == 0 || c.Votes >= newVotes) {
			break // sorted input: nothing later can come first
		}
		if c.Own || c.Seen || !c.Available {
			continue
		}
		k := pickKey{votes: c.Votes, shuffle: shuffle(seed, c.ID)}
		if c.Votes >= newVotes || now.Sub(c.Created) >= newFor {
			k.old = 1
		}
		if !found || k.less(bestKey) {
			best, bestKey, found = c, k, true
		}
	}
	return best, found
}

// pickKey orders candidates: new before old, fewer votes first, then the
// citizen's shuffle.
type pickKey struct {
	old     int
	votes   int
	shuffle uint64
}

func (a pickKey) less(b pickKey) bool {
	return cmp.Or(cmp.Compare(a.old, b.old), cmp.Compare(a.votes, b.votes), cmp.Compare(a.shuffle, b.shuffle)) < 0
}

// shuffle gives an idea a place in a citizen's own random order: the same
// for the same seed and id, unrelated between seeds.
func shuffle(seed uint64, id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	x := h.Sum64() ^ seed
	// splitmix64 finaliser: spreads nearby inputs over all 64 bits.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
