package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/datapackage"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/locales"
)

// reportSetup loads the flows and connects to the Redis that holds the
// answers, for the digest and export commands.
func reportSetup(e *env, pilot, dir string) (*flow.Flow, *locales.Catalog, *redisstore.Store, func(), error) {
	if pilot == "" {
		return nil, nil, nil, nil, usageErr("choose a pilot with --pilot")
	}
	url := e.getenv("REDIS_URL")
	if url == "" {
		return nil, nil, nil, nil, errors.New("REDIS_URL is not set: digests and exports read the answers the bot stored in Redis")
	}
	src := flowSource(dir, e)
	words, err := loadWords(e, src)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	set, err := loadFlows(src, words, e.stderr)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	f := set.Get(pilot)
	if f == nil {
		return nil, nil, nil, nil, usageErr("there is no pilot %q", pilot)
	}
	rdb, err := redisstore.Open(url)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return f, words, redisstore.New(rdb, redisstore.Options{Namespace: e.getenv("COSIE_REDIS_PREFIX")}), func() { rdb.Close() }, nil
}

func cmdDigest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "digest")
	pilot := fs.String("pilot", "", "pilot id")
	since := fs.String("since", "7d", "how far back, like 7d or 30d")
	lang := fs.String("lang", "", "language of the digest (default: the pilot's first)")
	dir := fs.String("flows", "", "folder of flow files (default: $COSIE_FLOWS_DIR, else the shipped flows)")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := flow.ParseDuration(*since)
	if err != nil || d < 24*time.Hour {
		return usageErr("--since %q: give whole days, like 7d", *since)
	}
	// Without the key the digest shows texts without references.
	key, _ := exportKey(e)
	f, words, store, closeFn, err := reportSetup(e, *pilot, *dir)
	if err != nil {
		return err
	}
	defer closeFn()
	from, to := bot.LastDays(f, time.Now(), int(d/(24*time.Hour)))
	text, err := bot.Digest(ctx, store, f, words, bot.DigestOptions{From: from, To: to, Lang: cmp.Or(*lang, f.DefaultLanguage()), Key: key})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, text)
	return nil
}

func cmdExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export")
	pilot := fs.String("pilot", "", "pilot id")
	format := fs.String("format", "csv", "csv (opens in spreadsheets), jsonl, or datapackage (a folder for researchers: -o DIR)")
	out := fs.String("o", "", "write to this file (a folder for datapackage) instead of standard output")
	dir := fs.String("flows", "", "folder of flow files (default: $COSIE_FLOWS_DIR, else the shipped flows)")
	ideas := fs.Bool("ideas", false, "export the pilot's ideas (text, status, votes; csv) instead of the answers")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *format != "csv" && *format != "jsonl" && *format != "datapackage":
		return usageErr("--format %q: use csv, jsonl or datapackage", *format)
	case *format == "datapackage" && *out == "":
		return usageErr("--format datapackage writes a folder: name it with -o, like -o turku-data")
	case *ideas && *format != "csv":
		return usageErr("--ideas exports a CSV: leave out --format, or use --format csv")
	}
	var key []byte
	if !*ideas { // the ideas export names no one
		k, err := exportKey(e)
		if err != nil {
			return err
		}
		key = k
	}
	f, words, store, closeFn, err := reportSetup(e, *pilot, *dir)
	if err != nil {
		return err
	}
	defer closeFn()
	if *format == "datapackage" {
		return exportPackage(ctx, e, store, f, words, key, *out)
	}
	w := bufio.NewWriter(e.stdout)
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer file.Close()
		w = bufio.NewWriter(file)
	}
	what, export := "dialogue", func() (int, error) { return bot.Export(ctx, store, f, key, w, *format) }
	if *ideas {
		what, export = "idea", func() (int, error) { return bot.ExportIdeas(ctx, store, f, w) }
	}
	n, err := export()
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(e.stderr, "%s exported\n", plural(n, what))
	return nil
}

// exportKey is the pseudonym key serve uses: exports name participants by
// a keyed hash per pilot (bot.PilotPseudonym).
func exportKey(e *env) ([]byte, error) {
	key, err := secret(e.getenv("COSIE_PSEUDONYM_KEY"), e.getenv("COSIE_PSEUDONYM_KEY_FILE"), "COSIE_PSEUDONYM_KEY")
	if err != nil {
		return nil, err
	}
	if len(key) < 16 {
		return nil, errors.New("COSIE_PSEUDONYM_KEY is not set (or too short): exports name participants with the same key the bot uses; set it as for serve")
	}
	return []byte(key), nil
}

// exportPackage writes a pilot's data package for researchers, checks it
// against its own schemas and lists its files.
func exportPackage(ctx context.Context, e *env, store *redisstore.Store, f *flow.Flow, words *locales.Catalog, key []byte, dir string) error {
	ds, err := bot.BuildDataset(ctx, store, f, bot.DatasetOptions{Key: key, Words: words, Now: time.Now()})
	if err != nil {
		return err
	}
	files, err := datapackage.Write(dir, ds)
	if err != nil {
		return err
	}
	if err := datapackage.Check(dir); err != nil {
		return fmt.Errorf("the data package does not match its own schema (please report this): %w", err)
	}
	for _, name := range files {
		fmt.Fprintln(e.stdout, filepath.Join(dir, name))
	}
	fmt.Fprintf(e.stderr, "%s exported\n", plural(len(ds.Tables[0].Rows), "dialogue"))
	for _, n := range ds.Notes {
		fmt.Fprintln(e.stderr, n)
	}
	return nil
}
