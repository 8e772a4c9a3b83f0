package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// TestDigestAndExportCommands: after citizens answered through serve, the
// digest and export commands read the same Redis.
func TestDigestAndExportCommands(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 15)
	srv := startServe(t, serveEnv(fake, db.url, db.env(nil)))
	for i, lang := range []string{"en", "fi"} {
		staff := map[string]string{"en": "The staff", "fi": "Henkilökunta"}[lang]
		c := newCitizen(t, fake, int64(901+i), lang)
		c.say("/start quick")
		c.expect("")
		c.press("✅")
		c.expect("")
		c.press("🙂")
		c.expect("")
		c.press(staff)
		if lang == "fi" {
			c.expect("")
			c.say("=cmd|' /C calc'!A0")
			c.expect("")
		}
	}
	srv.stop()

	env := map[string]string{"REDIS_URL": db.url, "COSIE_REDIS_PREFIX": db.prefix, "COSIE_FLOWS_DIR": "testdata/flows", "COSIE_PSEUDONYM_KEY": testKey}
	cmd := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, _, err := cmd("digest", "--pilot", "quick", "--since", "7d")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Quick test service", "2 new participants", "experience — 2 answers, average 4.0 of 5", "Languages: en 1 · fi 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("digest lacks %q:\n%s", want, out)
		}
	}
	out, errOut, err := cmd("export", "--pilot", "quick")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(out, "\uFEFFdialogue,participant,started,language,flow_version,source,experience,reason,idea,helped") || len(lines) != 3 {
		t.Fatalf("export:\n%s", out)
	}
	if !strings.Contains(out, `'=cmd|`) || !strings.Contains(errOut, "2 dialogues exported") {
		t.Errorf("export: the formula is not neutralised or the count is missing:\n%s\n%s", out, errOut)
	}
	for _, id := range []int64{901, 902} {
		if strings.Contains(out, ","+strconv.FormatInt(id, 10)) {
			t.Errorf("export holds a chat id %d:\n%s", id, out)
		}
		// Participants are named by their pseudonym in this pilot only.
		user := bot.ChatKey([]byte(testKey), id)
		if strings.Contains(out, user) || !strings.Contains(out, bot.PilotPseudonym([]byte(testKey), "quick", user)) {
			t.Errorf("export does not name %d by the pilot's pseudonym:\n%s", id, out)
		}
	}
	delete(env, "COSIE_PSEUDONYM_KEY")
	if _, _, err := cmd("export", "--pilot", "quick"); err == nil || !strings.Contains(err.Error(), "COSIE_PSEUDONYM_KEY is not set") {
		t.Errorf("export without the key: %v", err)
	}
	env["COSIE_PSEUDONYM_KEY"] = testKey
	out, _, err = cmd("export", "--pilot", "quick", "--format", "jsonl")
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"answers":{`) {
		t.Fatalf("jsonl export (%v):\n%s", err, out)
	}
	if _, _, err := cmd("export", "--pilot", "nope"); err == nil || !strings.Contains(err.Error(), `no pilot "nope"`) {
		t.Errorf("unknown pilot: %v", err)
	}
	if _, _, err := cmd("export", "--pilot", "quick", "--format", "datapackage"); err == nil || !strings.Contains(err.Error(), "-o") {
		t.Errorf("a data package without a folder: %v", err)
	}
	delete(env, "COSIE_PSEUDONYM_KEY")
	if _, _, err := cmd("export", "--pilot", "quick"); err == nil || !strings.Contains(err.Error(), "COSIE_PSEUDONYM_KEY") {
		t.Errorf("an export without the pseudonym key: %v", err)
	}
	env = map[string]string{}
	if _, _, err := cmd("digest", "--pilot", "quick"); err == nil || !strings.Contains(err.Error(), "REDIS_URL is not set") {
		t.Errorf("without REDIS_URL: %v", err)
	}
}
