package bot

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
)

// Reach is how participants came: the dialogues started per source (where
// the link was handed out), and the peer invitations with the people they
// brought per wave. One computation behind the digest's section, the
// results page and the exports.
type Reach struct {
	Sources              []Count // most first; Key and Label are the source's name
	None                 int64   // dialogues started without a source
	Given, Used, Refused int64   // invitations
	Waves                []Count // by wave, 1 first; Key is the wave's number
}

func reachOf(c counts) Reach {
	r := Reach{Given: c.get(cInvGiven), Used: c.get(cInvUsed), Refused: c.get(cInvRefused)}
	var sourced int64
	for name, n := range c.named(pSource) {
		if n > 0 {
			r.Sources = append(r.Sources, Count{Key: name, Label: name, N: n})
			sourced += n
		}
	}
	slices.SortFunc(r.Sources, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Key, b.Key)) })
	r.None = max(0, c.get(cStarted)-sourced)
	for name, n := range c.named(pWave) {
		if _, err := strconv.Atoi(name); err == nil && n > 0 {
			r.Waves = append(r.Waves, Count{Key: name, Label: name, N: n})
		}
	}
	slices.SortFunc(r.Waves, func(a, b Count) int {
		x, _ := strconv.Atoi(a.Key)
		y, _ := strconv.Atoi(b.Key)
		return cmp.Compare(x, y)
	})
	return r
}

// write adds the digest's "Where people came from" section: only for
// pilots whose links carry sources, and the invitations line only for
// pilots that give invitations.
func (r Reach) write(b *strings.Builder, say flow.Say) {
	if len(r.Sources) > 0 {
		rows := slices.Clone(r.Sources)
		if r.None > 0 {
			rows = append(rows, Count{Key: "", Label: say("digest.source_none", nil), N: r.None})
		}
		b.WriteString("\n\n")
		b.WriteString(say("digest.sources", nil))
		writeRows(b, rows)
	}
	if r.Given+r.Used+r.Refused == 0 {
		return
	}
	b.WriteString("\n\n")
	b.WriteString(say("digest.invitations", map[string]any{"Given": r.Given, "Used": r.Used, "Refused": r.Refused}))
	rows := make([]Count, 0, len(r.Waves))
	for _, w := range r.Waves {
		rows = append(rows, Count{Key: w.Key, Label: say("digest.wave", map[string]any{"Wave": w.Key}), N: w.N})
	}
	writeRows(b, rows)
}
