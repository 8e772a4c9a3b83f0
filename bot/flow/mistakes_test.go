package flow

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSyntaxMistakesInTurku makes, one at a time, the YAML slips pilot
// teams make on every line of flows/turku.yaml, and checks that the first
// message is at that line and names the slip: a key indented by a space too
// many or too few, a closing quote left out, a node without its "- ", a
// missing space after a colon, a tab.
func TestSyntaxMistakesInTurku(t *testing.T) {
	data, err := os.ReadFile("../../flows/turku.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	keyLine := regexp.MustCompile(`^( *)(- )?([a-z_]+):( |$)`)
	tried := map[string]int{}
	for i, l := range lines {
		m := keyLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		try := func(kind, want, changed string) {
			tried[kind]++
			src := slicesWith(lines, i, changed)
			_, diags := Load("turku.yaml", []byte(src), testOptions())
			if len(diags) == 0 || diags[0].Pos.Line != i+1 || !strings.Contains(diags[0].Message, want) {
				got := "nothing"
				if len(diags) > 0 {
					got = diags[0].String()
				}
				t.Errorf("%s at line %d (%q): got %s; want a message at line %d with %q", kind, i+1, changed, got, i+1, want)
			}
		}
		indent := len(m[1])
		if m[2] == "" && indent > 0 && !onlyKey(lines, i, indent) {
			try("one space too many", "indented", " "+l)
			try("one space too few", "indented", l[1:])
		}
		if strings.Contains(l, `: "`) && strings.HasSuffix(l, `"`) && strings.Count(l, `"`) == 2 {
			try("no closing quote", "quote is never closed", l[:len(l)-1])
		}
		if m[2] == "- " && indent == 2 && m[3] == "id" {
			try("no dash", `no "- "`, "    "+l[4:])
			try("no dash, no indent", `no "- "`, "  "+l[4:])
		}
		if m[4] == " " && !strings.Contains(l, "://") {
			try("no space after the colon", "no space after", strings.Replace(l, ": ", ":", 1))
		}
		try("tab", "tab", "\t"+strings.TrimLeft(l, " "))
	}
	for _, kind := range []string{"one space too many", "one space too few", "no closing quote", "no dash", "no space after the colon", "tab"} {
		if tried[kind] < 10 {
			t.Errorf("only %d lines tried for %s", tried[kind], kind)
		}
	}
}

func slicesWith(lines []string, i int, changed string) string {
	out := make([]string, len(lines))
	copy(out, lines)
	out[i] = changed
	return strings.Join(out, "\n")
}

// onlyKey reports whether line i is the only key of its block, which may
// then be indented by any number of spaces.
func onlyKey(lines []string, i, indent int) bool {
	same := func(l string) bool {
		t := strings.TrimLeft(l, " ")
		return t != "" && t[0] != '#' && len(l)-len(t) == indent && !strings.HasPrefix(t, "- ")
	}
	for j := i - 1; j >= 0; j-- {
		t := strings.TrimLeft(lines[j], " ")
		if t == "" || t[0] == '#' {
			continue
		}
		if n := len(lines[j]) - len(t); n < indent {
			break
		} else if same(lines[j]) {
			return false
		}
	}
	for j := i + 1; j < len(lines); j++ {
		t := strings.TrimLeft(lines[j], " ")
		if t == "" || t[0] == '#' {
			continue
		}
		if n := len(lines[j]) - len(t); n < indent {
			break
		} else if same(lines[j]) {
			return false
		}
	}
	return true
}

// BenchmarkSyntaxError measures finding the cause of a syntax error near
// the end of the longest shipped flow, the worst case for the re-parsing.
func BenchmarkSyntaxError(b *testing.B) {
	data, err := os.ReadFile("../../flows/turku.yaml")
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	last := len(lines) - 1
	for last > 0 && !strings.HasSuffix(lines[last], `"`) {
		last--
	}
	src := []byte(slicesWith(lines, last, strings.TrimSuffix(lines[last], `"`)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Load("turku.yaml", src, testOptions()); !strings.Contains(diags.String(), "quote is never closed") {
			b.Fatalf("got %s", diags)
		}
	}
}
