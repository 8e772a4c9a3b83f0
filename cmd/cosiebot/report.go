package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cosie/cosiebot/bot"
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
	format := fs.String("format", "csv", "csv (opens in spreadsheets) or jsonl")
	out := fs.String("o", "", "write to this file instead of standard output")
	dir := fs.String("flows", "", "folder of flow files (default: $COSIE_FLOWS_DIR, else the shipped flows)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "csv" && *format != "jsonl" {
		return usageErr("--format %q: use csv or jsonl", *format)
	}
	key, err := exportKey(e)
	if err != nil {
		return err
	}
	f, _, store, closeFn, err := reportSetup(e, *pilot, *dir)
	if err != nil {
		return err
	}
	defer closeFn()
	w := bufio.NewWriter(e.stdout)
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer file.Close()
		w = bufio.NewWriter(file)
	}
	n, err := bot.Export(ctx, store, f, key, w, *format)
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(e.stderr, "%s exported\n", plural(n, "dialogue"))
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
