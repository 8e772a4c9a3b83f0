package flow

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file finds the cause of a YAML syntax error the way a person would:
// by reading the file line by line and looking at the indentation, the
// quotes and the "- " of list items. The YAML library only says what it
// could not parse, often at the wrong line ("did not find expected key" for
// a key indented by one space too many, at the line where the block
// starts); the scanner names the mistake and the edit that removes it, and
// syntaxError keeps the finding only when the file parses after that edit.

// A finding is the likely cause of a syntax error.
type finding struct {
	pos Pos
	msg string
	// fix edits a copy of the lines the way msg says; nil when the cause
	// is certain (a tab in the indentation).
	fix func(lines []string)
}

// level is one open block: the keys of a mapping, or the items of a list.
type level struct {
	col    int    // the column (0-based) where its keys or "- " start
	seq    bool   // a list of "- " items rather than keys
	parent int    // the column of the key or "- " it belongs to; -2 at the top
	first  int    // the line of its first key or item
	line   int    // the line of its latest key or item
	count  int    // how many keys or items it has so far
	key    string // its latest key
	owner  string // the key it belongs to, like "nodes"
	// firstKey is its first key; itemKey is the key its first item starts
	// with, like "id".
	firstKey, itemKey string
}

// opened is a line ending in "key:" or "-": a deeper block below belongs to it.
type opened struct {
	col int
	key string
}

// blockText is a block scalar (| or >): the lines below its key that are
// indented at least as much as its first line are its text.
type blockText struct {
	owner  int // the column of its key
	indent int // the indentation of its first line; -1 before it
}

// within reports whether a line belongs to the block scalar.
func (b *blockText) within(indent int, blank bool) bool {
	switch {
	case blank:
		return true
	case b.indent < 0 && indent > b.owner:
		b.indent = indent
		return true
	}
	return b.indent >= 0 && indent >= b.indent
}

// token is what a line starts with: "- " items, a key, and its value.
type token struct {
	dashes []int // byte offsets of the "- " at the start
	keyAt  int   // byte offset of the key, -1 when there is none
	key    string
	rest   string // what follows the key and its colon, or the dashes
	restAt int
	opens  bool // nothing follows the last "key:" or "-"
	block  bool // the value is | or >: the deeper lines below are its text
	plain  bool // the value is plain text, which may go on over deeper lines
}

// first is the column of the line's first token.
func (t token) first() int {
	if len(t.dashes) > 0 {
		return t.dashes[0]
	}
	if t.keyAt >= 0 {
		return t.keyAt
	}
	return t.restAt
}

// owner is the column below which the line's value may continue: -1 for a
// value alone on its line, which may go on at any column.
func (t token) owner() int {
	switch {
	case t.keyAt >= 0:
		return t.keyAt
	case len(t.dashes) > 0:
		return t.dashes[len(t.dashes)-1]
	}
	return -1
}

type shapeScan struct {
	lines []string
	stack []level
	open  *opened
	// plain is the column of the key whose plain value may go on over
	// deeper lines, or -1; plainLine and plainKey say where that value is.
	plain     int
	plainLine int
	plainKey  string
}

// scanShape returns the first mistake in lines[:upto], or nil.
func scanShape(lines []string, upto int) *finding {
	s := &shapeScan{lines: lines, plain: -1}
	var block *blockText
	for i, text := range lines[:min(upto, len(lines))] {
		no := i + 1
		trimmed := strings.TrimLeft(text, " ")
		indent := len(text) - len(trimmed)
		blank := strings.TrimSpace(text) == ""
		if block != nil {
			if block.within(indent, blank) {
				continue
			}
			block = nil
		}
		if blank || strings.HasPrefix(strings.TrimLeft(text, " \t"), "#") {
			continue
		}
		if strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...") || strings.HasPrefix(text, "%") {
			continue // document markers and directives
		}
		if strings.HasPrefix(trimmed, "\t") {
			return &finding{pos: Pos{no, indent + 1}, msg: "there is a tab in the indentation of this line; indent with spaces only"}
		}
		t, f := tokenize(no, text, indent)
		if f == nil {
			f = dashSpace(no, text, t, lines)
		}
		if f != nil {
			return f
		}
		if s.plain >= 0 && indent > s.plain && t.keyAt < 0 && len(t.dashes) == 0 {
			continue // the plain text of the line above goes on
		}
		if f := s.place(no, text, t); f != nil {
			return f
		}
		s.open, s.plain, s.plainLine, s.plainKey = nil, -1, 0, ""
		switch {
		case t.block:
			block = &blockText{owner: t.owner(), indent: -1}
		case t.opens:
			s.open = &opened{col: t.owner(), key: t.key}
		case t.plain && (t.keyAt >= 0 || len(t.dashes) > 0):
			s.plain, s.plainLine, s.plainKey = t.owner(), no, t.key
		}
	}
	return nil
}

