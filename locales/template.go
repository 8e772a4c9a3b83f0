package locales

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/language/display"
)

// names returns lang's name in English and in itself, as CLDR writes them;
// either is "" when CLDR does not know it.
func names(lang string) (english, self string) {
	tag, ok := cldrTag(lang)
	if !ok {
		return "", ""
	}
	return display.English.Languages().Name(tag), display.Self.Name(tag)
}

// Template writes a new active.<lang>.yaml for translators: every English
// message in the English file's order, with what it is, its placeholders,
// the plural forms lang uses, and the English text to overwrite. The file
// is marked "reviewed: no".
func (c *Catalog) Template(out io.Writer, lang string) error {
	if _, ok := cldrTag(lang); !ok {
		return fmt.Errorf("%q is not a language code; use a code like pt or ar", lang)
	}
	w := bufio.NewWriter(out)
	forms := PluralForms(lang)
	c.templateHeader(w, lang, forms)
	src := c.words[Source]
	for _, id := range src.files[0].ids {
		en := src.from[id].msgs[id]
		fmt.Fprintln(w)
		for _, line := range wrap(c.about[id], 76) {
			fmt.Fprintf(w, "# %s\n", line)
		}
		if id == "language.name" {
			if _, self := names(lang); self != "" {
				fmt.Fprintf(w, "# CLDR writes it %q.\n", self)
			}
		}
		if fields := fieldsOf(en); len(fields) > 0 {
			fmt.Fprintf(w, "# Placeholders: %s\n", placeholders(fields))
		}
		if !isPlural(en) {
			fmt.Fprintf(w, "%s: %s\n", id, strconv.Quote(en.Other))
			continue
		}
		fmt.Fprintf(w, "%s:\n", id)
		for _, f := range forms {
			text := en.Other
			if f.Name == "one" && en.One != "" {
				text = en.One
			}
			fmt.Fprintf(w, "  %s: %s # for %s\n", f.Name, strconv.Quote(text), examples(f))
		}
	}
	return w.Flush()
}

func (c *Catalog) templateHeader(w io.Writer, lang string, forms []Form) {
	name, _ := names(lang)
	if name == "" {
		name = lang
	}
	p := func(format string, args ...any) {
		fmt.Fprintln(w, strings.TrimSpace("# "+fmt.Sprintf(format, args...)))
	}
	p("The bot's own words in %s (%s): help, re-asks, buttons, the consent footer,", name, lang)
	p("the language menu, errors, and the coordinators' digests.")
	p("reviewed: no")
	p("Register: ...")
	p("")
	p("This file starts as a copy of the English words. To translate it:")
	p("1. Replace each English text in quotes with your translation. Keep the id")
	p("   before the colon, and keep the quotes.")
	p("2. Keep placeholders like {{.Count}} as they are: the bot puts a number or a")
	p("   name there. You may move them to where they fit in your sentence.")
	p("3. Keep /commands like /start in English: they are Telegram commands.")
	p("4. Keep the emoji, and keep buttons short (at most 40 characters).")
	p("5. Write short, plain, friendly sentences: many readers have low literacy.")
	p("   Address citizens as public services in %s usually do, formally or", name)
	p("   informally, and say which on the Register line above.")
	if RTL(lang) {
		p("   %s is written right to left: write as usual. The bot keeps numbers,", name)
		p("   names and /commands in place by itself.")
	}
	if len(forms) == 1 {
		p("6. CLDR has no plural rules for %s, so each message that counts things", name)
		p("   has one text, other, for every number. Write it so that it reads well")
		p("   with any number, like \"Answers: 3\".")
	} else {
		p("6. Messages that count things have one text per plural form. For whole")
		p("   numbers %s uses these forms (CLDR):", name)
		width := 0
		for _, f := range forms {
			width = max(width, len(f.Name))
		}
		for _, f := range forms {
			p("     %-*s  %s", width+1, f.Name+":", examples(f))
		}
	}
	p("7. When a native speaker has checked every message, change \"reviewed: no\"")
	p("   above to \"reviewed: yes\".")
	p("Then run: cosiebot check")
}

// wrap breaks text into lines of at most width characters.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(word) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
