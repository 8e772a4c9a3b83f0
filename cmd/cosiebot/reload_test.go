package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// TestServeReloadsFlows: an edit to a flow file is picked up while the bot
// runs; a broken edit keeps the running flows and logs every problem with
// file:line:col.
func TestServeReloadsFlows(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"quick.yaml", "second.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/flows", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 14)
	srv := startServe(t, serveEnv(fake, db.url, db.env(map[string]string{"COSIE_FLOWS_DIR": dir})))

	c := newCitizen(t, fake, 801, "en")
	c.say("/start second")
	c.expect("Hello from the second service.")

	// A broken edit: the old flow keeps running; the problem is logged.
	path := filepath.Join(dir, "second.yaml")
	good, _ := os.ReadFile(path)
	broken := strings.Replace(string(good), "type: yesno", "type: yesnoo", 1)
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(srv.logs.String(), "second.yaml:") })
	if !strings.Contains(srv.logs.String(), `unknown node type \"yesnoo\"`) && !strings.Contains(srv.logs.String(), `unknown node type "yesnoo"`) {
		t.Fatalf("the problem is not logged with its position:\n%s", srv.logs)
	}
	// (/restart: /start again at once would be taken for the same /start,
	// and get no second reply.)
	c.say("/restart")
	c.expect("Hello from the second service.")

	// A good edit is swapped in.
	fixed := strings.Replace(string(good), "Hello from the second service.", "Welcome to the renewed service.", 1)
	if err := os.WriteFile(path, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for {
		c.say("/restart")
		m := c.expect("")
		if strings.Contains(m.Text, "Welcome to the renewed service.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edited flow was not loaded; still %q", m.Text)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
