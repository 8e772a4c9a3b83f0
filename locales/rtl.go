package locales

import (
	"fmt"
	"regexp"

	"golang.org/x/text/language"
)

// rtlScripts are the ISO 15924 codes of the scripts of living languages that
// are written right to left.
var rtlScripts = map[string]bool{
	"Adlm": true, "Arab": true, "Aran": true, "Hebr": true, "Mand": true, "Mend": true,
	"Nkoo": true, "Rohg": true, "Samr": true, "Syrc": true, "Thaa": true, "Yezi": true,
}

// RTL reports whether lang is written right to left, from the script CLDR
// says it is written in: ar, fa, prs, ur, ps, ckb, he are; ku (Latin) is not.
func RTL(lang string) bool {
	tag, ok := cldrTag(lang)
	if !ok {
		return false
	}
	script, conf := tag.Script()
	return conf != language.No && rtlScripts[script.String()]
}

// RTL reports whether lang is written right to left, as the package's RTL
// does; with it a Catalog is the flow.Scripts that flow texts need.
func (c *Catalog) RTL(lang string) bool { return RTL(lang) }

// Unicode's first strong isolate and pop directional isolate: the text
// between them is laid out on its own, in its own direction, and the text
// around it treats it as one neutral character.
const (
	fsi = "\u2068"
	pdi = "\u2069"
)

// Isolate wraps s in directional isolates when lang is written right to
// left, so that a number, a Latin name or a link inserted into the text
// stays in place and in order; otherwise it returns s as it is.
func Isolate(lang, s string) string {
	if s == "" || !RTL(lang) {
		return s
	}
	return isolate(s)
}

func isolate(s string) string { return fsi + s + pdi }

// isolateValue isolates a value inserted into a template. Other kinds of
// value are left as they are, as is "" so that {{if .Name}} still works.
func isolateValue(v any) any {
	switch v := v.(type) {
	case string:
		if v == "" {
			return v
		}
		return isolate(v)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return isolate(fmt.Sprint(v))
	case fmt.Stringer:
		return isolate(v.String())
	}
	return v
}

// commandRE finds Telegram commands: a slash at the start of a word.
var commandRE = regexp.MustCompile(`(^|[\s(«"“])(/[a-z][a-z0-9_]*)`)

// isolateCommands isolates the /commands in a right-to-left text; without
// it, "/start" in an Arabic sentence shows as "start/".
func isolateCommands(s string) string {
	return commandRE.ReplaceAllString(s, "${1}"+fsi+"${2}"+pdi)
}
