package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot/deeplink"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/poster"
	"github.com/cosie/cosiebot/bot/telegram"
	"github.com/cosie/cosiebot/locales"
)

// qrOptions are the flags of `cosiebot qr`.
type qrOptions struct {
	start  deeplink.Start
	lang   string
	out    string
	bot    string
	format string
	paper  poster.Paper
	flows  string
}

func cmdQR(ctx context.Context, e *env, args []string) error {
	o, err := parseQR(e, args)
	if err != nil {
		return err
	}
	src := flowSource(o.flows, e)
	words, err := loadWords(e, src)
	if err != nil {
		return err
	}
	set, err := loadFlows(src, words, e.stderr)
	if err != nil {
		return err
	}
	f := set.Get(o.start.Pilot)
	if f == nil {
		var ids []string
		for _, f := range set.List() {
			ids = append(ids, f.Pilot.ID)
		}
		return usageErr("there is no pilot %q in %s; the pilots are %s", o.start.Pilot, src.name(), strings.Join(ids, ", "))
	}
	langs := f.Pilot.Languages
	if o.lang != "" {
		if !slices.Contains(langs, o.lang) {
			return usageErr("pilot %s has no language %q; its languages are %s", f.Pilot.ID, o.lang, strings.Join(langs, ", "))
		}
		langs = []string{o.lang}
	}
	username, err := botUsername(ctx, e, o.bot)
	if err != nil {
		return err
	}
	link := deeplink.Link(username, o.start)
	fonts, err := poster.LoadFonts()
	if err != nil {
		return err
	}
	w := &fileWriter{dir: o.out, stdout: e.stdout}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("make the output folder: %w", err)
	}
	base := o.start.Pilot
	if o.start.Source != "" {
		base += "-" + o.start.Source
	}
	if err := writeQR(w, base, link); err != nil {
		return err
	}
	for _, lang := range langs {
		c := posterContent(f, words, lang, link)
		p, err := fonts.Layout(c, o.paper)
		if err != nil {
			return fmt.Errorf("%s poster in %s: %w", f.Pilot.ID, lang, err)
		}
		name := fmt.Sprintf("%s-%s-%s.%s", base, lang, strings.ToLower(o.paper.Name), o.format)
		write := p.WritePDF
		if o.format == "svg" {
			write = p.WriteSVG
		}
		if err := w.write(name, write); err != nil {
			return err
		}
	}
	return nil
}

func parseQR(e *env, args []string) (*qrOptions, error) {
	fs := newFlags(e, "qr")
	o := &qrOptions{}
	fs.StringVar(&o.start.Pilot, "pilot", "", "pilot id, such as turku")
	fs.StringVar(&o.start.Source, "source", "", "where the posters go up, such as library or jobcentre-desk: 1 to 16 of a-z, 0-9, _ and -")
	fs.StringVar(&o.lang, "lang", "", "one language (default: each of the pilot's languages)")
	fs.StringVar(&o.out, "out", ".", "folder for the files; made if missing")
	fs.StringVar(&o.bot, "bot", "", "the bot's username, such as cosie_bot (default: asked from Telegram with $TELEGRAM_BOT_TOKEN)")
	fs.StringVar(&o.format, "format", "pdf", "poster format: pdf or svg")
	size := fs.String("size", "a4", "paper: a4 or a5")
	fs.StringVar(&o.flows, "flows", "", "folder of flow files (default: $COSIE_FLOWS_DIR, else the shipped flows)")
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageErr("qr takes no file names, only flags; see cosiebot qr -h")
	}
	if o.start.Pilot == "" {
		return nil, usageErr("choose a pilot with --pilot, like: cosiebot qr --pilot turku --bot cosie_bot")
	}
	if _, err := o.start.Encode(); err != nil {
		return nil, usageErr("%v", err)
	}
	if o.format != "pdf" && o.format != "svg" {
		return nil, usageErr("--format %q: use pdf or svg", o.format)
	}
	paper, err := poster.PaperNamed(*size)
	if err != nil {
		return nil, usageErr("--size: %v", err)
	}
	o.paper = paper
	return o, nil
}

// botUsername is --bot, else the username Telegram gives for the token.
// The token never appears in an error.
func botUsername(ctx context.Context, e *env, flagged string) (string, error) {
	if flagged != "" {
		name := strings.TrimPrefix(flagged, "@")
		if err := deeplink.CheckUsername(name); err != nil {
			return "", usageErr("--bot: %v", err)
		}
		return name, nil
	}
	token, err := secret(e.getenv("TELEGRAM_BOT_TOKEN"), e.getenv("TELEGRAM_BOT_TOKEN_FILE"), "TELEGRAM_BOT_TOKEN")
	if err != nil {
		return "", err
	}
	if token == "" {
		return "", usageErr("the link needs the bot's username: give it with --bot (like --bot cosie_bot), or set TELEGRAM_BOT_TOKEN so that cosiebot can ask Telegram")
	}
	c, err := telegram.Connect(ctx, telegram.Config{Token: token, APIURL: e.getenv("TELEGRAM_API_URL")})
	if err != nil {
		return "", fmt.Errorf("ask Telegram for the bot's username (or give it with --bot): %w", err)
	}
	if err := deeplink.CheckUsername(c.Username); err != nil {
		return "", fmt.Errorf("telegram gave an unexpected username: %w", err)
	}
	return c.Username, nil
}

// posterContent is a pilot's poster text in lang: its own invitation if it
// has one in lang, else the bot's.
func posterContent(f *flow.Flow, words *locales.Catalog, lang, link string) poster.Content {
	invite := words.Say(lang, "poster.invite", nil)
	if f.Pilot.Invite.Has(lang) {
		invite = f.Pilot.Invite.Render(lang, nil)
	}
	return poster.Content{
		Lang:    lang,
		Name:    f.Pilot.Name.Render(lang, nil),
		Invite:  invite,
		Link:    link,
		Privacy: words.Say(lang, "poster.privacy", nil),
	}
}

// writeQR writes the code alone, for leaflets, slides and screens. It is
// the same in every language.
func writeQR(w *fileWriter, base, link string) error {
	q, err := poster.NewQR(link)
	if err != nil {
		return err
	}
	if err := w.write(base+"-qr.png", func(out io.Writer) error { return q.PNG(out, 20) }); err != nil {
		return err
	}
	return w.write(base+"-qr.svg", func(out io.Writer) error { return q.SVG(out, 60) })
}

// fileWriter writes files into dir and lists them on stdout.
type fileWriter struct {
	dir    string
	stdout io.Writer
}

func (w *fileWriter) write(name string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	path := filepath.Join(w.dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the poster files: %w", err)
	}
	fmt.Fprintln(w.stdout, path)
	return nil
}
