package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

// source is a folder of flow files: the shipped ones built into the binary,
// or a folder on disk (--flows or COSIE_FLOWS_DIR).
type source struct {
	fsys fs.FS
	dir  string // for messages; "" for the shipped set
}

func flowSource(dirFlag string, e *env) source {
	dir := dirFlag
	if dir == "" {
		dir = e.getenv("COSIE_FLOWS_DIR")
	}
	if dir == "" {
		return source{fsys: flows.Shipped()}
	}
	return source{fsys: os.DirFS(dir), dir: dir}
}

func (s source) name() string {
	if s.dir == "" {
		return "the shipped flows"
	}
	return s.dir
}

// loadFlows loads and checks a source; any error in any file stops loading
// and prints every problem.
func loadFlows(src source, words *locales.Catalog, stderr io.Writer) (*bot.Flows, error) {
	fl, diags, err := flows.Load(src.fsys, src.dir, flowOptions(words))
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		fmt.Fprint(stderr, diags.Errors().String())
		return nil, fmt.Errorf("the flows in %s have errors; fix them (cosiebot check %s lists every problem)", src.name(), displayDir(src))
	}
	return bot.NewFlows(fl...), nil
}

func displayDir(src source) string {
	if src.dir == "" {
		return "flows/"
	}
	return filepath.Clean(src.dir)
}

// flowOptions are the options every command loads flows with: the
// languages the bot has words for, and which of them are written right to
// left.
func flowOptions(words *locales.Catalog) flow.Options {
	return flow.Options{Languages: words.Languages(), Scripts: words}
}
