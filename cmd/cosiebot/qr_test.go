package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/poster"
	"github.com/cosie/cosiebot/bot/poster/postertest"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// runQR runs `cosiebot qr` with args and the environment env.
func runQR(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"qr"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// listed reads the files the command listed, by base name.
func listed(t *testing.T, stdout string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, path := range strings.Fields(stdout) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("listed file: %v", err)
		}
		files[filepath.Base(path)] = data
	}
	return files
}

func TestQRCommandOffline(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, err := runQR(t, nil, "--pilot", "turku", "--source", "library", "--bot", "@cosie_bot", "--out", dir, "--size", "a5")
	if err != nil {
		t.Fatalf("qr: %v\n%s", err, stderr)
	}
	files := listed(t, stdout)
	var names []string
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"turku-library-ar-a5.pdf", "turku-library-en-a5.pdf", "turku-library-fi-a5.pdf", "turku-library-qr.png", "turku-library-qr.svg", "turku-library-ru-a5.pdf", "turku-library-so-a5.pdf", "turku-library-sv-a5.pdf"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	const link = "https://t.me/cosie_bot?start=turkuSlibrary"
	if got := postertest.Scan(t, files["turku-library-qr.png"]); got != link {
		t.Errorf("the QR code reads %q, want %q", got, link)
	}
	for name, data := range files {
		if strings.HasSuffix(name, ".pdf") && !bytes.HasPrefix(data, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", name)
		}
	}
	if !strings.Contains(string(files["turku-library-qr.svg"]), "<title>"+link+"</title>") {
		t.Error("the QR SVG does not carry the link")
	}
}

// The bot's username comes from Telegram's getMe; the pilot's own invite:
// wins over the bot's words; the token shows nowhere.
func TestQRCommandAsksTelegram(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	flows := t.TempDir()
	quick, err := os.ReadFile("testdata/flows/quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withInvite := strings.Replace(string(quick), "  languages: [en, fi]\n", "  languages: [en, fi]\n  invite: {en: \"Scan me for the quick test!\"}\n", 1)
	if err := os.WriteFile(filepath.Join(flows, "quick.yaml"), []byte(withInvite), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "TELEGRAM_API_URL": fake.URL(), "COSIE_FLOWS_DIR": flows}
	out := t.TempDir()
	stdout, stderr, err := runQR(t, env, "--pilot", "quick", "--out", out, "--format", "svg")
	if err != nil {
		t.Fatalf("qr: %v\n%s", err, stderr)
	}
	if strings.Contains(stdout+stderr, testToken) {
		t.Error("the token was printed")
	}
	files := listed(t, stdout)
	const link = "https://t.me/" + telegramtest.BotUsername + "?start=quick"
	if got := postertest.Scan(t, files["quick-qr.png"]); got != link {
		t.Errorf("the QR code reads %q, want %q", got, link)
	}
	en, fi := string(files["quick-en-a4.svg"]), string(files["quick-fi-a4.svg"])
	if !strings.Contains(en, "<title>Quick test service</title>") || !strings.Contains(en, "Scan me for the quick test!") {
		t.Errorf("the English poster lacks the pilot's name or invite:\n%.600s", en)
	}
	if !strings.Contains(fi, "<title>Pikatestipalvelu</title>") || !strings.Contains(fi, "Kerro mielipiteesi!") || !strings.Contains(fi, "/forget") {
		t.Errorf("the Finnish poster lacks the name, the bot's invitation or the privacy line:\n%.600s", fi)
	}
}

func TestQRCommandErrors(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
		code int
	}{
		{"no pilot", nil, []string{"--bot", "cosie_bot"}, "choose a pilot with --pilot", 2},
		{"unknown pilot", nil, []string{"--pilot", "atlantis", "--bot", "cosie_bot"}, `no pilot "atlantis"`, 2},
		{"bad source", nil, []string{"--pilot", "turku", "--source", "Main Library", "--bot", "cosie_bot"}, `source "Main Library"`, 2},
		{"bad format", nil, []string{"--pilot", "turku", "--bot", "cosie_bot", "--format", "png"}, "use pdf or svg", 2},
		{"bad size", nil, []string{"--pilot", "turku", "--bot", "cosie_bot", "--size", "letter"}, "use a4 or a5", 2},
		{"language not of the pilot", nil, []string{"--pilot", "turku", "--bot", "cosie_bot", "--lang", "hu"}, "its languages are fi, sv, en", 2},
		{"bad username", nil, []string{"--pilot", "turku", "--bot", "cosie"}, `bot username "cosie"`, 2},
		{"no username and no token", nil, []string{"--pilot", "turku"}, "give it with --bot", 2},
		{"token refused", map[string]string{"TELEGRAM_BOT_TOKEN": "999:WRONG-token-secret", "TELEGRAM_API_URL": fake.URL()}, []string{"--pilot", "turku"}, "telegram refused the bot token", 1},
	} {
		_, stderr, err := runQR(t, tt.env, append(tt.args, "--out", dir)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != tt.code {
			t.Errorf("%s: error %v (exit %d), want one saying %q (exit %d)", tt.name, err, exitCode(err), tt.want, tt.code)
			continue
		}
		if strings.Contains(err.Error()+stderr, "WRONG-token-secret") {
			t.Errorf("%s: the token shows in %q", tt.name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs wrote %d files", len(entries))
	}
}

// Every language the bot speaks gets a poster of its own words: the bot's
// invitation and privacy line fit and have glyphs in the poster fonts.
func TestQRCommandBotWordsEveryLanguage(t *testing.T) {
	e := &env{getenv: func(string) string { return "" }, stderr: &bytes.Buffer{}}
	src := flowSource("", e)
	words, err := loadWords(e, src)
	if err != nil {
		t.Fatal(err)
	}
	set, err := loadFlows(src, words, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	f := set.Get("hull")
	fonts, err := poster.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range words.Languages() {
		c := posterContent(f, words, lang, "https://t.me/cosie_bot?start=hull")
		if _, err := fonts.Layout(c, poster.A5); err != nil {
			t.Errorf("%s: %v", lang, err)
		}
	}
}
