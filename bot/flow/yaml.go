package flow

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"
)

// This file holds the small YAML walker the loader uses. Walking yaml.Node
// ourselves, rather than decoding into structs, lets the checker report every
// problem with its position instead of stopping at the first one.

// pair is one key and its value in a YAML mapping.
type pair struct {
	key, val *yaml.Node
}

func pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{1, 1}
	}
	return Pos{n.Line, n.Column}
}

// kindName names a YAML node kind for people.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a list of keys"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// deref follows YAML aliases so that anchors (&x, *x) work in flow files.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 32; i++ {
		n = n.Alias
	}
	return n
}

// keyBeforeColon is what comes before the first colon of s, or "".
func keyBeforeColon(s string) string {
	before, _, ok := strings.Cut(s, ":")
	if !ok || strings.ContainsAny(before, " \t") {
		return ""
	}
	return before
}

// mapping reads a YAML mapping whose keys must be among allowed. It reports
// duplicate and unknown keys (with the nearest valid key) and returns the
// known pairs by key. what names the mapping in messages ("a node", "pilot").
func (r *reporter) mapping(n *yaml.Node, what string, allowed []string, unknown func(key string) string) map[string]pair {
	n = deref(n)
	out := map[string]pair{}
	if n == nil || n.Kind != yaml.MappingNode {
		switch {
		case n == nil:
		case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
			r.errorf(pos(n), "%s is empty; write its keys below it, indented by two more spaces (key: value)", what)
		case n.Kind == yaml.ScalarNode && n.Style == 0 && slices.Contains(allowed, keyBeforeColon(n.Value)):
			// `en:["a"]` as the only line reads as one text, not a key.
			before := keyBeforeColon(n.Value)
			r.errorf(Pos{n.Line, n.Column + utf8.RuneCountInString(before)}, "there is no space after %s:; write %s: with a space, then the value", before, before)
		default:
			r.errorf(pos(n), "%s should be a list of keys (key: value), not %s", what, kindName(n))
		}
		return out
	}
	// A misspelled key is reported once, then read as the key it most likely
	// means, so that one typo does not also cause "has no ..." errors.
	type guess struct {
		key string
		p   pair
	}
	var guesses []guess
	// Suggest only keys that are not written already: "is" next to an id is
	// not a misspelled id.
	free := slices.DeleteFunc(slices.Clone(allowed), func(a string) bool {
		for i := 0; i < len(n.Content); i += 2 {
			if n.Content[i].Value == a {
				return true
			}
		}
		return false
	})
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			r.errorf(pos(k), "a key in %s should be a plain word", what)
			continue
		}
		if prev, dup := out[k.Value]; dup {
			r.errorf(pos(k), "key %q appears twice in %s; the first is at line %d: keep only one", k.Value, what, prev.key.Line)
			continue
		}
		if before, _, ok := strings.Cut(k.Value, ":"); ok && slices.Contains(allowed, before) && !slices.Contains(allowed, k.Value) {
			// `nl:"Hei: moi"` reads as the key `nl:"Hei` with the value `moi"`.
			r.errorf(Pos{k.Line, k.Column + utf8.RuneCountInString(before)}, "there is no space after %s:; write %s: with a space, then the value", before, before)
			guesses = append(guesses, guess{before, pair{k, v}})
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			msg := ""
			if unknown != nil {
				msg = unknown(k.Value)
			}
			if msg == "" {
				msg = unknownKey(k.Value, what, allowed, free)
				if s := nearest(k.Value, free); s != "" {
					guesses = append(guesses, guess{s, pair{k, v}})
				}
			}
			r.errorf(pos(k), "%s", msg)
			continue
		}
		out[k.Value] = pair{k, v}
	}
	for _, g := range guesses {
		if _, ok := out[g.key]; !ok {
			out[g.key] = g.p
		}
	}
	return out
}

