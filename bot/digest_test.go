package bot_test

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
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

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// helsinki is a local time in Turku.
func helsinki(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, mustLoc("Europe/Helsinki"))
}

// turkuHistory plays a realistic fortnight and a half in Turku: ten young
// people in Finnish, Swedish and English, taking different paths. The
// digest week is Monday 16 to Sunday 22 March 2026.
func turkuHistory(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, envOptions{coordinators: coordinators, start: helsinki(3, 2, 14, 0), ownRedis: true})
	at := func(tm time.Time) {
		if tm.Before(e.clock.Now()) {
			t.Fatalf("the history goes back in time to %s", tm)
		}
		e.advance(tm.Sub(e.clock.Now()))
	}
	step := func() { e.advance(40 * time.Second) }
	run := func(c *citizen, actions ...string) {
		t.Helper()
		for _, a := range actions {
			switch {
			case strings.HasPrefix(a, ":"):
				c.press(a)
			case strings.HasPrefix(a, "press:"):
				c.press(strings.TrimPrefix(a, "press:"))
			case strings.HasPrefix(a, "voice:"):
				c.voice(strings.TrimPrefix(a, "voice:"))
			default:
				c.say(a)
			}
			step()
		}
	}

	// Before the week.
	// A, Mon 2 March: the whole survey, and yes to the follow-up.
	a := e.citizen(20001, "fi")
	run(a, "/start turku", ":welcome:yes", ":ask_experience:4", ":ask_reason:staff",
		"Enemmän iltaisin auki olevia paikkoja", ":ask_followup_ok:yes")
	// B, Mon 9 March: done, no follow-up.
	at(helsinki(3, 9, 11, 0))
	b := e.citizen(20002, "sv")
	run(b, "/start turku", ":welcome:yes", ":ask_experience:3", ":ask_reason:waiting", ":ask_idea:_skip", ":ask_followup_ok:no")

	// The week.
	// Mon 16 March 10:00: A's follow-up goes out; A answers with a voice note.
	at(helsinki(3, 16, 10, 0))
	if n := e.fire(); n != 1 {
		t.Fatalf("the follow-up of A: sent %d", n)
	}
	at(helsinki(3, 16, 10, 25))
	run(a, ":ask_helped:5", "voice:AwACAgQAAxkBAAIBF2Xyz")
	// C, Mon 16 March: done, Finnish.
	at(helsinki(3, 16, 12, 5))
	run(e.citizen(20003, "fi"), "/start turku", ":welcome:yes", ":ask_experience:5", ":ask_reason:staff",
		"Ohjaaja kuunteli ja auttoi löytämään harjoittelupaikan. Kiitos!", ":ask_followup_ok:no")
	// D, Tue 17 March: Swedish, own reason, a long suggestion, yes to the follow-up.
	at(helsinki(3, 17, 15, 20))
	run(e.citizen(20004, "sv-FI"), "/start turku", ":welcome:yes", ":ask_experience:2", ":ask_reason:other",
		"Bussen från Runosbacken går för sällan",
		"Det skulle vara bra om man kunde boka en tid på nätet i stället för att ringa, "+
			"för jag jobbar på dagarna och hinner aldrig ringa innan växeln stänger klockan tre. "+
			"Och gärna svar på svenska också.",
		":ask_followup_ok:yes")
	// E, Wed 18 March: English, does not know, a voice suggestion.
	at(helsinki(3, 18, 9, 45))
	run(e.citizen(20005, "en-GB"), "/start turku", ":welcome:yes", ":ask_experience:_dk", ":ask_reason:information",
		"voice:AwACAgQAAxkBAAIBGGX0ab", ":ask_followup_ok:no")
	// F, Wed 18 March: stops at the suggestion.
	at(helsinki(3, 18, 16, 0))
	run(e.citizen(20006, "fi"), "/start turku", ":welcome:yes", ":ask_experience:1", ":ask_reason:waiting")
	// G, Thu 19 March: stops at the reason.
	at(helsinki(3, 19, 18, 30))
	run(e.citizen(20007, "en"), "/start turku", ":welcome:yes", ":ask_experience:4")
	// H, Fri 20 March: a crisis at the suggestion (an alert; the survey
	// pauses and stores nothing), then, carrying on, a suggestion and done.
	at(helsinki(3, 20, 13, 10))
	run(e.citizen(20008, "fi"), "/start turku", ":welcome:yes", ":ask_experience:2", ":ask_reason:information",
		"Joskus tuntuu, että en jaksa elää.", "press:R:turku", "Kukaan ei vastaa puhelimeen.", ":ask_followup_ok:no")
	// I, Sat 21 March: declines.
	at(helsinki(3, 21, 20, 0))
	run(e.citizen(20009, "sv"), "/start turku", ":welcome:no")
	// J, Sun 22 March: reads the welcome and leaves.
	at(helsinki(3, 22, 11, 0))
	run(e.citizen(20010, "fi"), "/start turku")

	at(helsinki(3, 22, 21, 0))
	if got := len(e.rec.texts(9001, 0)); got != 1 {
		t.Fatalf("coordinator 9001 got %d alerts, want 1", got)
	}
	return e
}

