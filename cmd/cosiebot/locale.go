package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/text/language"
)

// cmdLocale writes a file for the bot's own words in a new language, for a
// pilot team to translate.
func cmdLocale(_ context.Context, e *env, args []string) error {
	fset := newFlags(e, "locale")
	dir := fset.String("dir", "", "folder to write to (default: the locales folder next to the flows: $COSIE_FLOWS_DIR/locales, else flows/locales)")
	if err := parse(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 2 || fset.Arg(0) != "new" {
		return usageErr("usage: cosiebot locale new LANG [--dir DIR], like: cosiebot locale new pt --dir flows/locales")
	}
	lang := fset.Arg(1)
	tag, err := language.Parse(lang)
	if err != nil {
		return usageErr("%q is not a language code; use a code like pt, ar or so (ISO 639)", lang)
	}
	if tag.String() != lang {
		return usageErr("write the language as %q, not %q", tag.String(), lang)
	}
	words, err := baseWords(e)
	if err != nil {
		return err
	}
	target := filepath.Join(newLanguageDir(*dir, e), "active."+lang+".yaml")
	if slices.Contains(words.Languages(), lang) {
		return fmt.Errorf("the bot already speaks %s (%s): its words are built in. To reword some of them for your pilot, write just those messages in %s", lang, words.Name(lang), target)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("locale new: %w", err)
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; I will not overwrite it. Translate it, or move it away first", target)
	}
	if err != nil {
		return fmt.Errorf("locale new: %w", err)
	}
	err = words.Template(f, lang)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(target)
		return fmt.Errorf("locale new: write %s: %w", target, err)
	}
	fmt.Fprintf(e.stderr, "Wrote %s with the English words of %d messages.\nTranslate each text in quotes, then run: cosiebot check\n", target, len(words.IDs()))
	return nil
}

// newLanguageDir is the folder a new language file goes to: --dir, else the locales
// folder next to the flows.
func newLanguageDir(dir string, e *env) string {
	if dir != "" {
		return dir
	}
	return wordsDir(flowSource("", e))
}
