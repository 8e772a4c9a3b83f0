package flow

import (
	"cmp"
	"strconv"
	"strings"
)

// Form is where an answer is shown to people.
type Form int

const (
	// FormText is an answer inside a flow text, {{.Answers.<result>}}: a
	// number or a score reads as itself, and a skipped or written answer
	// shows nothing (the conversation keeps no free text).
	FormText Form = iota
	// FormMyData is an answer in the citizen's own data (/mydata): the
	// button they pressed, the number they typed, their words in quotes.
	FormMyData
	// FormDigest is a row of a coordinators' digest; the answer's Value is
	// one of its question's Buckets.
	FormDigest
)

// ShowAnswer renders an answer recorded at a node of f for people, the way
// the citizen saw it: the words on the button they pressed, the number they
// typed. lang is the language of the flow's own texts (a choice's buttons),
// say gives the bot's words (Yes, 🙂 Good, skipped). f may be nil when the
// pilot's flow is gone: a choice then shows its option id.
//
// It is the one place answers are rendered: the engine for templates, the
// host for /mydata and digests.
func ShowAnswer(f *Flow, a Answer, form Form, lang string, say Say) string {
	k := kinds.of(a.Kind)
	var n *Node
	if f != nil {
		n = f.ResultNode(a.Result)
	}
	switch form {
	case FormText:
		switch {
		case a.Value == "" || a.Value == Skipped || a.Value == given:
			return ""
		case k.numeric && isNumber(a.Value):
			return a.Value
		}
		return k.label(n, a.Value, lang, say)
	case FormDigest:
		if a.Value == Skipped {
			return say("digest.skipped", nil)
		}
		return cmp.Or(k.label(n, a.Value, lang, say), a.Value)
	}
	var parts []string
	switch a.Value {
	case "":
	case Skipped:
		parts = append(parts, say("mydata.skipped", nil))
	default:
		parts = append(parts, cmp.Or(k.label(n, a.Value, lang, say), a.Value))
	}
	if a.Media != nil {
		parts = append(parts, say("mydata."+a.Media.Type, nil))
	}
	if a.Text != "" {
		parts = append(parts, "“"+a.Text+"”")
	}
	return strings.Join(parts, " ")
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// Buckets lists the values answers to n are counted under in digests, in
// the order the citizen saw them, ending with Skipped: the options of a
// choice, the scores of a rating, how written answers came (_text, _voice,
// _photo).
func (n *Node) Buckets() []string { return append(n.kind().buckets(n), Skipped) }

// Bucket is the bucket an answer is counted under (see Node.Buckets), or ""
// when it is not counted by value (a number).
func (a Answer) Bucket() string {
	switch {
	case a.Media != nil:
		return "_" + a.Media.Type
	case a.Text != "" && a.Value == "":
		return bucketText
	case a.Value != "" && !kinds.of(a.Kind).free:
		return a.Value
	}
	return ""
}

// Score is the number an answer adds to its question's average, and whether
// it adds one: the answers of numeric kinds (rating, number) that are not
// skipped or "don't know".
func (a Answer) Score() (float64, bool) {
	if a.Media != nil || !kinds.of(a.Kind).numeric {
		return 0, false
	}
	x, err := strconv.ParseFloat(a.Value, 64)
	return x, err == nil
}

// ShowAverage renders the average of the answers to n for a digest
// ("average 3,5 of 5"), or "" when its kind does not average answers. avg
// is the number already written for the reader.
func ShowAverage(n *Node, avg string, say Say) string { return n.kind().average(avg, say) }