var blockIndicator = regexp.MustCompile(`^[|>][-+0-9]*\s*(#.*)?$`)

// tokenize reads the start of a line. It returns a finding for a quote or
// bracket that is not closed on the line, or text after a closing quote.
func tokenize(no int, text string, at int) (token, *finding) {
	t := token{keyAt: -1}
	i := at
	for i < len(text) && text[i] == '-' && (i+1 == len(text) || text[i+1] == ' ') {
		t.dashes = append(t.dashes, i)
		i++
		for i < len(text) && text[i] == ' ' {
			i++
		}
	}
	// A key with a space is most likely text with a colon in it: flow
	// files use single words as keys.
	if k, end, ok := keyAt(text, i); ok && !strings.Contains(k, " ") {
		if m := noSpace.FindStringSubmatch(k); m != nil && idLike.MatchString(k) {
			// "text:{en: Hi}" reads as the key "text:{en".
			colon := i + len(m[1])
			return t, &finding{
				pos: Pos{no, column(text, colon)},
				msg: fmt.Sprintf("there is no space after the colon in %q; write %s: %s", strings.TrimSpace(text[i:]), m[1], strings.TrimSpace(text[colon+1:])),
				fix: func(lines []string) { lines[no-1] = lines[no-1][:colon+1] + " " + lines[no-1][colon+1:] },
			}
		}
		t.keyAt, t.key = i, k
		i = end
		for i < len(text) && text[i] == ' ' {
			i++
		}
	}
	t.restAt, t.rest = i, text[i:]
	rest := t.rest
	switch {
	case rest == "" || rest[0] == '#':
		t.opens = true
	case blockIndicator.MatchString(rest):
		t.block = true
	case rest[0] == '"' || rest[0] == '\'':
		end, ok := skipQuoted(text, i)
		if !ok {
			return t, unclosedQuote(no, text, i)
		}
		if after := strings.TrimLeft(text[end:], " "); after != "" && after[0] != '#' {
			return t, textAfterQuote(no, text, i, end, t.key)
		}
	case rest[0] == '[' || rest[0] == '{':
		if f := scanFlow(no, text, i); f != nil {
			return t, f
		}
	default:
		t.plain = true
	}
	return t, nil
}

// keyAt reads a key ("id:" or "'a b':") at byte i.
func keyAt(text string, i int) (key string, end int, ok bool) {
	if i >= len(text) || strings.ContainsRune("[]{},#&*!|>%@`-?", rune(text[i])) && !(text[i] == '-' && i+1 < len(text) && text[i+1] != ' ') {
		return "", 0, false
	}
	j := i
	if text[i] == '"' || text[i] == '\'' {
		e, closed := skipQuoted(text, i)
		if !closed {
			return "", 0, false
		}
		j = e
		for j < len(text) && text[j] == ' ' {
			j++
		}
		if j < len(text) && text[j] == ':' && (j+1 == len(text) || text[j+1] == ' ') {
			return text[i+1 : e-1], j + 1, true
		}
		return "", 0, false
	}
	for ; j < len(text); j++ {
		switch {
		case text[j] == '#' && j > i && text[j-1] == ' ':
			return "", 0, false
		case text[j] == ':' && (j+1 == len(text) || text[j+1] == ' '):
			return strings.TrimRight(text[i:j], " "), j + 1, true
		}
	}
	return "", 0, false
}

