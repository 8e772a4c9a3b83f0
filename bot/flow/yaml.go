package flow

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
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

// mapping reads a YAML mapping whose keys must be among allowed. It reports
// duplicate and unknown keys (with the nearest valid key) and returns the
// known pairs by key. what names the mapping in messages ("a node", "pilot").
func (r *reporter) mapping(n *yaml.Node, what string, allowed []string, unknown func(key string) string) map[string]pair {
	n = deref(n)
	out := map[string]pair{}
	if n == nil || n.Kind != yaml.MappingNode {
		if n != nil {
			r.errorf(pos(n), "%s should be a list of keys (key: value), not %s", what, kindName(n))
		}
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			r.errorf(pos(k), "a key in %s should be a plain word", what)
			continue
		}
		if prev, dup := out[k.Value]; dup {
			r.errorf(pos(k), "key %q appears twice in %s; the first is at line %d", k.Value, what, prev.key.Line)
			continue
		}
		if !contains(allowed, k.Value) {
			msg := ""
			if unknown != nil {
				msg = unknown(k.Value)
			}
			if msg == "" {
				msg = unknownKey(k.Value, what, allowed)
			}
			r.errorf(pos(k), "%s", msg)
			continue
		}
		out[k.Value] = pair{k, v}
	}
	return out
}

func unknownKey(key, what string, allowed []string) string {
	if s := nearest(key, allowed); s != "" {
		return fmt.Sprintf("unknown key %q in %s; did you mean %q?", key, what, s)
	}
	return fmt.Sprintf("unknown key %q in %s; valid keys are %s", key, what, strings.Join(allowed, ", "))
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
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
		return []*yaml.Node{p.val}
	}
	r.errorf(pos(p.val), "%s should be a list, not %s", p.key.Value, kindName(p.val))
	return nil
}

var idPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// suggestID turns "Ask Rating!" into "ask_rating".
func suggestID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ' || r == '.':
			b.WriteByte('_')
		}
	}
	return b.String()
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
		r.errorf(pos(p.val), "%s %q is %d characters long; the limit is %d", what, s, len(s), maxLen)
	}
	return s
}
