package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cosie/cosiebot/bot/flow"
)

func cmdGraph(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "graph")
	lang := fs.String("lang", "", "language of the texts (default: the pilot's first)")
	plain := fs.Bool("plain", false, "print bare Mermaid, without the ```mermaid fence")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("graph needs one flow file, like: cosiebot graph flows/turku.yaml")
	}
	dir := filepath.Dir(fs.Arg(0))
	src := source{fsys: os.DirFS(dir), dir: dir, coordinators: flowSource("", e).coordinators}
	words, err := loadWords(e, src)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("read flow: %w", err)
	}
	f, diags := flow.Load(fs.Arg(0), data, src.options(words))
	if f == nil {
		fmt.Fprint(e.stderr, diags.Errors().String())
		return fmt.Errorf("%s has errors; fix them first", fs.Arg(0))
	}
	if *plain {
		fmt.Fprint(e.stdout, flow.Mermaid(f, *lang))
		return nil
	}
	fmt.Fprintf(e.stdout, "```mermaid\n%s```\n", flow.Mermaid(f, *lang))
	return nil
}