// skipQuoted returns the offset after the quoted text that starts at i.
func skipQuoted(text string, i int) (int, bool) {
	q := text[i]
	for j := i + 1; j < len(text); j++ {
		switch {
		case q == '"' && text[j] == '\\':
			j++
		case text[j] == q && q == '\'' && j+1 < len(text) && text[j+1] == '\'':
			j++
		case text[j] == q:
			return j + 1, true
		}
	}
	return len(text), false
}

// scanFlow checks a [ ] or { } that starts at i: its quotes and brackets
// must be closed on the same line.
func scanFlow(no int, text string, i int) *finding {
	depth, start := 0, true
	for j := i; j < len(text); j++ {
		c := text[j]
		switch {
		case c == '[' || c == '{':
			depth++
			start = true
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return nil
			}
		case c == ',':
			start = true
		case c == ':' && (j+1 == len(text) || text[j+1] == ' '):
			start = true
		case c == '#' && j > 0 && text[j-1] == ' ':
			j = len(text)
		case (c == '"' || c == '\'') && start:
			end, ok := skipQuoted(text, j)
			if !ok {
				return unclosedQuote(no, text, j)
			}
			// After a text in quotes comes , or a closing bracket (or :
			// after a key). Anything else means the quote that closed it
			// was meant to open the next text: this one is not closed.
			if after := strings.TrimLeft(text[end:], " "); after != "" && !strings.ContainsRune(",]}:#", rune(after[0])) {
				return quoteEndsLate(no, text, j)
			}
			j = end - 1
			start = false
		case c != ' ':
			start = false
		}
	}
	closer := "]"
	if text[i] == '{' {
		closer = "}"
	}
	return &finding{
		pos: Pos{no, column(text, i)},
		msg: fmt.Sprintf("this %c is never closed; end it with %s on the same line", text[i], closer),
		fix: func(lines []string) { lines[no-1] += strings.Repeat(closer, max(depth, 1)) },
	}
}

func unclosedQuote(no int, text string, i int) *finding {
	q := text[i : i+1]
	return &finding{
		pos: Pos{no, column(text, i)},
		msg: fmt.Sprintf("this quote is never closed; end the text with %s on the same line, or remove this quote", q),
		fix: func(lines []string) { lines[no-1] = strings.TrimRight(lines[no-1], " ") + q },
	}
}

// quoteEndsLate is a quote inside { } or [ ] that is not closed before the
// next comma or bracket, so that it ends at the next text's opening quote.
func quoteEndsLate(no int, text string, i int) *finding {
	f := unclosedQuote(no, text, i)
	f.msg = fmt.Sprintf("this quote is never closed; end the text with %s before the next comma or bracket", text[i:i+1])
	f.fix = func(lines []string) {
		l := lines[no-1]
		if k := strings.IndexAny(l[i+1:], ",]}"); k >= 0 {
			lines[no-1] = l[:i+1+k] + text[i:i+1] + l[i+1+k:]
		}
	}
	return f
}

// textAfterQuote explains a value that starts with a quote but goes on
// after the closing quote.
func textAfterQuote(no int, text string, start, end int, key string) *finding {
	key = cmp.Or(key, "text")
	if text[start] == '\'' && end < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[end:]); r != ' ' {
			return &finding{pos: Pos{no, column(text, end-1)}, msg: fmt.Sprintf(
				"this ' ends the text that starts with ' at column %d; to write an apostrophe inside single quotes, write it twice (''), or put the text in double quotes, like %s: \"Don't worry\"",
				column(text, start), key)}
		}
	}
	return &finding{pos: Pos{no, column(text, start)}, msg: fmt.Sprintf(
		"this text starts with a quote, so it must also end with it; put the whole text in quotes, using the other kind of quote inside, like %s: '\"Hi!\" she said.'", key)}
}

// column turns a byte offset into a 1-based column in characters.
func column(text string, i int) int {
	return utf8.RuneCountInString(text[:min(i, len(text))]) + 1
}

