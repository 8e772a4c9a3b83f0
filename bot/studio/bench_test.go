package studio

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
)

// The studio's speed targets, measured (never asserted): a flow with 50
// nodes opens in the editor in under 200 ms, a keystroke's diagnostics
// come back in under 50 ms, and the results page of a pilot with 100,000
// answers draws in under 300 ms. These time the server's side, which is
// what grows with the flow and the answers.

// bigFlow writes a flow with n nodes (n ≥ 6) of every kind, in two
// languages, with branches, a follow-up and options that jump ahead.
func bigFlow(n int) string {
	var b strings.Builder
	b.WriteString(`pilot:
  id: big
  name: {en: A big pilot, fi: Iso pilotti}
  languages: [en, fi]
  timezone: Europe/Helsinki
  retention_days: 30
  help:
    en: This survey is run by a big pilot. Ask any worker if you need help.
    fi: Tätä kyselyä tekee iso pilotti. Kysy keneltä tahansa työntekijältä.
nodes:
  - id: welcome
    type: consent
    text: {en: "Hi! I will ask some questions.", fi: "Hei! Kysyn muutaman kysymyksen."}
`)
	for i := 1; i <= n-4; i++ {
		id := fmt.Sprintf("q%d", i)
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "  - id: %s\n    type: choice\n    result: r%d\n    text: {en: \"Question %d: what mattered most?\", fi: \"Kysymys %d: mikä oli tärkeintä?\"}\n    options:\n", id, i, i, i)
			for _, o := range []string{"staff", "waiting", "place"} {
				fmt.Fprintf(&b, "      - id: %s\n        text: {en: \"The %s\", fi: \"%s\"}\n", o, o, o)
			}
			if i+3 <= n-4 {
				fmt.Fprintf(&b, "        next: q%d\n", i+3)
			}
		case 1:
			fmt.Fprintf(&b, "  - id: %s\n    type: rating\n    result: r%d\n    text: {en: \"Question %d: how was it?\", fi: \"Kysymys %d: miten meni?\"}\n", id, i, i, i)
		case 2:
			fmt.Fprintf(&b, "  - id: %s\n    type: branch\n    branches:\n      - {answer: r%d, less_than: 3, next: q%d}\n", id, i-1, i+1)
		case 3:
			fmt.Fprintf(&b, "  - id: %s\n    type: text\n    result: r%d\n    optional: true\n    accept: [text, voice]\n    text: {en: \"Question %d: tell us more.\", fi: \"Kysymys %d: kerro lisää.\"}\n", id, i, i, i)
		case 4:
			fmt.Fprintf(&b, "  - id: %s\n    type: yesno\n    result: r%d\n    text: {en: \"Question %d: would you come again?\", fi: \"Kysymys %d: tulisitko uudelleen?\"}\n", id, i, i, i)
		}
	}
	b.WriteString(`  - id: wait
    type: followup
    after: 7d
    text: {en: "Thanks! I will write again in a week.", fi: "Kiitos! Kirjoitan viikon päästä."}
  - id: later
    type: rating
    result: later
    text: {en: "A week later: how are things?", fi: "Viikko myöhemmin: miten menee?"}
  - id: bye
    type: end
    restart: true
    text: {en: "Thank you!", fi: "Kiitos!"}
`)
	return b.String()
}

// bigStudio is a studio with the 50-node flow beside the shipped ones.
func bigStudio(b *testing.B, reports bot.Reports) (*testStudio, string) {
	st := newTestStudio(b, studioOptions{reports: reports})
	text := bigFlow(50)
	if f, diags := st.srv.load("big.yaml", []byte(text)); f == nil || len(f.Nodes) != 50 {
		b.Fatalf("the big flow does not load:\n%s", diags)
	}
	if err := os.WriteFile(filepath.Join(st.dir, "big.yaml"), []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	return st, text
}

// serve times one request through the studio's handler.
func serve(b *testing.B, st *testStudio, method, path, body string) int {
	req := httptest.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
	req.Header.Set("X-CSRF-Token", st.csrf)
	w := httptest.NewRecorder()
	st.srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.String()[:min(200, w.Body.Len())])
	}
	return w.Body.Len()
}

