package flow

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

var yamlLine = regexp.MustCompile(`line (\d+)`)

// maxSyntaxScan bounds the re-parsing syntaxError does to find a problem.
const maxSyntaxScan = 2000

// syntaxError turns a YAML parser error into a position and plain words.
//
// The YAML library reports the line where the enclosing block starts (often
// the "nodes:" line), not the line with the mistake, and names what it could
// not parse rather than the mistake. syntaxError first finds the line where
// parsing fails: the first line at which the file, cut off after that line,
// fails with the same complaint. Then it reads the file up to there for the
// mistake a person would see (see shape.go), and keeps that explanation when
// the file, with the mistake mended, parses up to that line.
func syntaxError(data []byte, err error) (Pos, string) {
	problem := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine.FindStringSubmatch(problem); m != nil {
		line, _ = strconv.Atoi(m[1])
		problem = strings.TrimPrefix(strings.TrimSpace(yamlLine.ReplaceAllString(problem, "")), ": ")
	}
	if strings.Contains(problem, "UTF-") || strings.Contains(problem, "control characters") {
		return badCharacter(data)
	}
	lines := strings.SplitAfter(string(data), "\n")
	line = min(max(line, 1), len(lines))
	upto := len(lines)
	prefix := 0
	for _, l := range lines[:max(line-2, 0)] {
		prefix += len(l)
	}
	for k := max(line-1, 1); k <= len(lines) && k < line+maxSyntaxScan; k++ {
		prefix += len(lines[k-1])
		var n yaml.Node
		e := yaml.Unmarshal(data[:prefix], &n)
		if e == nil {
			continue
		}
		p := strings.TrimPrefix(e.Error(), "yaml: ")
		p = strings.TrimPrefix(strings.TrimSpace(yamlLine.ReplaceAllString(p, "")), ": ")
		if p == problem {
			line, upto = k, k
			break
		}
	}
	if f := explain(string(data), upto); f != nil {
		return f.pos, "YAML syntax: " + f.msg
	}
	text := strings.TrimRight(lines[line-1], "\r\n")
	col := 1
	indent := len(text) - len(strings.TrimLeft(text, " \t"))
	if i := strings.IndexByte(text[:indent], '\t'); i >= 0 {
		return Pos{line, i + 1}, "YAML syntax: there is a tab in the indentation of this line; indent with spaces only"
	}
	if indent < len(text) {
		col = utf8.RuneCountInString(text[:indent]) + 1
	}
	return Pos{line, col}, "YAML syntax: " + syntaxHint(problem, text)
}

// explain looks for the mistake in the first upto lines of src, and returns
// it when mending it makes those lines parse.
func explain(src string, upto int) *finding {
	if strings.Contains(strings.ReplaceAll(src, "\r\n", "\n"), "\r") {
		return nil // old Mac line breaks: the lines here would not be YAML's
	}
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	upto = min(upto, len(lines))
	f := scanShape(lines, upto)
	if f == nil || f.fix == nil {
		return f
	}
	mended := slices.Clone(lines[:upto])
	f.fix(mended)
	var n yaml.Node
	if yaml.Unmarshal([]byte(strings.Join(mended, "\n")+"\n"), &n) != nil {
		return nil
	}
	return f
}

// badCharacter finds the first byte that is not UTF-8 text, or an invisible
// control character, which YAML does not allow.
func badCharacter(data []byte) (Pos, string) {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return Pos{line, col}, "YAML syntax: the file is not plain UTF-8 text here; save it as UTF-8 in your editor (this can happen when text is pasted from a word processor)"
		case r < ' ' && r != '\t' && r != '\n' && r != '\r', r == 0x7f, r >= 0x80 && r < 0xa0 && r != 0x85, r == 0xfffe || r == 0xffff:
			return Pos{line, col}, fmt.Sprintf("YAML syntax: there is an invisible control character (U+%04X) here; delete it", r)
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return Pos{1, 1}, "YAML syntax: the file is not plain UTF-8 text; save it as UTF-8 in your editor"
}

// reservedStart matches a value that starts with a character YAML gives a
// meaning to: *bold* is an alias, &x an anchor, !x a tag, %x a directive.
var reservedStart = regexp.MustCompile("^\\s*(?:-\\s+)?(?:[^\\s:\"']+:\\s+)?([*&!%@`])")

// quotedThenMore matches `key: "quoted" and more`: a value that starts with a
// quote but goes on after the closing quote.
var quotedThenMore = regexp.MustCompile(`^\s*(?:-\s+)?[^\s:]+:\s+(?:"[^"]*"|'[^']*')\s*[^\s#]`)

// unquotedInBraces matches { } or [ ] holding an unquoted text with ? or :
// followed by more text.
var unquotedInBraces = regexp.MustCompile(`[{\[,]\s*(?:[\w-]+:\s+)?[^"'\s{}\[\],][^"'{}\[\],]*[?:]`)

func syntaxHint(problem, line string) string {
	switch {
	case strings.Contains(problem, "tab character"):
		return "there is a tab in the indentation here; indent with spaces only"
	case reservedStart.MatchString(line):
		c := reservedStart.FindStringSubmatch(line)[1]
		return fmt.Sprintf("a value here starts with %s, which YAML reserves; put the whole text in quotes, like text: \"%s...\"", c, c)
	case strings.Contains(problem, "unknown escape character"):
		return "a \\ in a text in double quotes starts a code like \\n; write \\\\ for a backslash, or use single quotes around the text"
	case quotedThenMore.MatchString(line):
		return "this text starts with a quote, so it must also end with it; put the whole text in quotes, using the other kind of quote inside, like text: '\"Hi!\" she said.'"
	case strings.Contains(problem, "could not find expected ':'"):
		return "a key here has no colon, or no space after its colon; write key: value, like type: rating"
	case strings.Contains(problem, "mapping values are not allowed"):
		return "this line has a second \": \"; put a text that contains a colon in quotes, like text: \"Note: bring your card\""
	case strings.Contains(problem, "did not find expected key"), strings.Contains(problem, "did not find expected '-' indicator"):
		return "this line does not line up with the lines above it; keys of the same block must start in the same column, and list items start with \"- \""
	case strings.Contains(problem, "found unexpected end of stream"):
		return "a quote opened here is never closed; end the text with the same quote mark"
	case (strings.Contains(problem, "did not find expected ',' or") || strings.Contains(problem, "did not find expected node content")) &&
		unquotedInBraces.MatchString(line):
		// The YAML library cannot read a ? (or : ) inside an unquoted text
		// in { } or [ ]: questions hit this all the time.
		return "a text inside { } or [ ] that contains ? or : must be in quotes, like {en: \"How was it?\"}"
	case strings.Contains(problem, "did not find expected ',' or ']'"):
		return "a list in [ ] opened here is not closed with ], or its items are not separated by commas"
	case strings.Contains(problem, "did not find expected ',' or '}'"):
		return "a { } opened here is not closed with }, or its items are not separated by commas"
	case strings.Contains(problem, "did not find expected node content"):
		return "a list in [ ] or { } here has an empty item, or a stray , ] or }; check the brackets and commas, or put the text in quotes"
	case strings.Contains(problem, "block sequence entries are not allowed"):
		return "a list item (\"- \") cannot start on the same line as its key; start it on the next line, indented by two more spaces"
	case strings.Contains(problem, "cannot start any token"):
		return "a value here starts with a character YAML reserves (such as @ or `); put the text in quotes"
	}
	return problem + " (check the indentation, and that every \"key: value\" has a space after the colon)"
}
