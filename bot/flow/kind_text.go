package flow

import (
	"slices"
	"strings"
)

// KindText asks for the citizen's own words: typed, or as a voice note or
// photo when accept allows.
const KindText Kind = "text"

// acceptValues are what a text question can take.
var acceptValues = []string{"text", "voice", "photo"}

type textKind struct{ baseKind }

func (textKind) spec() kindSpec {
	return kindSpec{name: KindText, keys: []string{"text", "next", "result", "accept", "optional", "count"}, text: requiredText, waits: true, records: true}
}

// buckets count written answers by how they came.
func (textKind) buckets(*Node) []string { return []string{bucketText, bucketVoice, bucketPhoto} }

// read reads accept; typed text is all a question takes by default.
func (textKind) read(l *loader, n *Node, m map[string]pair, _ string) {
	n.Accept = []string{"text"}
	v, ok := m["accept"]
	if !ok {
		return
	}
	n.Accept = nil
	for _, a := range l.list(v) {
		if !slices.Contains(acceptValues, a.Value) {
			l.errorf(pos(a), "accept %s is not possible; use text, voice or photo", kindName(a))
			continue
		}
		n.Accept = append(n.Accept, a.Value)
	}
}

func (textKind) typed(r *stepper, n *Node, in Input) {
	if r.typedSkip(in) {
		// Not optional (Skip is handled before): "skip" is not an answer.
		r.ask(n, r.say("reask.required", nil))
		return
	}
	switch in.Kind {
	case InText:
		if t := strings.TrimSpace(in.Text); t != "" {
			r.record(n, "", t, nil)
			r.enter(n.Next)
			return
		}
	case InMedia:
		if in.Media != nil && n.accepts(in.Media.Type) {
			r.record(n, "", strings.TrimSpace(in.Text), in.Media)
			r.enter(n.Next)
			return
		}
	}
	r.ask(n, r.say(reaskFor(in, n.accepts("voice")), nil))
}

// label stands for how an answer came, in digests.
func (textKind) label(_ *Node, v, _ string, _ Say) string {
	switch v {
	case bucketText:
		return "✍"
	case bucketVoice:
		return "🎤"
	case bucketPhoto:
		return "📷"
	}
	return ""
}

// The buckets of written answers, by how they came: "_" and the media
// type (see Answer.Bucket).
const (
	bucketText  = "_text"
	bucketVoice = "_voice"
	bucketPhoto = "_photo"
)

// draw shows what the question takes: typed words, a voice note, a photo.
func (textKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	signs := map[string]string{"text": "✍ text", "voice": "🎤 voice", "photo": "📷 photo"}
	var takes []string
	for _, a := range n.Accept {
		takes = append(takes, signs[a])
	}
	g.answers(n, []route{{strings.Join(takes, " · "), n.Next}})
}
