package studio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

// testWords are the bot's built-in words, read once for every test.
var testWords = sync.OnceValues(locales.Default)

func words(t testing.TB) *locales.Catalog {
	t.Helper()
	w, err := testWords()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// studioOptions change a test studio.
type studioOptions struct {
	readOnly bool        // the shipped flows, not a folder
	reports  bot.Reports // answers for the results pages
	access   Access      // zero: local
	now      func() time.Time
}

// testStudio is a studio on a copy of the shipped flows, behind httptest.
type testStudio struct {
	*httptest.Server
	srv    *Server
	dir    string
	client *http.Client
	csrf   string
}

func newTestStudio(t testing.TB, o studioOptions) *testStudio {
	t.Helper()
	cfg := Config{FS: flows.Shipped(), Words: words(t), Reports: o.reports, Access: o.access, Now: o.now, NewSimStore: embeddedSimStore}
	dir := ""
	if !o.readOnly {
		dir = t.TempDir()
		names, err := fs.Glob(flows.Shipped(), "*.yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			data, err := fs.ReadFile(flows.Shipped(), n)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cfg.Dir, cfg.FS = dir, os.DirFS(dir)
	}
	if !cfg.Access.Local && cfg.Access.BotToken == "" {
		cfg.Access.Local = true
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	jar, _ := cookiejar.New(nil)
	st := &testStudio{Server: ts, srv: srv, dir: dir, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if cfg.Access.Local {
		st.csrf = srv.localCSRF
	}
	return st
}

func embeddedSimStore() (SimStore, func(), error) {
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		return nil, nil, err
	}
	return redisstore.New(rdb, redisstore.Options{}), stop, nil
}

// get fetches a page and returns its status and body.
func (st *testStudio) get(t testing.TB, path string) (int, string) {
	t.Helper()
	res, err := st.client.Get(st.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// post sends JSON with the studio's form token and decodes the answer.
func (st *testStudio) post(t testing.TB, path string, body any, out any) int {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, st.URL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if st.csrf != "" {
		req.Header.Set("X-CSRF-Token", st.csrf)
	}
	res, err := st.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("POST %s: %d %s", path, res.StatusCode, raw)
		}
	}
	return res.StatusCode
}

func (st *testStudio) file(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(st.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// lineOf is the 1-based line of the first occurrence of s in text.
func lineOf(t testing.TB, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q is not in the text", s)
	}
	return strings.Count(text[:i], "\n") + 1
}

// citizenIDs are the Telegram ids of the citizens answerStore makes;
// no page or download may show them.
const firstCitizen = 987650001

// answerStore plays n citizens through a pilot's flow with the real
// service (as on Telegram), each pressing the first answer offered (the
// second on yes/no questions, so dialogues end), typing at text questions,
// one a day back from now. It returns the store the answers are in.
func answerStore(t testing.TB, pilot string, n int, now time.Time) *redisstore.Store {
	t.Helper()
	ctx := context.Background()
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	store := redisstore.New(rdb, redisstore.Options{})
	data, err := fs.ReadFile(flows.Shipped(), pilot+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, diags := flow.Load(pilot+".yaml", data, flow.Options{Languages: words(t).Languages()})
	if f == nil {
		t.Fatal(diags)
	}
	rec := &simRecorder{}
	clock := bot.NewManualClock(now.AddDate(0, 0, -n))
	svc, err := bot.New(bot.Config{Store: store, Acker: rec, Courier: courier.NewDirect(store, rec, nil, nil), Clock: clock,
		Words: words(t), Flows: bot.NewFlows(f), PseudonymKey: []byte("studio-test-pseudonym-key")})
	if err != nil {
		t.Fatal(err)
	}
	update := int64(0)
	for c := range n {
		user := int64(firstCitizen + c)
		lang := f.Pilot.Languages[c%len(f.Pilot.Languages)]
		send := func(in bot.Inbound) {
			update++
			in.UpdateID, in.ChatID, in.UserID, in.Private, in.Lang, in.FirstName = update, user, user, true, lang, "Zebulon"
			if err := svc.Handle(ctx, in); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
		}
		send(bot.Inbound{Text: "/start " + pilot})
		for range 12 {
			sess, err := store.Load(ctx, svc.Pseudonym(user))
			if err != nil {
				t.Fatal(err)
			}
			if sess == nil || sess.Flow.Done {
				break
			}
			msgs, _ := rec.take()
			b, ok := answerButton(f, msgs)
			if !ok {
				send(bot.Inbound{Text: fmt.Sprintf("Idea %d: longer opening hours", c)})
				continue
			}
			if b == "" {
				break
			}
			send(bot.Inbound{Data: b, CallbackID: "cb"})
		}
		clock.Advance(24 * time.Hour)
	}
	return store
}

// answerButton picks the button a test citizen presses in the last
// message: ok false when it asks for text, "" when there is nothing to do.
func answerButton(f *flow.Flow, msgs []simMsg) (string, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Edit != 0 { // every test citizen has its own chat: none is the simulator's
			continue
		}
		var opts []string
		kind := flow.Kind("")
		for _, row := range m.buttons {
			for _, b := range row {
				if c, ok := flow.ParseCallback(b.Data); ok && c.Kind == flow.CallbackFlow && !c.Skip() {
					opts = append(opts, b.Data)
					if n := f.Node(c.Node); n != nil {
						kind = n.Kind
					}
				}
			}
		}
		switch {
		case len(opts) == 0:
			return "", false
		case kind == flow.KindYesNo:
			return opts[len(opts)-1], true
		}
		return opts[0], true
	}
	return "", false
}
