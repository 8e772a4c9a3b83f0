package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/locales"
)

// runCmd runs cosiebot with args and returns its exit code, stdout and stderr.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{}
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	code := 0
	if err != nil {
		code = exitCode(err)
		errOut.WriteString(err.Error())
	}
	return code, out.String(), errOut.String()
}

// romaniFlow writes a pilot's folder: the quick test flow in English and
// Romani, a language the bot has no words for.
func romaniFlow(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "flows", "quick.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src := strings.ReplaceAll(strings.ReplaceAll(string(data), "fi:", "rom:"), "[en, fi]", "[en, rom]")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "quick.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLocaleNew(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "flows", "locales")
	code, _, stderr := runCmd(t, "", "locale", "new", "rom", "--dir", dir)
	if code != 0 {
		t.Fatalf("locale new rom: exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(filepath.Join(dir, "active.rom.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := words.Template(&want, "rom"); err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("active.rom.yaml is not the template for rom:\n%s", got)
	}

	refusals := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"locale", "new", "rom", "--dir", dir}, 1, "already exists"},
		{[]string{"locale", "new", "fi", "--dir", dir}, 1, "already speaks fi"},
		{[]string{"locale", "new", "por", "--dir", dir}, 2, `write the language as "pt"`},
		{[]string{"locale", "new", "xx", "--dir", dir}, 2, "not a language code"},
		{[]string{"locale", "rom"}, 2, "usage: cosiebot locale new LANG"},
	}
	for _, r := range refusals {
		code, _, stderr := runCmd(t, "", r.args...)
		if code != r.code || !strings.Contains(stderr, r.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", r.args, code, stderr, r.code, r.want)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "active.rom.yaml")); !bytes.Equal(after, got) {
		t.Error("a refused locale new changed the existing file")
	}
}

// TestPilotWords follows a pilot team adding a language: check explains
// how, locale new writes the file, check reports on it, and chat speaks it.
func TestPilotWords(t *testing.T) {
	dir := romaniFlow(t)
	localesDir := filepath.Join(dir, "locales")

	code, stdout, _ := runCmd(t, "", "check", dir)
	want := `language "rom" has no words for the bot's own messages yet: create them with "cosiebot locale new rom --dir ` + localesDir + `"`
	if code != 1 || !strings.Contains(stdout, want) {
		t.Fatalf("check before: exit %d,\n%s\nwant exit 1 and %s", code, stdout, want)
	}

	if code, _, stderr := runCmd(t, "", "locale", "new", "rom", "--dir", localesDir); code != 0 {
		t.Fatalf("locale new: exit %d: %s", code, stderr)
	}
	file := filepath.Join(localesDir, "active.rom.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), `language.name: "English"`, `language.name: "Romani čhib"`, 1)
	text = strings.Replace(text, `consent.footer: "You can send`, `consent.footer: "ROMANI FOOTER: send`, 1)
	text = strings.Replace(text, "button.skip: \"Skip\"\n", "", 1)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCmd(t, "", "check", dir)
	if code == 1 || !strings.Contains(stdout, file+":") || !strings.Contains(stdout, `warning: 1 message is missing`) || !strings.Contains(stdout, `"button.skip"`) {
		t.Errorf("check after: exit %d,\n%s\nwant a warning about the missing button.skip in %s", code, stdout, file)
	}
	report := map[string]string{} // language -> its line, spaces squeezed
	for _, line := range strings.Split(stderr, "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			report[f[0]] = strings.Join(f, " ")
		}
	}
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	n := len(words.IDs())
	if got := report["rom"]; !strings.HasPrefix(got, fmt.Sprintf("rom Romani čhib %d of %d messages not reviewed by a native speaker %s", n-1, n, file)) {
		t.Errorf("check's report on rom = %q\n%s", got, stderr)
	}
	if got := report["en"]; !strings.HasPrefix(got, fmt.Sprintf("en English %d of %d messages", n, n)) {
		t.Errorf("check's report on en = %q\n%s", got, stderr)
	}

	code, stdout, stderr = runCmd(t, "/quit\n", "chat", "--pilot", "quick", "--lang", "rom", "--flows", dir)
	if code != 0 || !strings.Contains(stdout, "ROMANI FOOTER: send /stop") {
		t.Errorf("chat in rom: exit %d, %s\n%s\nwant the pilot's own consent footer", code, stderr, stdout)
	}

	// check reports every problem of every file, each at its line.
	if err := os.WriteFile(file, []byte("button.yes: [Va]\nbutton.no:\n  plenty: Na\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runCmd(t, "", "check", dir)
	for _, w := range []string{file + ":1:1: error:", file + ":3:1: error:"} {
		if code != 1 || !strings.Contains(stdout, w) {
			t.Errorf("check with two broken messages: exit %d,\n%s\nwant %s", code, stdout, w)
		}
	}

	// A broken file stops chat, as a broken flow does, and says where.
	if err := os.WriteFile(file, []byte("button.yes: \"Va\"\nbutton.no: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "/quit\n", "chat", "--pilot", "quick", "--lang", "rom", "--flows", dir)
	if code != 1 || !strings.Contains(stderr, file+":2:1: error:") || !strings.Contains(stderr, "the bot's words in "+localesDir+" have errors") {
		t.Errorf("chat with a broken words file: exit %d, %s", code, stderr)
	}
}

// TestChatSpeaksThePilotsFirstLanguage: without --lang the terminal chat
// is in the pilot's first language, as its help says, not a language menu.
func TestChatSpeaksThePilotsFirstLanguage(t *testing.T) {
	code, stdout, stderr := runCmd(t, "/start\n/quit\n", "chat", "--pilot", "turku")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Hei! Olen Turun nuorten palveluiden kyselybotti") || strings.Contains(stdout, "Suomi\n") {
		t.Fatalf("the chat did not start in Finnish:\n%s", stdout)
	}
}
