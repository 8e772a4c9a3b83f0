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