func TestDigestGolden(t *testing.T) {
	t.Parallel()
	e := turkuHistory(t)
	f := shippedFlow(t, "turku")
	from, to := bot.LastDays(f, e.clock.Now(), 7)
	if want := helsinki(3, 16, 0, 0); !from.Equal(want) || !to.Equal(want.AddDate(0, 0, 7)) {
		t.Fatalf("LastDays: %s to %s", from, to)
	}
	for _, tc := range []struct {
		file string
		opts bot.DigestOptions
	}{
		{"digest.en.golden", bot.DigestOptions{From: from, To: to, Lang: "en", Key: testKey}},
		{"digest.fi.golden", bot.DigestOptions{From: from, To: to, Lang: "fi", Key: testKey}},
		{"stats.en.golden", bot.DigestOptions{Lang: "en", Key: testKey}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := bot.Digest(e.ctx, e.store, f, catalog(t), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, got)
			// Pseudonymous: no Telegram ids, no names.
			for id := int64(20001); id <= 20010; id++ {
				if strings.Contains(got, strconv.FormatInt(id, 10)) {
					t.Errorf("the digest holds the Telegram id %d", id)
				}
			}
			if strings.Contains(got, "Zebulon") {
				t.Error("the digest holds a first name")
			}
		})
	}
	// The digest names a participant as the safeguarding alert did.
	t.Run("references", func(t *testing.T) {
		alert := e.rec.texts(9001, 0)[0]
		ref := e.svc.PilotPseudonym("turku", e.svc.Pseudonym(20008))[:8]
		if !strings.Contains(alert, ref) {
			t.Fatalf("the alert lacks %s:\n%s", ref, alert)
		}
		got, err := bot.Digest(e.ctx, e.store, f, catalog(t), bot.DigestOptions{From: from, To: to, Lang: "en", Key: testKey})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, "["+ref+"] suggestion: “Kukaan ei vastaa") {
			t.Errorf("the digest does not show the alert's reference %s:\n%s", ref, got)
		}
	})
	// The coordinator's commands show the same texts.
	t.Run("commands", func(t *testing.T) {
		want, err := bot.Digest(e.ctx, e.store, f, catalog(t), bot.DigestOptions{From: from, To: to, Lang: "fi", Key: testKey})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.command(9002, "fi-FI", "/digest"); len(got) != 1 || got[0].Msg.Text != want {
			t.Errorf("/digest differs from Digest:\n%+v", got)
		}
		want, err = bot.Digest(e.ctx, e.store, f, catalog(t), bot.DigestOptions{Lang: "en", Key: testKey})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.command(9001, "en", "/stats"); len(got) != 1 || got[0].Msg.Text != want {
			t.Errorf("/stats differs from Digest:\n%+v", got)
		}
	})
	// The counters add up.
	t.Run("counters", func(t *testing.T) {
		c := e.counters("turku")
		for _, n := range f.Nodes {
			if asked, answered := c["asked:"+n.ID], c["answered:"+n.ID]; answered > asked {
				t.Errorf("%s: answered %d > asked %d", n.ID, answered, asked)
			}
		}
		if c["started"] != 10 || c["completed"] != 5 || c["declined"] != 1 || c["alerts"] != 1 || c["fu_sent"] != 1 || c["fu_answered"] != 1 {
			t.Errorf("counters %v", c)
		}
	})
}

