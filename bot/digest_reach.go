package bot

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
)

// reachFigures is how participants came: the dialogues started per source
// (where the link was handed out), and the peer invitations with the people
// they brought per wave. One computation behind the digest's section.
type reachFigures struct {
	sources []namedCount // most first
	none    int64        // dialogues started without a source
	given   int64
	used    int64
	refused int64
	waves   []namedCount // by wave, 1 first
}

type namedCount struct {
	name string
	n    int64
}

func reachOf(c counts) reachFigures {
	r := reachFigures{given: c.get(cInvGiven), used: c.get(cInvUsed), refused: c.get(cInvRefused)}
	var sourced int64
	for name, n := range c.named(pSource) {
		if n > 0 {
			r.sources = append(r.sources, namedCount{name, n})
			sourced += n
		}
	}
	slices.SortFunc(r.sources, func(a, b namedCount) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.name, b.name)) })
	r.none = max(0, c.get(cStarted)-sourced)
	for name, n := range c.named(pWave) {
		if _, err := strconv.Atoi(name); err == nil && n > 0 {
			r.waves = append(r.waves, namedCount{name, n})
		}
	}
	slices.SortFunc(r.waves, func(a, b namedCount) int {
		x, _ := strconv.Atoi(a.name)
		y, _ := strconv.Atoi(b.name)
		return cmp.Compare(x, y)
	})
	return r
}

// writeReach adds the digest's "Where people came from" section: only for
// pilots whose links carry sources, and the invitations line only for
// pilots that give invitations.
func writeReach(b *strings.Builder, say flow.Say, r reachFigures) {
	if len(r.sources) > 0 {
		rows := make([]row, 0, len(r.sources)+1)
		for _, s := range r.sources {
			rows = append(rows, row{label: s.name, n: s.n})
		}
		if r.none > 0 {
			rows = append(rows, row{label: say("digest.source_none", nil), n: r.none})
		}
		b.WriteString("\n\n")
		b.WriteString(say("digest.sources", nil))
		writeRows(b, rows)
	}
	if r.given+r.used+r.refused == 0 {
		return
	}
	b.WriteString("\n\n")
	b.WriteString(say("digest.invitations", map[string]any{"Given": r.given, "Used": r.used, "Refused": r.refused}))
	rows := make([]row, 0, len(r.waves))
	for _, w := range r.waves {
		rows = append(rows, row{label: say("digest.wave", map[string]any{"Wave": w.name}), n: w.n})
	}
	writeRows(b, rows)
}