// place fits a line into the open blocks, or explains why it does not fit.
func (s *shapeScan) place(no int, text string, t token) *finding {
	col, item := t.first(), len(t.dashes) > 0
	if o := s.open; o != nil && (col > o.col || col == o.col && item && o.key != "") {
		// The first line of the block the line above opened.
		switch {
		case item || t.keyAt >= 0:
			s.push(level{col: col, seq: item, parent: o.col, line: no, key: t.key, owner: o.key})
		case noSpace.MatchString(t.rest) && idLike.MatchString(t.rest):
			// "key:\n  id:houten": a key without its space reads as a value.
			return s.strayText(no, text, t)
		}
		s.nested(no, t)
		return nil
	}
	if !item && t.keyAt < 0 {
		return s.strayText(no, text, t)
	}
	var popped []level
	for len(s.stack) > 0 && s.top().col > col {
		popped = append(popped, *s.top())
		s.stack = s.stack[:len(s.stack)-1]
	}
	switch top := s.top(); {
	case top == nil && len(popped) == 0:
		s.push(level{col: col, seq: item, parent: -2, line: no, key: t.key})
	case top != nil && top.col == col && top.seq == item:
		top.line, top.key, top.count = no, t.key, top.count+1
	case top != nil && top.col == col && top.seq:
		// A key where the items of a list start: allowed when the list
		// sits at the column of its own key ("nodes:" then "- id:").
		if below := s.below(); below != nil && below.col == col && !below.seq {
			s.stack = s.stack[:len(s.stack)-1]
			below.line, below.key, below.count = no, t.key, below.count+1
			break
		}
		return s.missingDash(no, text, t, *top, popped)
	case item:
		if f := s.firstItemUndashed(no, t, popped); f != nil {
			return f
		}
		return s.misplacedItem(no, text, t, popped)
	case len(popped) > 0:
		return s.between(no, text, t, popped, top)
	default:
		if f := s.firstItemUndashed(no, t, nil); f != nil {
			return f
		}
		if f := s.blameFirst(*top, col); f != nil {
			return f
		}
		return overIndented(no, text, t, *top)
	}
	s.nested(no, t)
	return nil
}

// nested opens the blocks that start inside a line: "- id: x" is an item
// whose keys start at the column of id.
func (s *shapeScan) nested(no int, t token) {
	for i, d := range t.dashes[min(1, len(t.dashes)):] {
		s.push(level{col: d, seq: true, parent: t.dashes[i], line: no})
	}
	if len(t.dashes) > 0 && t.keyAt >= 0 {
		if list := s.top(); list.itemKey == "" {
			list.itemKey = t.key
		}
		s.push(level{col: t.keyAt, parent: t.dashes[len(t.dashes)-1], line: no, key: t.key})
	}
}

func (s *shapeScan) push(l level) {
	l.first, l.count, l.firstKey = l.line, 1, l.key
	s.stack = append(s.stack, l)
}

func (s *shapeScan) top() *level {
	if len(s.stack) == 0 {
		return nil
	}
	return &s.stack[len(s.stack)-1]
}

func (s *shapeScan) below() *level {
	if len(s.stack) < 2 {
		return nil
	}
	return &s.stack[len(s.stack)-2]
}

// between explains a key between the columns of blocks of keys. It most
// likely belongs to the nearest; when two are as near, to the one the line
// below it goes on with, or else both are named.
func (s *shapeScan) between(no int, text string, t token, popped []level, top *level) *finding {
	col := t.first()
	var maps []level // deepest first
	for _, l := range popped {
		if !l.seq {
			maps = append(maps, l)
		}
	}
	if top != nil && !top.seq {
		maps = append(maps, *top)
	}
	if len(maps) == 0 {
		return nil
	}
	slices.SortStableFunc(maps, func(a, b level) int { return cmp.Compare(abs(a.col-col), abs(b.col-col)) })
	want := maps[0]
	if len(maps) > 1 && abs(maps[1].col-col) == abs(want.col-col) {
		next, ok := nextLine(s.lines, no)
		switch {
		case !t.opens && ok && next == maps[1].col:
			want = maps[1]
		case t.opens || !ok || next != want.col:
			return misaligned(no, text, t, want, &maps[1])
		}
	}
	if f := s.blameFirst(want, col); f != nil {
		return f
	}
	return misaligned(no, text, t, want, nil)
}

