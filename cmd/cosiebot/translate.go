package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/translate"
	"github.com/cosie/cosiebot/bot/translate/po"
	"golang.org/x/text/language"
)

// cmdTranslate moves a flow's texts and the bot's words to a PO file for
// translators, and their translation back.
func cmdTranslate(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "export":
			return translateExport(ctx, e, args[1:])
		case "import":
			return translateImport(ctx, e, args[1:])
		}
	}
	return usageErr("usage: cosiebot translate export --lang xx [--pilot ID | FILE] -o FILE.po, or cosiebot translate import FILE.po")
}

func translateExport(_ context.Context, e *env, args []string) error {
	fset := newFlags(e, "translate export")
	lang := fset.String("lang", "", "the language to translate into, like ar")
	pilot := fset.String("pilot", "", "the pilot whose flow to export (instead of a FILE)")
	dir := fset.String("flows", "", "folder of flow files, for --pilot (default: $COSIE_FLOWS_DIR, else ./flows)")
	from := fset.String("from", "", "the language the flow's texts are shown in (default: the pilot's first)")
	withWords := fset.Bool("words", true, "also export the bot's own words")
	out := fset.String("o", "", "the PO file to write (default: the standard output)")
	if err := parse(fset, args); err != nil {
		return err
	}
	if _, err := language.ParseBase(*lang); err != nil || *lang == "" {
		return usageErr("say which language to translate into with --lang, like --lang ar")
	}
	if fset.NArg() > 1 || fset.NArg() == 1 && *pilot != "" {
		return usageErr("give one flow FILE or --pilot ID, not both")
	}
	file := fset.Arg(0)
	if *pilot != "" {
		var err error
		if file, err = findPilot(e, *dir, *pilot); err != nil {
			return err
		}
	}
	src, err := translateSource(e, file, *lang, "")
	if err != nil {
		return err
	}
	src.From, src.WithWords = *from, *withWords || file == ""
	pf, err := translate.Export(src)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if _, err := pf.WriteTo(&b); err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(b.Bytes())
		return err
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("translate export: %w", err)
	}
	fmt.Fprintf(e.stderr, "Wrote %s: %s.\nTranslate it (Poedit, Weblate, OmegaT or Lokalise open it), then run: cosiebot translate import %s\n", *out, summary(pf), *out)
	return nil
}

// summary counts the entries of an export and those not translated yet.
func summary(pf *po.File) string {
	open := 0
	for _, e := range pf.Entries {
		if strings.Join(e.Str, "") == "" {
			open++
		}
	}
	return fmt.Sprintf("%d texts, %d of them not translated yet", len(pf.Entries), open)
}

// findPilot finds the flow file of a pilot in a folder of flow files.
func findPilot(e *env, dir, pilot string) (string, error) {
	if dir == "" {
		dir = e.getenv("COSIE_FLOWS_DIR")
	}
	if dir == "" {
		dir = "flows"
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(names) == 0 {
		return "", fmt.Errorf("no flow files in %s; give the flow FILE, or the folder with --flows", dir)
	}
	for _, name := range names {
		if strings.HasSuffix(name, ".test.yaml") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", name, err)
		}
		if f, _ := flow.Load(name, data, flow.Options{}); f != nil && f.Pilot.ID == pilot {
			return name, nil
		}
	}
	return "", usageErr("there is no pilot %q in %s", pilot, dir)
}

// translateSource reads a flow file and the words of lang, for an export
// or an import. wordsFile "" is the pilot's words file next to the flow
// (or in COSIE_LOCALES_DIR when that is set).
func translateSource(e *env, file, lang, wordsFile string) (translate.Source, error) {
	dir := "flows"
	if file != "" {
		dir = filepath.Dir(file)
	}
	src := translate.Source{Lang: lang, FlowFile: file, WordsFile: wordsFile}
	words, err := loadWords(e, source{fsys: os.DirFS(dir), dir: dir})
	if err != nil {
		return src, err
	}
	src.Words = words
	if file != "" {
		if src.FlowData, err = os.ReadFile(file); err != nil {
			return src, fmt.Errorf("read flow: %w", err)
		}
	}
	if src.WordsFile == "" {
		wdir := filepath.Join(dir, localesFolder)
		if d := e.getenv("COSIE_LOCALES_DIR"); d != "" {
			wdir = d
		}
		src.WordsFile = filepath.Join(wdir, "active."+lang+".yaml")
	}
	src.WordsData, err = os.ReadFile(src.WordsFile)
	if errors.Is(err, fs.ErrNotExist) {
		src.WordsData, err = nil, nil
	}
	return src, err
}

func translateImport(_ context.Context, e *env, args []string) error {
	fset := newFlags(e, "translate import")
	flowFile := fset.String("flow", "", "the flow file to write (default: the one the PO file names)")
	wordsFile := fset.String("words-file", "", "the words file to write (default: the one the PO file names)")
	if err := parse(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		return usageErr("usage: cosiebot translate import FILE.po")
	}
	name := fset.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("translate import: %w", err)
	}
	pf, err := po.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	lang := pf.Get("Language")
	if lang == "" {
		return fmt.Errorf("%s has no Language in its header; was it made by cosiebot translate export?", name)
	}
	ff, wf := cmp.Or(*flowFile, pf.Get("X-Cosie-Flow")), cmp.Or(*wordsFile, pf.Get("X-Cosie-Words"))
	src, err := translateSource(e, ff, lang, wf)
	if err != nil {
		return err
	}
	if wf == "" {
		src.WordsFile, src.WordsData = "", nil // the export left the words out
	}
	res, err := translate.Import(pf, name, src)
	if err != nil {
		return err
	}
	return writeImport(e, src, res)
}

// writeImport writes what an import changed and says what it did.
func writeImport(e *env, src translate.Source, res *translate.Result) error {
	if res.Flow != nil {
		if err := os.WriteFile(src.FlowFile, res.Flow, 0o644); err != nil {
			return fmt.Errorf("translate import: %w", err)
		}
		fmt.Fprintf(e.stderr, "%s: %d texts changed\n", src.FlowFile, res.FlowTexts)
	}
	if res.Words != nil {
		if err := os.MkdirAll(filepath.Dir(src.WordsFile), 0o755); err != nil {
			return fmt.Errorf("translate import: %w", err)
		}
		if err := os.WriteFile(src.WordsFile, res.Words, 0o644); err != nil {
			return fmt.Errorf("translate import: %w", err)
		}
		fmt.Fprintf(e.stderr, "%s: %d of the bot's words changed\n", src.WordsFile, res.WordTexts)
	}
	if res.Flow == nil && res.Words == nil {
		fmt.Fprintln(e.stderr, "Nothing changed.")
	}
	for _, n := range res.Notes {
		fmt.Fprintln(e.stderr, n)
	}
	if res.Flow != nil {
		fmt.Fprintf(e.stderr, "Try it in cosiebot chat with --lang %s, and run cosiebot test\n", src.Lang)
	}
	return nil
}