// BenchmarkEditorPage50 opens a 50-node flow in the editor: checked,
// drawn and written out.
func BenchmarkEditorPage50(b *testing.B) {
	st, _ := bigStudio(b, nil)
	size := 0
	for b.Loop() {
		size = serve(b, st, http.MethodGet, "/flows/big.yaml", "")
	}
	b.ReportMetric(float64(size)/1024, "KB/page")
}

// BenchmarkKeystroke50 is what one keystroke costs in a 50-node flow: the
// check of the whole text, and its picture.
func BenchmarkKeystroke50(b *testing.B) {
	st, text := bigStudio(b, nil)
	body := fmt.Sprintf(`{"text": %s}`, strconv.Quote(strings.Replace(text, "how was it", "how was it really", 1)))
	for b.Loop() {
		serve(b, st, http.MethodPost, "/flows/big.yaml/check", body)
	}
}

// BenchmarkResults100k draws the results page of a pilot with 100,000
// answers over 30 days (the embedded store).
func BenchmarkResults100k(b *testing.B) {
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	store := redisstore.New(rdb, redisstore.Options{})
	now := time.Date(2026, 3, 22, 21, 0, 0, 0, time.UTC)
	fill100k(b, store, now)
	st := newTestStudio(b, studioOptions{reports: store, now: func() time.Time { return now }})
	size := 0
	for b.Loop() {
		size = serve(b, st, http.MethodGet, "/results/turku?days=30", "")
	}
	b.ReportMetric(float64(size)/1024, "KB/page")
}

// fill100k stores 100,000 answers of Turku's questions over 30 days, with
// their counters, as commits of the service would.
func fill100k(b *testing.B, store *redisstore.Store, end time.Time) {
	ctx := context.Background()
	const total, batch, users, days = 100_000, 1000, 5000, 30
	first := end.AddDate(0, 0, -days)
	options := []string{"staff", "waiting", "information", "getting_there", "other"}
	loc, _ := time.LoadLocation("Europe/Helsinki")
	for i := 0; i < total; i += batch {
		at := first.Add(end.Sub(first) / total * time.Duration(i))
		c := &bot.Commit{User: "bench", Pilot: "turku", Day: at.In(loc).Format(time.DateOnly), Counts: map[string]int64{}}
		for j := range batch {
			n := i + j
			user := hex.EncodeToString(fmt.Appendf(nil, "user%012d", n%users))
			r := bot.Record{User: user, Run: 1, Lang: []string{"fi", "sv", "en"}[n%3], Version: "bench", At: at.UnixMilli() + int64(j)}
			switch n % 4 {
			case 0:
				r.Node, r.Result, r.Kind, r.Value = "ask_experience", "overall_experience", flow.KindRating, strconv.Itoa(1+n%5)
				c.Counts["v:overall_experience:"+r.Value]++
				c.Counts["sum:overall_experience"] += int64(1000 * (1 + n%5))
				c.Counts["n:overall_experience"]++
				c.Counts["started"]++
				c.Counts["lang:"+r.Lang]++
				c.Counts["asked:ask_experience"]++
			case 1:
				r.Node, r.Result, r.Kind, r.Value = "ask_reason", "main_reason", flow.KindChoice, options[n%5]
				c.Counts["v:main_reason:"+r.Value]++
				c.Counts["asked:ask_reason"]++
			case 2:
				r.Node, r.Result, r.Kind, r.Text = "ask_idea", "suggestion", flow.KindText, "Idea number "+strconv.Itoa(n)+": longer opening hours in the evenings"
				c.Counts["v:suggestion:_text"]++
				c.Counts["asked:ask_idea"]++
			case 3:
				r.Node, r.Result, r.Kind, r.Value = "ask_followup_ok", "followup_ok", flow.KindYesNo, []string{"yes", "no"}[n%2]
				c.Counts["v:followup_ok:"+r.Value]++
				c.Counts["asked:ask_followup_ok"]++
				c.Counts["completed"]++
			}
			c.Counts["answered:"+r.Node]++
			c.Answers = append(c.Answers, r)
		}
		if err := store.Commit(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