// closest is the closed block whose column is nearest to col, preferring
// the keys of a mapping.
func closest(popped []level, col int) level {
	best := popped[0]
	for _, l := range popped[1:] {
		if d, bd := abs(l.col-col), abs(best.col-col); d < bd || d == bd && best.seq && !l.seq {
			best = l
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// spaces says "1 space", "3 spaces".
func spaces(n int) string {
	switch n {
	case 0:
		return "no spaces"
	case 1:
		return "1 space"
	}
	return fmt.Sprintf("%d spaces", n)
}

// indented says how a line is indented: "this line is indented by 3 spaces".
func indented(what string, n int) string {
	if n == 0 {
		return what + " is not indented"
	}
	return what + " is indented by " + spaces(n)
}

// moveBy says how to move a line from column have to column want.
func moveBy(have, want int) string {
	if want > have {
		return "add " + spaces(want-have)
	}
	return "remove " + spaces(have-want)
}

// reindent returns a fix that moves a line to column want.
func reindent(no, want int) func([]string) {
	return func(lines []string) {
		lines[no-1] = strings.Repeat(" ", want) + strings.TrimLeft(lines[no-1], " ")
	}
}

// describe names the key or list items of a block for a message, with how
// they are indented.
func describe(l level) string {
	if l.seq {
		return fmt.Sprintf("the other %ss (line %d) are indented by %d", itemNoun(l.owner), l.line, l.col)
	}
	return fmt.Sprintf("%q above it (line %d) is indented by %d", l.key, l.line, l.col)
}

// misaligned: a key between the columns of two blocks.
func misaligned(no int, text string, t token, want level, also *level) *finding {
	have := t.first()
	if also != nil {
		return &finding{
			pos: Pos{no, column(text, have)},
			msg: fmt.Sprintf("%s, but %s and %s: keys of one block must start in the same column; line it up with the keys it belongs to",
				indented("this line", have), describe(*also), describe(want)),
			fix: reindent(no, want.col),
		}
	}
	return &finding{
		pos: Pos{no, column(text, have)},
		msg: fmt.Sprintf("%s, but %s: keys of one block must start in the same column; %s",
			indented("this line", have), describe(want), moveBy(have, want.col)),
		fix: reindent(no, want.col),
	}
}

// overIndented: a key deeper than the key above it, which has a value
// already and so cannot hold a block.
func overIndented(no int, text string, t token, top level) *finding {
	have := t.first()
	return &finding{
		pos: Pos{no, column(text, have)},
		msg: fmt.Sprintf("%s, but %s: keys of one block must start in the same column; %s",
			indented("this line", have), describe(top), moveBy(have, top.col)),
		fix: reindent(no, top.col),
	}
}

// itemNoun names one item of a list by the key of the list.
func itemNoun(owner string) string {
	switch owner {
	case "nodes":
		return "node"
	case "options":
		return "option"
	case "branches":
		return "branch"
	case "scenarios":
		return "scenario"
	case "steps":
		return "step"
	case "":
		return "list item"
	}
	return "item of " + owner
}

// missingDash: a key at the column where the "- " of a list's items are.
func (s *shapeScan) missingDash(no int, text string, t token, list level, popped []level) *finding {
	col := t.first()
	noun := itemNoun(list.owner)
	// A line like the first line of the other items, with keys below it,
	// is an item that lost its "- ".
	if next, ok := nextLine(s.lines, no); ok && next > col && t.key == list.itemKey {
		return &finding{
			pos: Pos{no, column(text, col)},
			msg: fmt.Sprintf("this line starts a new %s, but has no \"- \"; write \"- \" before %s, like the other %ss (line %d)",
				noun, t.key, noun, list.line),
			fix: func(lines []string) { lines[no-1] = lines[no-1][:col] + "- " + lines[no-1][col:] },
		}
	}
	keys := col + 2
	for _, l := range popped {
		if !l.seq {
			keys = l.col
		}
	}
	return &finding{
		pos: Pos{no, column(text, col)},
		msg: fmt.Sprintf("this line lines up with the \"- \" of the %ss (line %d), but has no \"- \"; if it belongs to the %s above it, indent it by %s like its other keys; if it starts a new %s, begin it with \"- \"",
			noun, list.line, noun, spaces(keys), noun),
		fix: reindent(no, keys),
	}
}

// misplacedItem: a "- " item at a column where no list is.
func (s *shapeScan) misplacedItem(no int, text string, t token, popped []level) *finding {
	var lists []level
	for _, l := range append(popped, s.stack...) {
		if l.seq {
			lists = append(lists, l)
		}
	}
	if len(lists) == 0 {
		return nil
	}
	have := t.first()
	// The list it belongs to is the one whose item keys line up with the
	// line below it; otherwise the nearest.
	want := closest(lists, have)
	if next, ok := nextLine(s.lines, no); ok && t.keyAt >= 0 {
		for _, l := range lists {
			if next == l.col+2 {
				want = l
				break
			}
		}
	}
	return &finding{
		pos: Pos{no, column(text, have)},
		msg: fmt.Sprintf("%s, but %s: the \"- \" of one list must start in the same column; %s",
			indented("this "+itemNoun(want.owner), have), describe(want), moveBy(have, want.col)),
		fix: reindent(no, want.col),
	}
}

// blameFirst: when the first key of a block is out of line with the key
// after it, the first one is wrong if it is the one not indented by two
// spaces more than the key it belongs to, as flow files are.
func (s *shapeScan) blameFirst(block level, col int) *finding {
	if block.seq || block.count != 1 || block.col-block.parent == 2 || col-block.parent != 2 {
		return nil
	}
	text := s.lines[block.line-1]
	return &finding{
		pos: Pos{block.line, column(text, block.col)},
		msg: fmt.Sprintf("%s, but the next key of its block (line %d) is indented by %d: keys of one block must start in the same column; %s",
			indented("this line", block.col), s.next(block.line), col, moveBy(block.col, col)),
		fix: reindent(block.line, col),
	}
}

// next returns the number of the next line with content after line no.
func (s *shapeScan) next(no int) int {
	for i := no; i < len(s.lines); i++ {
		if t := strings.TrimSpace(s.lines[i]); t != "" && t[0] != '#' {
			return i + 1
		}
	}
	return no
}

// firstItemUndashed: the first item of a list lost its "- ", so its keys
// read as a block of keys, and the "- " items after it do not fit:
//
//	nodes:
//	  id: welcome      <- or "    id: welcome"
//	    type: consent
//	  - id: ask_rating
func (s *shapeScan) firstItemUndashed(no int, t token, popped []level) *finding {
	candidates := popped
	if top := s.top(); top != nil {
		candidates = append(candidates, *top)
	}
	for _, b := range candidates {
		if b.seq || b.owner == "" || b.firstKey == "" {
			continue
		}
		line := s.lines[b.first-1]
		var later int
		switch {
		case len(t.dashes) > 0 && t.key == b.firstKey && t.dashes[0] == b.col-2 && b.col >= 2:
			later = no // "    id: welcome" above "  - id: ask_rating"
		case len(t.dashes) == 0 && t.first() == b.col+2:
			later = laterItem(s.lines, no, b.col, b.firstKey) // "  id: welcome" above "    type: consent"
		}
		if later == 0 {
			continue
		}
		dash := b.col
		if len(t.dashes) > 0 {
			dash = b.col - 2
		}
		fix := func(lines []string) { lines[b.first-1] = line[:dash] + "- " + strings.TrimLeft(line[dash:], " ") }
		noun := itemNoun(b.owner)
		return &finding{
			pos: Pos{b.first, column(line, b.col)},
			msg: fmt.Sprintf("this line starts the first %s, but has no \"- \"; write \"- \" before %s, like the other %ss (line %d)", noun, b.firstKey, noun, later),
			fix: fix,
		}
	}
	return nil
}

// laterItem returns the line of a "- key:" item in column col below line
// no, before the block ends, or 0.
func laterItem(lines []string, no, col int, key string) int {
	for i := no; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimLeft(l, " ")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		switch indent := len(l) - len(trimmed); {
		case indent < col:
			return 0
		case indent == col && strings.HasPrefix(trimmed, "- "+key+":"):
			return i + 1
		}
	}
	return 0
}

var (
	idLike     = regexp.MustCompile(`^[a-z_][a-z0-9_]*:`)
	noSpace    = regexp.MustCompile(`^([A-Za-z_][\w-]*):([^\s/:].*)$`)
	noColon    = regexp.MustCompile(`^([a-z_]+) +([^\s:=].*)$`)
	equalsSign = regexp.MustCompile(`^([a-z_]+) *= *(.*)$`)
)

// dashSpace finds a "- " item written without one of its spaces: "-id:
// staff" or "- id:staff" (when keys of the item follow below it).
func dashSpace(no int, text string, t token, lines []string) *finding {
	if t.keyAt >= 0 && len(t.key) > 1 && t.key[0] == '-' && t.key[1] != '-' && t.key[1] != ' ' {
		at := t.keyAt
		return &finding{
			pos: Pos{no, column(text, at)},
			msg: fmt.Sprintf("there is no space after the - that starts this list item; write - %s", strings.TrimSpace(text[at+1:])),
			fix: func(lines []string) { lines[no-1] = lines[no-1][:at+1] + " " + lines[no-1][at+1:] },
		}
	}
	if len(t.dashes) == 0 || t.keyAt >= 0 {
		return nil
	}
	m := noSpace.FindStringSubmatch(t.rest)
	if next, ok := nextLine(lines, no); m == nil || !ok || next <= t.dashes[len(t.dashes)-1] {
		return nil
	}
	colon := t.restAt + len(m[1])
	return &finding{
		pos: Pos{no, column(text, colon)},
		msg: fmt.Sprintf("there is no space after the colon in %q; write %s: %s", t.rest, m[1], m[2]),
		fix: func(lines []string) { lines[no-1] = lines[no-1][:colon+1] + " " + lines[no-1][colon+1:] },
	}
}

// strayText: a line with neither a key nor "- " where a key should be.
func (s *shapeScan) strayText(no int, text string, t token) *finding {
	at := t.restAt
	if m := noSpace.FindStringSubmatch(t.rest); m != nil {
		colon := at + len(m[1])
		return &finding{
			pos: Pos{no, column(text, colon)},
			msg: fmt.Sprintf("there is no space after the colon in %q; write %s: %s", t.rest, m[1], m[2]),
			fix: func(lines []string) { lines[no-1] = lines[no-1][:colon+1] + " " + lines[no-1][colon+1:] },
		}
	}
	if m := noColon.FindStringSubmatch(t.rest); m != nil && !strings.Contains(m[2], " ") {
		end := at + len(m[1])
		return &finding{
			pos: Pos{no, column(text, at)},
			msg: fmt.Sprintf("there is no colon after %q; write %s: %s", m[1], m[1], m[2]),
			fix: func(lines []string) { lines[no-1] = lines[no-1][:end] + ":" + lines[no-1][end:] },
		}
	}
	if m := equalsSign.FindStringSubmatch(t.rest); m != nil {
		eq := at + strings.IndexByte(t.rest, '=')
		return &finding{
			pos: Pos{no, column(text, eq)},
			msg: fmt.Sprintf("keys are followed by a colon, not =; write %s: %s", m[1], m[2]),
			fix: func(lines []string) { lines[no-1] = lines[no-1][:at] + m[1] + ": " + m[2] },
		}
	}
	if prev := s.lines[max(s.plainLine-1, 0)]; s.plainLine > 0 && s.plainKey != "" && strings.Contains(strings.TrimSpace(prev[s.plain+len(s.plainKey)+1:]), " ") {
		keyCol := s.plain
		return &finding{
			pos: Pos{no, column(text, at)},
			msg: fmt.Sprintf("this line is not \"key: value\"; if it goes on with the %s of line %d, indent it by more than %s (deeper than %s), or write the text after %s: |- on lines of its own",
				s.plainKey, s.plainLine, spaces(keyCol), s.plainKey, s.plainKey),
			fix: reindent(no, keyCol+2),
		}
	}
	return nil
}

// nextLine returns the indentation of the next line with content.
func nextLine(lines []string, no int) (int, bool) {
	for _, l := range lines[min(no, len(lines)):] {
		trimmed := strings.TrimLeft(l, " ")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		return len(l) - len(trimmed), true
	}
	return 0, false
}
