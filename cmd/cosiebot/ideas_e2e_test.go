package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// until reads the citizen's messages in order until one contains text,
// and returns it; the ones before it are skipped.
func (c *citizen) until(text string) telegramtest.Sent {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		msgs := sentTo(c.fake, c.chat)
		for c.seen < len(msgs) {
			m := msgs[c.seen]
			c.seen++
			if strings.Contains(m.Text, text) {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	var last []string
	for _, m := range sentTo(c.fake, c.chat) {
		last = append(last, m.Text)
	}
	c.t.Fatalf("chat %d: no message containing %q; the messages were:\n%s", c.chat, text, strings.Join(last, "\n---\n"))
	return telegramtest.Sent{}
}

// TestIdeaLoopEndToEnd is the co-creation story of issue 10 through serve's
// own wiring, the fake Bot API and Redis: a citizen proposes an idea; the
// coordinator approves it in Telegram (and adds a Swedish translation); a
// second citizen, writing in Swedish, is offered it as similar and supports
// it; a third agrees with it on the board; the coordinator marks it
// accepted with a note; the first two hear about it in their own
// languages; the digest ranks it; and /forget by the first citizen leaves
// none of their text in any key.
func TestIdeaLoopEndToEnd(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 11)
	startServe(t, serveEnv(fake, db.url, db.env(map[string]string{"COSIE_FLOWS_DIR": "testdata/ideas"})))
	anna, ben, cara := newCitizen(t, fake, 5101, "fi"), newCitizen(t, fake, 5102, "sv"), newCitizen(t, fake, 5103, "fi")
	coord := newCitizen(t, fake, 9101, "en")
	const idea = "Pidemmät aukioloajat iltaisin ja viikonloppuisin"
	const swedish = "Längre öppettider på kvällar och helger"

	// The coordinator has used the bot before: cards come in English.
	coord.say("/ideas")
	coord.until("No ideas yet.")

	anna.say("/start youth")
	anna.until("Hei! Kerro idea nuorisotalolle.")
	anna.press("Hyväksyn")
	anna.until("Mikä on ideasi?")
	anna.say(idea)
	anna.until("Kiitos ideastasi!")
	anna.press("Kyllä") // tell me what happens

	card := coord.until("💡 New idea for Youth centre")
	if !strings.Contains(card.Text, idea) {
		t.Fatalf("the card lacks the idea: %q", card.Text)
	}
	id := regexp.MustCompile(`#([a-z0-9]+)`).FindStringSubmatch(card.Text)[1]
	coord.press("✅ Approve")
	coord.until("It is on the board now")
	coord.say("/translate " + id + " sv " + swedish)
	coord.until("Translation saved.")
	anna.until("Hyviä uutisia: ideasi on nyt taululla.")

	ben.say("/start youth")
	ben.until("Hej! Dela en idé för ungdomsgården.")
	ben.press("Jag godkänner")
	ben.until("Vad är din idé?")
	ben.say("Längre öppettider på kvällarna")
	similar := ben.until("Liknar din idé någon av de här?")
	if !strings.Contains(similar.Text, "1. 💡 "+swedish) {
		t.Fatalf("ben is not offered the idea: %q", similar.Text)
	}
	ben.press("👍 Stöd 1")
	ben.until("Tack! Ditt stöd har räknats.")
	ben.press("Ja")

	cara.say("/start youth")
	cara.until("Hei!")
	cara.press("Hyväksyn")
	cara.until("Mikä on ideasi?")
	cara.press("Ohita")
	cara.until("Muiden ideoita. Mitä mieltä olet?\n\n💡 " + idea)
	cara.press("👍 Samaa mieltä")
	cara.until("Kiitos mielipiteistäsi!")

	coord.press("Accepted")
	coord.until("Send a short note")
	coord.say("We open until 21 from May.\nfi: Olemme auki klo 21 asti toukokuusta.\nsv: Vi har öppet till 21 från maj.")
	coord.until("Status saved: Accepted. People who will be told: 2.")

	news := anna.until("Uutisia ideasta, jonka kerroit tai jota tuit:")
	for _, want := range []string{idea, "Tila: Hyväksytty", "Olemme auki klo 21 asti toukokuusta.", "/stop"} {
		if !strings.Contains(news.Text, want) {
			t.Errorf("anna's news lacks %q:\n%s", want, news.Text)
		}
	}
	news = ben.until("Nyheter om en idé som du delade eller stödde:")
	for _, want := range []string{swedish, "Status: Godkänd", "Vi har öppet till 21 från maj."} {
		if !strings.Contains(news.Text, want) {
			t.Errorf("ben's news lacks %q:\n%s", want, news.Text)
		}
	}

	coord.say("/digest")
	digest := coord.until("📊 Youth centre")
	if !strings.Contains(digest.Text, "Most agreed:\n1. 💡 "+idea) || !strings.Contains(digest.Text, "👍 1 · 👎 0 · 🤷 0 · ✋ 1") {
		t.Fatalf("the digest does not rank the idea:\n%s", digest.Text)
	}

	// The export holds the idea, its status and votes, never an id.
	var out, errOut bytes.Buffer
	env := map[string]string{"REDIS_URL": db.url, "COSIE_REDIS_PREFIX": db.prefix, "COSIE_FLOWS_DIR": "testdata/ideas"}
	err := run(context.Background(), []string{"export", "--pilot", "youth", "--ideas"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	if err != nil || !strings.Contains(out.String(), idea+",fi,sv: "+swedish+",accepted,") || !strings.Contains(errOut.String(), "1 idea exported") {
		t.Fatalf("export --ideas (%v):\n%s\n%s", err, out.String(), errOut.String())
	}
	if strings.Contains(out.String(), id) || strings.Contains(out.String(), "5101") {
		t.Fatalf("the ideas export holds an id:\n%s", out.String())
	}

	anna.say("/forget")
	anna.until("Haluatko poistaa")
	anna.press("Kyllä, poista kaikki")
	anna.until("Valmis.")
	checkGone(t, db, idea, swedish, "Pidemmät", "viikonloppuisin", "Längre öppettider på kvällarna")
}

// checkGone reads every key of the test's place, of every type, and fails
// if any of them still holds one of the texts.
func checkGone(t *testing.T, db testDB, texts ...string) {
	t.Helper()
	ctx := context.Background()
	keys := db.scanKeys(t)
	t.Logf("after /forget: %d keys", len(keys))
	for _, k := range keys {
		var vals []string
		switch db.rdb.Type(ctx, k).Val() {
		case "string":
			vals = []string{db.rdb.Get(ctx, k).Val()}
		case "hash":
			for f, v := range db.rdb.HGetAll(ctx, k).Val() {
				vals = append(vals, f, v)
			}
		case "set":
			vals = db.rdb.SMembers(ctx, k).Val()
		case "zset":
			vals = db.rdb.ZRange(ctx, k, 0, -1).Val()
		case "list":
			vals = db.rdb.LRange(ctx, k, 0, -1).Val()
		case "stream":
			for _, m := range db.rdb.XRange(ctx, k, "-", "+").Val() {
				for f, v := range m.Values {
					vals = append(vals, f, strings.TrimSpace(toText(v)))
				}
			}
		}
		for _, v := range append(vals, k) {
			for _, text := range texts {
				if strings.Contains(v, text) {
					t.Errorf("after /forget, key %s still holds %q", k, text)
				}
			}
		}
	}
}

func toText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
