package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/locales"
)

// localesFolder is where a pilot team keeps the bot's words in its own
// languages: a folder next to its flow files.
const localesFolder = "locales"

// baseWords returns the bot's built-in words, or those in COSIE_LOCALES_DIR,
// which must be complete in every language.
func baseWords(e *env) (*locales.Catalog, error) {
	dir := e.getenv("COSIE_LOCALES_DIR")
	if dir == "" {
		return locales.Default()
	}
	c, err := locales.Load(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("COSIE_LOCALES_DIR %s: %w", dir, err)
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("COSIE_LOCALES_DIR %s is incomplete:\n%w", dir, err)
	}
	return c, nil
}

// loadWords returns the bot's words for the flows of src: the base words
// with the pilot team's own files (src/locales/active.<lang>.yaml) on top.
// Their warnings go to stderr; an error in them stops the command, as an
// error in a flow does.
func loadWords(e *env, src source) (*locales.Catalog, error) {
	base, err := baseWords(e)
	if err != nil {
		return nil, err
	}
	return withPilotWords(e, base, src)
}

// withPilotWords puts src's own words on top of base, as loadWords does.
func withPilotWords(e *env, base *locales.Catalog, src source) (*locales.Catalog, error) {
	words, diags := pilotWords(base, src)
	fmt.Fprint(e.stderr, diags.String())
	if diags.HasErrors() {
		return nil, fmt.Errorf("the bot's words in %s have errors; fix them (cosiebot check %s lists every problem)", wordsDir(src), displayDir(src))
	}
	return words, nil
}

// pilotWords loads src's locales folder on top of base, and reports its
// problems as diagnostics. When a file does not load, base is returned.
func pilotWords(base *locales.Catalog, src source) (*locales.Catalog, flow.Diagnostics) {
	sub, err := fs.Sub(src.fsys, localesFolder)
	if err != nil {
		return base, flow.Diagnostics{{File: wordsDir(src), Pos: flow.Pos{Line: 1, Col: 1}, Severity: flow.Error, Message: err.Error()}}
	}
	words, err := base.With(sub, wordsDir(src))
	if err != nil {
		return base, diagnostics(err)
	}
	var diags flow.Diagnostics
	for _, p := range words.Problems() {
		diags = append(diags, diagnostic(p))
	}
	diags.Sort()
	return words, diags
}

// wordsDir is src's locales folder as shown in messages.
func wordsDir(src source) string {
	if src.dir == "" {
		return filepath.Join("flows", localesFolder)
	}
	return filepath.Join(src.dir, localesFolder)
}

// diagnostics turns a loading error into diagnostics: each problem with its
// file and line.
func diagnostics(err error) flow.Diagnostics {
	var diags flow.Diagnostics
	for _, e := range flatten(err) {
		var p *locales.Problem
		if errors.As(e, &p) {
			diags = append(diags, diagnostic(p))
			continue
		}
		diags = append(diags, flow.Diagnostic{File: "locales", Pos: flow.Pos{Line: 1, Col: 1}, Severity: flow.Error, Message: e.Error()})
	}
	diags.Sort()
	return diags
}

// flatten lists the errors joined (at any depth) in err.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}

func diagnostic(p *locales.Problem) flow.Diagnostic {
	sev := flow.Error
	if p.Warning {
		sev = flow.Warning
	}
	return flow.Diagnostic{File: p.File, Pos: flow.Pos{Line: max(p.Line, 1), Col: 1}, Severity: sev, Message: p.Message}
}

// reportWords lists, for each language of the checked pilots, how many of
// the bot's own words it has, whether a native speaker has reviewed them,
// and which of the pilot team's files they come from (base: the built-in
// words).
func reportWords(w io.Writer, base, words *locales.Catalog, langs []string) {
	if len(langs) == 0 {
		return
	}
	fmt.Fprintln(w, "The bot's own words in the pilots' languages:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	total := len(words.IDs())
	for _, lang := range langs {
		if !slices.Contains(words.Languages(), lang) {
			continue
		}
		own := slices.DeleteFunc(words.Files(lang), func(f string) bool { return slices.Contains(base.Files(lang), f) })
		from := "built in"
		switch {
		case len(own) > 0 && slices.Contains(base.Languages(), lang):
			from = "built in, reworded in " + strings.Join(own, ", ")
		case len(own) > 0:
			from = strings.Join(own, ", ")
		}
		reviewed := "not reviewed by a native speaker"
		if words.Reviewed(lang) {
			reviewed = "reviewed by a native speaker"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d of %d messages\t%s\t%s\n", lang, words.Name(lang), total-len(words.Missing(lang)), total, reviewed, from)
	}
	tw.Flush()
}
