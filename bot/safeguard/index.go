package safeguard

// trie finds, for one word of a message, the patterns whose anchor word
// test it passes: a walk over the word's bytes, no allocation.
type trie struct {
	nodes []trieNode
}

type trieNode struct {
	edges  []trieEdge
	exact  []int32 // patterns whose anchor is exactly this word
	prefix []int32 // patterns whose anchor is a stem ending here
}

type trieEdge struct {
	b  byte
	to int32
}

func (t *trie) add(key string, prefix bool, pat int32) {
	if len(t.nodes) == 0 {
		t.nodes = append(t.nodes, trieNode{})
	}
	n := int32(0)
	for i := 0; i < len(key); i++ {
		next := t.child(n, key[i])
		if next < 0 {
			next = int32(len(t.nodes))
			t.nodes = append(t.nodes, trieNode{})
			t.nodes[n].edges = append(t.nodes[n].edges, trieEdge{key[i], next})
		}
		n = next
	}
	list := &t.nodes[n].exact
	if prefix {
		list = &t.nodes[n].prefix
	}
	if l := *list; len(l) == 0 || l[len(l)-1] != pat { // one entry per pattern
		*list = append(l, pat)
	}
}

func (t *trie) child(n int32, b byte) int32 {
	for _, e := range t.nodes[n].edges {
		if e.b == b {
			return e.to
		}
	}
	return -1
}

// walk appends to out every pattern whose anchor matches word w, the
// word at position pos of the message.
func (t *trie) walk(w string, pos int32, out []cand) []cand {
	if len(t.nodes) == 0 {
		return out
	}
	n := int32(0)
	for i := 0; ; i++ {
		for _, p := range t.nodes[n].prefix {
			out = append(out, cand{p, pos})
		}
		if i == len(w) {
			for _, p := range t.nodes[n].exact {
				out = append(out, cand{p, pos})
			}
			return out
		}
		if n = t.child(n, w[i]); n < 0 {
			return out
		}
	}
}

// cand is a pattern worth trying because its anchor matched the word at
// pos (-1: the pattern cannot be indexed and is tried everywhere).
type cand struct {
	pat, pos int32
}
