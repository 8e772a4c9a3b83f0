package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/flows"
)

func cmdCheck(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "check")
	if err := parse(fs, args); err != nil {
		return err
	}
	words, err := loadWords(e)
	if err != nil {
		return err
	}
	opts := flow.Options{Languages: words.Languages()}
	var diags flow.Diagnostics
	files := 0
	paths := fs.Args()
	if len(paths) == 0 {
		src := flowSource("", e)
		fl, ds, err := flows.Load(src.fsys, src.dir, opts)
		if err != nil {
			return err
		}
		files, diags = len(fl), ds
	}
	for _, p := range paths {
		list, err := readFlowPaths(p)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return fmt.Errorf("no flow files (*.yaml) in %s", p)
		}
		files += len(list)
		_, ds := flows.LoadFiles("", list, opts)
		diags = append(diags, ds...)
	}
	diags.Sort()
	fmt.Fprint(e.stdout, diags.String())
	errs := len(diags.Errors())
	warns := len(diags) - errs
	fmt.Fprintf(e.stderr, "%s checked: %s, %s\n", plural(files, "flow file"), plural(errs, "error"), plural(warns, "warning"))
	switch {
	case errs > 0:
		return &exitErr{code: 1}
	case warns > 0:
		return &exitErr{code: 3}
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// readFlowPaths reads a flow file, or every flow file in a folder. File
// names keep the path given, so messages point at the right file.
func readFlowPaths(p string) ([]flows.File, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if !st.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		return []flows.File{{Name: p, Data: data}}, nil
	}
	list, err := flows.ReadDir(os.DirFS(p))
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Name = filepath.Join(p, list[i].Name)
	}
	return list, nil
}