// TestFigures: the figures behind the digest, per day and as a table, add
// up to the same numbers as the digest's text.
func TestFigures(t *testing.T) {
	t.Parallel()
	e := turkuHistory(t)
	f := shippedFlow(t, "turku")
	from, to := bot.LastDays(f, e.clock.Now(), 7)
	cat := catalog(t)
	plain, err := bot.ComputeFigures(e.ctx, e.store, f, cat, bot.DigestOptions{From: from, To: to, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	daily, err := bot.ComputeFigures(e.ctx, e.store, f, cat, bot.DigestOptions{From: from, To: to, Lang: "en", Daily: true})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Daily != nil || len(daily.Daily) != 7 {
		t.Fatalf("daily figures: %d without asking, %d days asked for", len(plain.Daily), len(daily.Daily))
	}
	// Asking for the days changes nothing else.
	if a, b := plain.Text(cat), daily.Text(cat); a != b {
		t.Errorf("the daily figures give another digest:\n%s\n---\n%s", a, b)
	}
	var started, completed int64
	for _, d := range daily.Daily {
		started += d.Started
		completed += d.Completed
	}
	if started != daily.Started || completed != daily.Completed {
		t.Errorf("days add up to %d started, %d completed; the period has %d, %d", started, completed, daily.Started, daily.Completed)
	}
	// Monday 16 March: C rated 5, A's follow-up rated 5.
	if d := daily.Daily[0]; d.Date != "2026-03-16" || d.Averages["overall_experience"] != 5 || d.Averages["helped_later"] != 5 {
		t.Errorf("Monday's figures: %+v", d)
	}
	if daily.Started != 8 || daily.Completed != 3 || daily.Rate != 38 || len(daily.Texts) != 4 || daily.Alerts != 1 {
		t.Errorf("figures: %+v", daily)
	}
	var b strings.Builder
	if err := daily.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "figures.en.golden", b.String())
	for id := int64(20001); id <= 20010; id++ {
		if strings.Contains(b.String(), strconv.FormatInt(id, 10)) {
			t.Errorf("the figures hold the Telegram id %d", id)
		}
	}
	// All time has no days and no texts.
	all, err := bot.ComputeFigures(e.ctx, e.store, f, cat, bot.DigestOptions{Lang: "en", Daily: true})
	if err != nil {
		t.Fatal(err)
	}
	if !all.AllTime() || all.Daily != nil || all.Texts != nil || all.Started != 10 || all.Completed != 5 {
		t.Errorf("all-time figures: %+v", all)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./bot -run Golden -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// BenchmarkDigest100k times a weekly digest of a pilot with 100,000 stored
// answers, on the embedded Redis and, when REDIS_URL is set, on a real one.
func BenchmarkDigest100k(b *testing.B) {
	b.Run("embedded", func(b *testing.B) {
		rdb, stop, err := redisstore.Embedded()
		if err != nil {
			b.Fatal(err)
		}
		defer stop()
		benchDigest(b, redisstore.New(rdb, redisstore.Options{}))
	})
	if url := os.Getenv("REDIS_URL"); url != "" {
		b.Run("redis", func(b *testing.B) {
			rdb, err := redisstore.Open(url)
			if err != nil {
				b.Fatal(err)
			}
			defer rdb.Close()
			ns := fmt.Sprintf("bench%d", time.Now().UnixNano())
			defer func() {
				ctx := context.Background()
				iter := rdb.Scan(ctx, 0, ns+":*", 1000).Iterator()
				for iter.Next(ctx) {
					rdb.Del(ctx, iter.Val())
				}
			}()
			benchDigest(b, redisstore.New(rdb, redisstore.Options{Namespace: ns}))
		})
	}
}

func benchDigest(b *testing.B, store *redisstore.Store) {
	ctx := context.Background()
	f := shippedFlow(b, "turku")
	const (
		total = 100_000
		batch = 1000
		users = 5000
		days  = 30
	)
	start := time.Now()
	end := helsinki(3, 22, 21, 0)
	first := end.AddDate(0, 0, -days)
	options := []string{"staff", "waiting", "information", "getting_there", "other"}
	for i := 0; i < total; i += batch {
		// Each batch is one stretch of time, oldest first.
		at := first.Add(end.Sub(first) / total * time.Duration(i))
		c := &bot.Commit{User: "bench", Pilot: f.Pilot.ID, Day: at.Format(time.DateOnly), Counts: map[string]int64{}}
		for j := range batch {
			n := i + j
			user := hex.EncodeToString([]byte(fmt.Sprintf("user%012d", n%users)))
			r := bot.Record{User: user, Run: 1, Lang: []string{"fi", "sv", "en"}[n%3], Version: f.Version, At: at.UnixMilli() + int64(j)}
			switch n % 4 {
			case 0:
				r.Node, r.Result, r.Kind, r.Value = "ask_experience", "overall_experience", flow.KindRating, strconv.Itoa(1+n%5)
				c.Counts["v:overall_experience:"+r.Value]++
				c.Counts["sum:overall_experience"] += int64(1000 * (1 + n%5))
				c.Counts["n:overall_experience"]++
				c.Counts["started"]++
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
	b.Logf("setup: %d answers in %s", total, time.Since(start).Round(time.Millisecond))
	from, to := bot.LastDays(f, end, 7)
	cat := catalog(b)
	var out string
	for b.Loop() {
		var err error
		out, err = bot.Digest(ctx, store, f, cat, bot.DigestOptions{From: from, To: to, Lang: "en"})
		if err != nil {
			b.Fatal(err)
		}
	}
	if !strings.Contains(out, "👥") || !strings.Contains(out, "Idea number") {
		b.Fatalf("unexpected digest:\n%s", out)
	}
}
