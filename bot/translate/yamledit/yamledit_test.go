package yamledit

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

const src = `# A comment that must stay.
pilot:
  id: demo

  name: {nl: Hallo, en: "Hi"}   # the name
  help:
    nl: |-
      Regel een.
      Regel twee.

    en: 'It''s help'
  plain: just words # a comment
  folded: >
    folded
    text
  multi: this plain text
    goes on
nodes:
  - id: a
    text: Alleen Nederlands
`

// get finds a value by path: keys, or #n for a list item.
func get(t *testing.T, root *yaml.Node, path ...string) *yaml.Node {
	t.Helper()
	n := root
	for _, p := range path {
		if n.Kind == yaml.SequenceNode {
			n = n.Content[p[1]-'0']
			continue
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				n, found = n.Content[i+1], true
				break
			}
		}
		if !found {
			t.Fatalf("no %v", path)
		}
	}
	return n
}

// TestSetScalar: each style of text gets a new value, written in the same
// style where it can be, and nothing else in the file changes.
func TestSetScalar(t *testing.T) {
	tests := []struct {
		path     []string
		value    string
		contains string
	}{
		{[]string{"pilot", "name", "nl"}, "Hoi daar", "name: {nl: Hoi daar, en: \"Hi\"}   # the name"},
		{[]string{"pilot", "name", "en"}, "Hello, you", "name: {nl: Hallo, en: \"Hello, you\"}"},
		{[]string{"pilot", "help", "nl"}, "Een.\nTwee.\nDrie.", "    nl: |-\n      Een.\n      Twee.\n      Drie.\n\n    en:"},
		{[]string{"pilot", "help", "en"}, "Don't", "en: 'Don''t'"},
		{[]string{"pilot", "plain"}, "other words", "plain: other words # a comment"},
		{[]string{"pilot", "plain"}, "yes", "plain: \"yes\" # a comment"},
		{[]string{"pilot", "folded"}, "one line\n", "folded: |\n    one line\n  multi:"},
		{[]string{"pilot", "multi"}, "short", "multi: short\nnodes:"},
		{[]string{"nodes", "#0", "text"}, "Ça va: bien", "text: \"Ça va: bien\"\n"},
	}
	for _, tc := range tests {
		d, err := Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SetScalar(get(t, d.Root, tc.path...), tc.value); err != nil {
			t.Fatalf("%v: %v", tc.path, err)
		}
		out, err := d.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), tc.contains) {
			t.Errorf("%v = %q: the file lacks %q:\n%s", tc.path, tc.value, tc.contains, out)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("%v: the result does not read: %v\n%s", tc.path, err, out)
		}
		if got := get(t, back.Root, tc.path...).Value; got != tc.value {
			t.Errorf("%v reads back as %q, want %q", tc.path, got, tc.value)
		}
		if !strings.HasPrefix(string(out), "# A comment that must stay.\npilot:\n  id: demo\n\n") {
			t.Errorf("the top of the file changed:\n%s", out)
		}
	}
}

func TestAddAndReplace(t *testing.T) {
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.AddKey(get(t, d.Root, "pilot", "name"), "ar", Text("مرحبا")))
	must(d.AddKey(get(t, d.Root, "pilot", "help"), "ar", Text("سطر\nسطر آخر")))
	must(d.AddKey(get(t, d.Root, "pilot", "help"), "uk", Map(KeyValue{"one", Text("{{.Count}} день")}, KeyValue{"other", Text("{{.Count}} дні")})))
	node := get(t, d.Root, "nodes", "#0")
	must(d.Replace(get(t, node, "text"), Map(KeyValue{"nl", Text("Alleen Nederlands")}, KeyValue{"ti", Text("ትግርኛ")}), indent(node.Content[2]), false))
	out, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`name: {nl: Hallo, en: "Hi", ar: "مرحبا"}   # the name`,
		"    en: 'It''s help'\n    ar: |-\n      سطر\n      سطر آخر\n    uk:\n      one: \"{{.Count}} день\"\n      other: \"{{.Count}} дні\"\n  plain:",
		"    text:\n      nl: \"Alleen Nederlands\"\n      ti: \"ትግርኛ\"\n",
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("the file lacks %q:\n%s", w, out)
		}
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("the result does not read: %v\n%s", err, out)
	}
	if get(t, back.Root, "pilot", "help", "uk", "other").Value != "{{.Count}} дні" || get(t, back.Root, "nodes", "#0", "text", "ti").Value != "ትግርኛ" {
		t.Errorf("values did not read back:\n%s", out)
	}
}

func TestNoEditsNoChange(t *testing.T) {
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := d.Bytes()
	if string(out) != src || d.Changed() {
		t.Error("a document without edits changed")
	}
}

func TestOverlap(t *testing.T) {
	d, _ := Parse([]byte(src))
	v := get(t, d.Root, "pilot", "plain")
	d.SetScalar(v, "a")
	d.SetScalar(v, "b")
	if _, err := d.Bytes(); err == nil {
		t.Error("two edits of one value were both applied")
	}
}

func TestRenderScalar(t *testing.T) {
	for _, s := range []string{"plain", "", " lead", "trail ", "a: b", "#x", "- x", "123", "true", "null", "tab\there", "x\u2068y\u2069", "two\nlines", "ends\n", "many\n\n", "\nstarts", "trailing \nspace", "quote \" and \\"} {
		for _, style := range []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle} {
			out := "k: " + renderScalar(s, style, 2) + "\n"
			var m map[string]string
			if err := yaml.Unmarshal([]byte(out), &m); err != nil || m["k"] != s {
				t.Errorf("%q in style %v written %q reads as %q (%v)", s, style, out, m["k"], err)
			}
		}
	}
}

// FuzzSetScalar: any text set into any value of the sample reads back as
// itself, and the file still reads.
func FuzzSetScalar(f *testing.F) {
	f.Add("plain", 0)
	f.Add("two\nlines\n", 2)
	f.Add("it's: \"x\" # y", 5)
	f.Fuzz(func(t *testing.T, s string, which int) {
		if !utf8.ValidString(s) {
			return
		}
		paths := [][]string{{"pilot", "name", "nl"}, {"pilot", "name", "en"}, {"pilot", "help", "nl"}, {"pilot", "help", "en"},
			{"pilot", "plain"}, {"pilot", "folded"}, {"pilot", "multi"}, {"nodes", "#0", "text"}}
		path := paths[(which%len(paths)+len(paths))%len(paths)]
		d, _ := Parse([]byte(src))
		if err := d.SetScalar(get(t, d.Root, path...), s); err != nil {
			t.Fatal(err)
		}
		out, err := d.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("%q at %v: %v\n%s", s, path, err, out)
		}
		if got := get(t, back.Root, path...).Value; got != s {
			t.Fatalf("%q at %v reads back as %q\n%s", s, path, got, out)
		}
	})
}
