package opinion

import (
	"math/rand/v2"
	"slices"
)

// missing marks a cell without a vote.
const missing int8 = 2

// matrix holds votes, citizens by ideas, row-major: −1, 0, 1 or missing.
type matrix struct {
	citizens []string
	ideas    []string
	cells    []int8
}

func (m *matrix) at(c, i int) int8 { return m.cells[c*len(m.ideas)+i] }

// newMatrix builds the matrix of votes; citizens and ideas are sorted by id
// so that the result does not depend on the order of votes. Votes other
// than −1, 0 and 1 are ignored.
func newMatrix(votes []Cast) *matrix {
	cset, iset := map[string]bool{}, map[string]bool{}
	for _, v := range votes {
		if v.Vote >= Disagree && v.Vote <= Agree {
			cset[v.Citizen], iset[v.Idea] = true, true
		}
	}
	m := &matrix{citizens: sortedKeys(cset), ideas: sortedKeys(iset)}
	cidx, iidx := indexOf(m.citizens), indexOf(m.ideas)
	m.cells = make([]int8, len(m.citizens)*len(m.ideas))
	for i := range m.cells {
		m.cells[i] = missing
	}
	for _, v := range votes {
		if v.Vote >= Disagree && v.Vote <= Agree {
			m.cells[cidx[v.Citizen]*len(m.ideas)+iidx[v.Idea]] = int8(v.Vote)
		}
	}
	return m
}

// placed keeps the citizens with at least minVotes votes, and the ideas
// that one of them voted on.
func (m *matrix) placed(minVotes int) *matrix {
	var rows []int
	for c := range m.citizens {
		n := 0
		for i := range m.ideas {
			if m.at(c, i) != missing {
				n++
			}
		}
		if n >= minVotes {
			rows = append(rows, c)
		}
	}
	var cols []int
	for i := range m.ideas {
		for _, c := range rows {
			if m.at(c, i) != missing {
				cols = append(cols, i)
				break
			}
		}
	}
	out := &matrix{cells: make([]int8, 0, len(rows)*len(cols))}
	for _, c := range rows {
		out.citizens = append(out.citizens, m.citizens[c])
		for _, i := range cols {
			out.cells = append(out.cells, m.at(c, i))
		}
	}
	for _, i := range cols {
		out.ideas = append(out.ideas, m.ideas[i])
	}
	return out
}

// shuffled returns the matrix with each citizen's votes (and gaps)
// shuffled over the ideas: how often each citizen agrees, disagrees or
// passes stays, any pattern shared between citizens goes. It is the null
// model that groups must beat.
func (m *matrix) shuffled(rng *rand.Rand) *matrix {
	out := &matrix{citizens: m.citizens, ideas: m.ideas, cells: slices.Clone(m.cells)}
	n := len(m.ideas)
	for c := range m.citizens {
		row := out.cells[c*n : (c+1)*n]
		rng.Shuffle(n, func(a, b int) { row[a], row[b] = row[b], row[a] })
	}
	return out
}

func (m *matrix) everyone() []int {
	all := make([]int, len(m.citizens))
	for i := range all {
		all[i] = i
	}
	return all
}

func (m *matrix) citizenIDs(rows []int) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = m.citizens[r]
	}
	slices.Sort(ids)
	return ids
}

// tally counts the votes on idea i of the citizens in rows.
func (m *matrix) tally(rows []int, i int) Tally {
	var t Tally
	for _, c := range rows {
		switch m.at(c, i) {
		case 1:
			t.Agree++
		case -1:
			t.Disagree++
		case 0:
			t.Pass++
		}
	}
	return t
}

func sortedKeys(set map[string]bool) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func indexOf(ids []string) map[string]int {
	idx := make(map[string]int, len(ids))
	for i, id := range ids {
		idx[id] = i
	}
	return idx
}
