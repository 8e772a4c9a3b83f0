package po

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

const sample = `# Translation of flows/houten.yaml into Arabic.
msgid ""
msgstr ""
"Language: ar\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#. A question.
#: flows/houten.yaml:12
msgctxt "node/ask/text"
msgid ""
"Two lines,\n"
"with a \"quote\" and a \\ backslash."
msgstr "سطران"

#, fuzzy
msgctxt "node/kids/text"
msgid "One child"
msgid_plural "{{.Count}} children"
msgstr[0] "طفل"
msgstr[1] "{{.Count}} أطفال"

#~ msgid "gone"
#~ msgstr "weg"
`

func TestParse(t *testing.T) {
	f, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if f.Get("language") != "ar" || f.Get("Plural-Forms") != "nplurals=2; plural=(n != 1);" {
		t.Errorf("header = %+v", f.Header)
	}
	if len(f.Entries) != 2 {
		t.Fatalf("%d entries, want 2 (the obsolete one dropped)", len(f.Entries))
	}
	e := f.Entries[0]
	want := &Entry{Extracted: []string{"A question."}, References: []string{"flows/houten.yaml:12"}, Context: "node/ask/text",
		ID: "Two lines,\nwith a \"quote\" and a \\ backslash.", Str: []string{"سطران"}, Line: 7}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("entry 1 = %+v\nwant %+v", e, want)
	}
	p := f.Entries[1]
	if !p.Fuzzy() || p.Plural != "{{.Count}} children" || !reflect.DeepEqual(p.Str, []string{"طفل", "{{.Count}} أطفال"}) {
		t.Errorf("entry 2 = %+v", p)
	}
}

// TestRoundTrip: what Write writes, Parse reads back unchanged, and
// writing it again gives the same bytes.
func TestRoundTrip(t *testing.T) {
	f, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := f.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	g, err := Parse(a.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, a.String())
	}
	g.WriteTo(&b)
	if a.String() != b.String() {
		t.Errorf("second write differs:\n%s\n---\n%s", a.String(), b.String())
	}
	for i := range f.Entries {
		f.Entries[i].Line, g.Entries[i].Line = 0, 0
	}
	if !reflect.DeepEqual(f.Entries, g.Entries) {
		t.Errorf("entries changed:\n%+v\n%+v", f.Entries, g.Entries)
	}
	if !strings.Contains(a.String(), "msgid \"\"\n\"Two lines,\\n\"\n\"with a \\\"quote\\\" and a \\\\ backslash.\"\n") {
		t.Errorf("a text with a line break is not written one line a string:\n%s", a.String())
	}
}

func TestEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`"a\tb"`: "a\tb", `"\x41\101"`: "AA", `"\u"`: "", `"tab\\"`: `tab\`,
	} {
		got, err := unquote(in)
		if in == `"\u"` {
			if err == nil {
				t.Errorf("unquote(%s) accepted an unknown escape", in)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("unquote(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, s := range []string{"plain", "a \"b\" \\ c", "ctrl \x01\x7f", "tab\there", "العربية"} {
		if got, err := unquote(quote(s)); err != nil || got != s {
			t.Errorf("quote %q came back %q, %v", s, got, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"msgid \"a\"\n", "line 1: this entry has no msgstr"},
		{"msgid \"a\nmsgstr \"\"\n", "line 1: msgid: a text should be in double quotes"},
		{"msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n", "line 3: a second msgstr"},
		{"msgid \"a\"\nmsgstr[1] \"b\"\n", "line 2: msgstr[1] is out of order"},
		{"msgid \"a\"\nmsgstr[0] \"b\"\n", "line 1: this entry has msgstr[n] forms but no msgid_plural"},
		{"msgid \"a\"\nmsgid_plural \"as\"\nmsgstr \"b\"\n", "line 1: this entry has msgid_plural"},
		{"\"stray\"\n", "line 1: a quoted line must follow"},
		{"msgid \"a\"\nmsgstr \"b\"\n\nmsgid \"\"\nmsgstr \"Language: x\\n\"\n", "line 4: an entry with an empty msgid is the header"},
		{"msgfoo \"a\"\n", `line 1: unknown keyword "msgfoo"`},
		{"msgid \"\\q\"\nmsgstr \"\"\n", `line 1: msgid: unknown escape \q`},
		{"msgid \"a\"\nmsgstr \"\xff\"\n", "line 1: the file is not UTF-8"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestPluralRule(t *testing.T) {
	tests := []struct {
		rule string
		want map[int64]int
	}{
		{"nplurals=2; plural=(n != 1);", map[int64]int{0: 1, 1: 0, 2: 1}},
		{"nplurals=2; plural=n > 1;", map[int64]int{0: 0, 1: 0, 2: 1}},
		{"nplurals=1; plural=0;", map[int64]int{0: 0, 7: 0}},
		{"nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
			map[int64]int{1: 0, 11: 2, 21: 0, 2: 1, 12: 2, 22: 1, 5: 2, 0: 2}},
		{"nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
			map[int64]int{0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3}},
		{"nplurals=2; plural=!(n == 1) + 0 * -1;", map[int64]int{1: 0, 4: 1}},
		{"nplurals=2; plural=n / 0 + n % 0;", map[int64]int{5: 0}},
		{"nplurals=2; plural=7;", map[int64]int{5: 1}}, // out of range: the last form
	}
	for _, tc := range tests {
		r, err := ParsePluralRule(tc.rule)
		if err != nil {
			t.Errorf("%s: %v", tc.rule, err)
			continue
		}
		for n, want := range tc.want {
			if got := r.Index(n); got != want {
				t.Errorf("%s: n=%d gives %d, want %d", tc.rule, n, got, want)
			}
		}
	}
	for _, bad := range []string{"", "nplurals=2;", "plural=n;", "nplurals=x; plural=n;", "nplurals=2; plural=(n;", "nplurals=2; plural=n ? 1;",
		"nplurals=2; plural=n n;", "nplurals=2; plural=;", "nplurals=99; plural=n;", "foo=1", "nplurals=2; plural=" + strings.Repeat("(", 500) + "n" + strings.Repeat(")", 500) + ";"} {
		if _, err := ParsePluralRule(bad); err == nil {
			t.Errorf("ParsePluralRule(%q) accepted it", bad)
		}
	}
}

// FuzzParse: no input makes the parser panic, and what it reads it writes
// back so that it reads the same.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("msgid \"a\"\nmsgstr \"b\"\n"))
	f.Add([]byte("msgctxt \"x\"\nmsgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"\\101\"\nmsgstr[1] \"\\x41\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Parse(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		pf.WriteTo(&b)
		again, err := Parse(b.Bytes())
		if err != nil {
			t.Fatalf("what Write wrote does not parse: %v\n%s", err, b.String())
		}
		if len(again.Entries) != len(pf.Entries) {
			t.Fatalf("%d entries became %d", len(pf.Entries), len(again.Entries))
		}
		for i, e := range pf.Entries {
			a := again.Entries[i]
			if a.Context != e.Context || a.ID != e.ID || a.Plural != e.Plural || !reflect.DeepEqual(a.Str, e.Str) {
				t.Fatalf("entry %d changed: %+v -> %+v", i, e, a)
			}
		}
	})
}

func FuzzPluralRule(f *testing.F) {
	f.Add("nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2);", int64(5))
	f.Fuzz(func(t *testing.T, s string, n int64) {
		r, err := ParsePluralRule(s)
		if err != nil {
			return
		}
		if i := r.Index(n); i < 0 || i >= r.N {
			t.Fatalf("%s: index %d for %d", s, i, n)
		}
	})
}