func unknownKey(key, what string, allowed, free []string) string {
	if s := nearest(key, free); s != "" {
		return fmt.Sprintf("unknown key %q in %s; did you mean %q?", key, what, s)
	}
	return fmt.Sprintf("unknown key %q in %s; valid keys are %s (to keep a note, start the line with #)", key, what, strings.Join(allowed, ", "))
}

// scalar returns the plain value of p, reporting anything that is not a single value.
func (r *reporter) scalar(p pair) (string, bool) {
	if p.val == nil || p.val.Kind != yaml.ScalarNode || p.val.Tag == "!!null" {
		what := "nothing"
		if p.val != nil {
			what = kindName(p.val)
		}
		r.errorf(pos(p.val), "%s should be a single value, not %s", p.key.Value, what)
		return "", false
	}
	return p.val.Value, true
}

func (r *reporter) str(p pair) string {
	s, _ := r.scalar(p)
	return s
}

func (r *reporter) integer(p pair) (int, bool) {
	s, ok := r.scalar(p)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		r.errorf(pos(p.val), "%s should be a whole number, not %q", p.key.Value, s)
		return 0, false
	}
	return v, true
}

func (r *reporter) number(p pair) (float64, bool) {
	s, ok := r.scalar(p)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		r.errorf(pos(p.val), "%s should be a number, not %q", p.key.Value, s)
		return 0, false
	}
	return v, true
}

func (r *reporter) boolean(p pair) bool {
	s, ok := r.scalar(p)
	if !ok {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true
	case "false", "no", "off":
		return false
	}
	r.errorf(pos(p.val), "%s should be true or false, not %q", p.key.Value, s)
	return false
}

// list returns the items of a YAML list; a single value counts as a list of one.
func (r *reporter) list(p pair) []*yaml.Node {
	switch p.val.Kind {
	case yaml.SequenceNode:
		out := make([]*yaml.Node, len(p.val.Content))
		for i, c := range p.val.Content {
			out[i] = deref(c)
		}
		return out
	case yaml.ScalarNode:
		if p.val.Tag == "!!null" {
			r.errorf(pos(p.val), "%s is empty; give a list like [a, b]", p.key.Value)
			return nil
		}
		if p.val.Style == 0 && strings.Contains(p.val.Value, ",") {
			// "languages: fi, sv" is one value, "fi, sv". Say so, then read
			// it as meant so that the mistake is reported only once.
			r.errorf(pos(p.val), "%s: %s is one value; write several in brackets, like %s: [%s]", p.key.Value, p.val.Value, p.key.Value, p.val.Value)
			var out []*yaml.Node
			col := p.val.Column
			for _, part := range strings.Split(p.val.Value, ",") {
				if v := strings.TrimSpace(part); v != "" {
					out = append(out, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: p.val.Line, Column: col + strings.Index(part, v)})
				}
				col += utf8.RuneCountInString(part) + 1
			}
			return out
		}
		return []*yaml.Node{p.val}
	}
	r.errorf(pos(p.val), "%s should be a list, not %s", p.key.Value, kindName(p.val))
	return nil
}

var idPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// suggestID turns "Ask Rating!" into "ask_rating", and "Kiitos äiti" into
// "kiitos_aiti".
func suggestID(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ' || r == '.':
			b.WriteByte('_')
		case r == 'ł':
			b.WriteByte('l')
		case r == 'ß':
			b.WriteString("ss")
		}
	}
	return strings.Trim(b.String(), "_-")
}

// ident checks an id a person chose (node, option, result).
func (r *reporter) ident(p pair, what string, maxLen int) string {
	s, ok := r.scalar(p)
	if !ok {
		return ""
	}
	if !idPattern.MatchString(s) {
		hint := ""
		if sug := suggestID(s); sug != "" {
			hint = fmt.Sprintf("; try %q", sug)
		}
		r.errorf(pos(p.val), "%s %q may use only lowercase letters a-z, digits, _ and -%s", what, s, hint)
		return s
	}
	if maxLen > 0 && len(s) > maxLen {
		r.errorf(pos(p.val), "%s %q is %d characters long; the limit is %d: shorten it", what, s, len(s), maxLen)
	}
	return s
}
