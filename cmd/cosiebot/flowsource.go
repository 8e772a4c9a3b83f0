package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/safeguard"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

// source is a folder of flow files: the shipped ones built into the binary,
// or a folder on disk (--flows or COSIE_FLOWS_DIR).
type source struct {
	fsys fs.FS
	dir  string // for messages; "" for the shipped set
	// coordinators are those the operator sets next to the flows
	// (COSIE_COORDINATORS): the check of promised alerts counts them.
	coordinators map[string][]int64
}

func flowSource(dirFlag string, e *env) source {
	dir := dirFlag
	if dir == "" {
		dir = e.getenv("COSIE_FLOWS_DIR")
	}
	// A malformed value is serve's to report; here it only counts less.
	coordinators, _ := parseCoordinators(e.getenv("COSIE_COORDINATORS"))
	if dir == "" {
		return source{fsys: flows.Shipped(), coordinators: coordinators}
	}
	return source{fsys: os.DirFS(dir), dir: dir, coordinators: coordinators}
}

// options are how the source's flows are loaded: with the bot's languages,
// safeguarding phrases read by the lexicon, and, when the operator sets
// coordinators, those.
func (s source) options(words *locales.Catalog) flow.Options {
	o := flow.Options{Languages: words.Languages(), Scripts: words, CheckPhrase: safeguard.CheckPattern}
	if len(s.coordinators) > 0 {
		o.Coordinators = s.coordinators
	}
	return o
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
	fl, diags, err := flows.Load(src.fsys, src.dir, src.options(words))
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
