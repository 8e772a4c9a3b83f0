package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// env is what a command needs from the process: arguments aside.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands; a function, not a variable, because the
// commands themselves look their usage up here.
func commands() []command {
	return []command{
		{"serve", "run the bot on Telegram", "serve [flags]", cmdServe},
		{"chat", "chat with a pilot's flow in this terminal", "chat --pilot ID [--lang xx] [--flows DIR]", cmdChat},
		{"check", "check flow files and report problems as file:line:col", "check [FILE|DIR ...]", cmdCheck},
		{"test", "run the scenario tests next to flow files", "test [FILE|DIR ...]", cmdTest},
		{"graph", "draw a flow as a Mermaid flowchart", "graph [--lang xx] FILE", cmdGraph},
		{"locale", "write a file to translate the bot's own words into a new language", "locale new LANG [--dir DIR]", cmdLocale},
		{"translate", "export a flow's texts and the bot's words for translators (PO), and import them back", "translate export --lang xx [--pilot ID | FILE] [-o FILE.po] | translate import FILE.po", cmdTranslate},
		{"digest", "print a pilot's digest", "digest --pilot ID [--since 7d] [--lang xx]", cmdDigest},
		{"export", "write a pilot's answers as CSV or JSON lines", "export --pilot ID [--format csv|jsonl] [-o FILE]", cmdExport},
		{"studio", "open the studio in a browser: edit, try, translate and test flows, and see results", "studio [--addr 127.0.0.1:8090] [--flows DIR] [--bot USERNAME]", cmdStudio},
		{"qr", "make QR codes and printable posters of a pilot's Telegram link", "qr --pilot ID [--source NAME] [--lang xx] [--out DIR] [--bot USERNAME] [--format pdf|svg] [--size a4|a5]", cmdQR},
		{"health", "check a running bot on this machine (for container health checks)", "health", cmdHealth},
		{"deadletters", "list, show, replay or drop updates that failed too often", "deadletters list | show ID | replay ID | replay --all | drop ID | drop --all", cmdDeadLetters},
	}
}

// exitErr carries an exit code: 1 for errors, 2 for bad usage, 3 for
// warnings only (check).
type exitErr struct {
	code int
	msg  string
}

func (e *exitErr) Error() string { return e.msg }

func exitCode(err error) int {
	var e *exitErr
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}

func usageErr(format string, args ...any) error {
	return &exitErr{code: 2, msg: fmt.Sprintf(format, args...)}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		help(stderr)
		return usageErr("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help":
		if len(args) > 1 {
			if c := find(args[1]); c != nil {
				return c.run(ctx, e, []string{"-h"})
			}
		}
		help(stdout)
		return nil
	}
	c := find(name)
	if c == nil {
		help(stderr)
		return usageErr("unknown command %q", name)
	}
	err := c.run(ctx, e, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func find(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return &c
		}
	}
	return nil
}

func help(w io.Writer) {
	fmt.Fprintln(w, "cosiebot: a multilingual Telegram bot that asks citizens for feedback, one flow per pilot.")
	fmt.Fprintln(w, "\nUsage: cosiebot COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'cosiebot COMMAND -h' for a command's flags. Settings also come from the")
	fmt.Fprintln(w, "environment (TELEGRAM_BOT_TOKEN, REDIS_URL, COSIE_FLOWS_DIR, ...); see docs/operations.md.")
}

// newFlags makes a flag set that prints its usage in our style.
func newFlags(e *env, name string) *flag.FlagSet {
	c := find(name)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: cosiebot %s\n\n%s.\n", c.usage, strings.ToUpper(c.summary[:1])+c.summary[1:])
		var has bool
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintln(e.stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses flags; -h prints usage and stops without an error.
// Flags may come before or after file names ("graph FILE --lang fi").
func parse(fs *flag.FlagSet, args []string) error {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageErr("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, rest...))
}
