package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

func TestServeWholeFlowInTwoLanguages(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 3)
	// A burst large enough that no keyboard mark is skipped for pressure.
	startServe(t, serveEnv(fake, db.url, db.env(map[string]string{"COSIE_CHAT_BURST": "10"})))

	for _, tc := range []struct {
		chat                                 int64
		lang                                 string
		hello, q1, q2, q3, later, bye, agree string
		good, staff, yes                     string
	}{
		{101, "en-GB", "Hello! A quick test", "Question 1", "Question 2", "Question 3", "Follow-up: did it help?", "Thank you, bye!", "I agree", "Good", "The staff", "Yes"},
		{102, "fi", "Hei! Pikainen", "Kysymys 1", "Kysymys 2", "Kysymys 3", "Seuranta: auttoiko?", "Kiitos, hei!", "Hyväksyn", "Hyvä", "Henkilökunta", "Kyllä"},
	} {
		c := newCitizen(t, fake, tc.chat, tc.lang)
		c.say("/start quick")
		m := c.expect(tc.hello)
		if len(m.Buttons) < 2 {
			t.Fatalf("consent has no buttons: %+v", m)
		}
		c.press(tc.agree)
		c.expect(tc.q1)
		c.press(tc.good)
		c.expect(tc.q2)
		c.press(tc.staff)
		c.expect(tc.q3)
		c.fake.PushVoice(tc.chat, tc.chat, tc.lang, "voice-file-1", 7)
		c.expect("")       // "talk soon"
		c.expect(tc.later) // the follow-up, seconds later
		c.press(tc.yes)
		c.expect(tc.bye)
	}
	// Every press was answered and its keyboard replaced by the choice
	// (the last ones may still be on their way).
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && (len(fake.CallbackAnswers()) < 2*4 || len(fake.Edits()) < 8) {
		time.Sleep(10 * time.Millisecond)
	}
	if got, want := len(fake.CallbackAnswers()), 2*4; got != want {
		t.Errorf("callback answers = %d, want %d", got, want)
	}
	if edits := fake.Edits(); len(edits) != 8 || !strings.HasPrefix(edits[0].Buttons[0][0].Text, "✓ ") {
		t.Errorf("edits = %+v", edits)
	}
	answers := db.answersIn(t, "quick")
	if len(answers) != 2*4 {
		t.Fatalf("stored answers = %d, want 8:\n%s", len(answers), strings.Join(answers, "\n"))
	}
	for _, a := range answers {
		var fields map[string]any
		if err := json.Unmarshal([]byte(a), &fields); err != nil {
			t.Fatal(err)
		}
		for k, v := range fields {
			if s := fmt.Sprint(v); s == "101" || s == "102" {
				t.Errorf("answer field %s holds a chat id: %s", k, a)
			}
		}
	}
	if !strings.Contains(strings.Join(answers, ""), `"file_id":"voice-file-1"`) {
		t.Error("the voice note was not stored as a reference")
	}
}

func TestServeDeepLinksAndMenu(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 4)
	startServe(t, serveEnv(fake, db.url, db.env(nil)))

	c := newCitizen(t, fake, 201, "en")
	c.say("/start")
	m := c.expect("Which service")
	if len(m.Buttons) != 2 || m.Buttons[0][0].Data != "P:quick" || m.Buttons[1][0].Data != "P:second" {
		t.Fatalf("pilot menu = %+v", m.Buttons)
	}
	c.press("Second service")
	c.expect("Hello from the second service")

	c.say("/start nosuchpilot")
	c.expect("I don't know that link")

	c.say("/start@cosie_test_bot quick")
	c.expect("Hello! A quick test")

	// Before Start: two pilots share the bot, so its name stays as set in
	// BotFather and the description has both pilots' abouts.
	for _, tc := range []struct{ field, lang, want string }{
		{"description", "", "A quick test of the bot.\n\nThe second service asks one question."},
		{"description", "fi", "Botin pikatesti."},
		{"short_description", "en", "Quick test."},
		{"name", "", ""},
	} {
		if got := fake.Profile(tc.field, tc.lang); got != tc.want {
			t.Errorf("%s %q = %q, want %q", tc.field, tc.lang, got, tc.want)
		}
	}
}

func TestServeStaleAndForgedButtons(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 5)
	startServe(t, serveEnv(fake, db.url, db.env(nil)))

	c := newCitizen(t, fake, 301, "en")
	c.say("/start quick")
	consent := c.expect("Hello!")
	c.press("I agree")
	c.expect("Question 1")

	// The consent button again at once (a double tap), and a forged press
	// on the same message: answered quietly, and nothing changes.
	for _, data := range []string{consent.Buttons[0][0].Data, "abcdef:rate:5"} {
		_, cb := c.pressData(consent.MessageID, data)
		waitFor(t, func() bool { return answered(fake, cb) })
	}
	// An unknown pilot, and garbage: the current question again.
	for _, data := range []string{"P:nope", "\x00\xff", strings.Repeat("x", 64)} {
		_, cb := c.pressData(consent.MessageID, data)
		m := c.expect("") // the current question again, or the menu
		if !strings.Contains(m.Text, "Question 1") && !strings.Contains(m.Text, "Which service") {
			t.Errorf("after pressing %q the bot said %q", data, m.Text)
		}
		waitFor(t, func() bool { return answered(fake, cb) })
	}
	c.press("Very good")
	c.expect("Question 2")
	if n := len(db.answersIn(t, "quick")); n != 1 {
		t.Fatalf("stale presses recorded answers: %d answers", n)
	}
}

func answered(fake *telegramtest.Server, id string) bool {
	for _, a := range fake.CallbackAnswers() {
		if a.ID == id {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeForgetLeavesNoKey(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 6)
	startServe(t, serveEnv(fake, db.url, db.env(nil)))

	c := newCitizen(t, fake, 401, "en")
	c.say("/start quick")
	c.expect("Hello!")
	c.press("I agree")
	c.expect("Question 1")
	c.press("Poor")
	c.expect("Question 2")
	c.press("The time")
	c.expect("Question 3")
	c.say("more evening hours")
	c.expect("Talk soon")
	// Pending follow-up, answers, counters and session all exist now.
	c.say("/mydata")
	m := c.expect("This is what is stored about you")
	if !strings.Contains(m.Text, "more evening hours") {
		t.Errorf("/mydata does not show the answer: %q", m.Text)
	}
	c.say("/forget")
	c.expect("delete everything")
	c.press("Yes, delete everything")
	c.expect("has been deleted")

	for _, k := range db.scanKeys(t) {
		switch {
		case strings.Contains(k, ":u:"), strings.Contains(k, ":s:"), strings.Contains(k, ":i:"):
			t.Errorf("key left behind after /forget: %s", k)
		}
	}
	if a := db.answersIn(t, "quick"); len(a) != 0 {
		t.Errorf("answers left after /forget: %v", a)
	}
	if n, _ := db.rdb.ZCard(context.Background(), db.key("{p:quick}:due")).Result(); n != 0 {
		t.Errorf("%d scheduled prompts left after /forget", n)
	}
	// The follow-up never comes.
	time.Sleep(2500 * time.Millisecond)
	if got := len(sentTo(fake, 401)); got != c.seen {
		t.Errorf("a message came after /forget: %+v", sentTo(fake, 401)[c.seen:])
	}
	c.say("/mydata")
	c.expect("Nothing is stored about you")
}

// TestServeDeclineLeavesNoKey: after a citizen declines consent, no key
// in Redis names them or holds their pseudonyms (by name or in its DUMP),
// but the pacing state of the farewell, which expires by itself.
func TestServeDeclineLeavesNoKey(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 8)
	startServe(t, serveEnv(fake, db.url, db.env(nil)))

	const chat = 402
	c := newCitizen(t, fake, chat, "en")
	c.say("/start quick")
	c.expect("Hello!")
	c.press("No, thanks")
	c.expect("Nothing you said has been saved")

	user := bot.ChatKey([]byte(testKey), chat)
	traces := map[string]string{
		"pseudonym":             user,
		"pilot pseudonym":       bot.PilotPseudonym([]byte(testKey), "quick", user),
		"alert reference":       bot.PilotPseudonym([]byte(testKey), "quick", user)[:16],
		"lobby alert reference": bot.PilotPseudonym([]byte(testKey), "", user)[:16],
	}
	ctx := context.Background()
	var left []string
	for deadline := time.Now().Add(wait); ; time.Sleep(50 * time.Millisecond) {
		left = left[:0]
		for _, k := range db.scanKeys(t) {
			dump, _ := db.rdb.Dump(ctx, k).Result()
			ttl := db.rdb.PTTL(ctx, k).Val()
			// The pacing state of the farewell holds only a time and
			// expires by itself within the chat's burst interval (the
			// in-process Redis does not move its clock, so it stays).
			if strings.Contains(k, ":ot:") && ttl > 0 && ttl <= time.Second {
				continue
			}
			for what, s := range traces {
				if strings.Contains(k, s) || strings.Contains(dump, s) {
					left = append(left, fmt.Sprintf("%s (%s, PTTL %v)", k, what, ttl))
				}
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Fatalf("after declining, keys still name the citizen:\n%s", strings.Join(left, "\n"))
	}
}

// TestServeWarnsWhenAlertsReachNobody: a pilot that promises alerts with
// coordinators set only in COSIE_COORDINATORS, for other pilots, starts
// with a loud error in the log; a pilot without coordinators, and a bot
// without a safeguarding contact, with warnings.
func TestServeWarnsWhenAlertsReachNobody(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"quick.yaml", "second.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "flows", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "quick.yaml" {
			data = []byte(strings.Replace(string(data), "  safeguarding:\n", "  safeguarding:\n    alerts: true\n", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 9)
	srv := startServe(t, serveEnv(fake, db.url, db.env(map[string]string{"COSIE_FLOWS_DIR": dir, "COSIE_COORDINATORS": "elsewhere=42"})))
	logs := srv.logs.String()
	for _, want := range []string{
		`level=ERROR msg="SAFEGUARDING ALERTS REACH NOBODY`, "pilot=quick",
		`level=WARN msg="safeguarding alerts of this pilot reach nobody`, "pilot=second",
		`level=WARN msg="COSIE_SAFEGUARDING_CONTACT is not set`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the start-up log lacks %q:\n%s", want, logs)
		}
	}
	// Without COSIE_COORDINATORS the promise without coordinators is an
	// error of the flow: serve refuses to start.
	env := serveEnv(fake, db.url, db.env(map[string]string{"COSIE_FLOWS_DIR": dir}))
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "have errors") {
		t.Fatalf("serve with a broken promise: %v", err)
	}
}

func TestServeGroupChatGetsOneNotice(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 7)
	startServe(t, serveEnv(fake, db.url, db.env(nil)))
	fake.PushGroupText(-500, 7, "/start")
	fake.WaitSentTo(t, -500, 1, wait)
	fake.PushGroupText(-500, 8, "hello?")
	id := fake.PushGroupText(-500, 9, "anyone?")
	fake.WaitConfirmed(t, id, wait)
	if got := sentTo(fake, -500); len(got) != 1 || !strings.Contains(got[0].Text, "private chats") {
		t.Fatalf("group chat got %+v", got)
	}
}

func TestServeSurvivesRedisRestart(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	mr := miniredis.RunT(t)
	startServe(t, serveEnv(fake, "redis://"+mr.Addr()+"/0", nil))

	c := newCitizen(t, fake, 501, "en")
	c.say("/start quick")
	c.expect("Hello!")
	c.press("I agree")
	c.expect("Question 1")

	mr.Close() // Redis goes away mid-conversation
	id, _ := c.press("Good")
	c.expect("try again in a few minutes")
	c.fake.PushText(c.chat, c.chat, c.lang, "still there?")
	time.Sleep(300 * time.Millisecond)
	if off := fake.ConfirmedOffset(); off > id {
		t.Fatalf("intake moved past an unhandled update: offset %d, update %d", off, id)
	}
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	// Both updates are handled, in order, once Redis is back.
	c.expect("Question 2")
	c.expect("Please choose one of the buttons")
	c.press("The staff")
	c.expect("Question 3")
	if n := len(sentTo(fake, 501)); n != c.seen {
		t.Errorf("extra messages: %+v", sentTo(fake, 501)[c.seen:])
	}
}

func TestServeWebhook(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 8)
	addr := freePort(t)
	srv := startServe(t, serveEnv(fake, db.url, db.env(map[string]string{
		"COSIE_HTTP_ADDR":      addr,
		"COSIE_WEBHOOK_URL":    "https://bot.example.org/hook/tg",
		"COSIE_WEBHOOK_SECRET": "s3cret_value-1",
	})))
	for deadline := time.Now().Add(wait); len(fake.Calls("setWebhook")) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if len(fake.Calls("setWebhook")) != 1 || fake.Calls("setWebhook")[0].Form["secret_token"] != "s3cret_value-1" {
		t.Fatalf("setWebhook calls = %+v", fake.Calls("setWebhook"))
	}
	update := func(id int, text string) string {
		return `{"update_id":` + itoa(id) + `,"message":{"message_id":1,"date":1,"chat":{"id":601,"type":"private"},"from":{"id":601,"is_bot":false,"first_name":"A","language_code":"en"},"text":"` + text + `"}}`
	}
	post := func(secret, body string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+srv.addr+"/hook/tg", strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong", update(1, "/start quick")); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d, want 401", code)
	}
	if code := post("", update(2, "/start quick")); code != http.StatusUnauthorized {
		t.Fatalf("no secret: %d, want 401", code)
	}
	if n := len(fake.Sent()); n != 0 {
		t.Fatalf("an update with a wrong secret was processed: %+v", fake.Sent())
	}
	resp, err := http.Get("http://" + srv.addr + "/hook/tg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d, want 405", resp.StatusCode)
	}
	if code := post("s3cret_value-1", update(3, "/start quick")); code != http.StatusOK {
		t.Fatalf("right secret: %d", code)
	}
	// 200 as soon as the update is kept; the reply follows.
	c := newCitizen(t, fake, 601, "en")
	c.expect("Hello!")
	// Telegram sends it again (it did not see the 200): kept once, answered once.
	if code := post("s3cret_value-1", update(3, "/start quick")); code != http.StatusOK {
		t.Fatalf("redelivery: %d", code)
	}
	if code := post("s3cret_value-1", `{"update_id":`); code != http.StatusBadRequest {
		t.Fatalf("a body that is not an update: %d, want 400", code)
	}
	time.Sleep(300 * time.Millisecond)
	if sent := sentTo(fake, 601); len(sent) != 1 {
		t.Fatalf("after the redelivery: %+v", sent)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestServeHealth(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	mr := miniredis.RunT(t)
	srv := startServe(t, serveEnv(fake, "redis://"+mr.Addr()+"/0", nil))
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + srv.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"redis":"ok"`) || !strings.Contains(body, `"flows":2`) {
		t.Fatalf("healthz = %d %s", code, body)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("readyz = %d", code)
	}
	mr.Close()
	if code, body := get("/healthz"); code != 503 || !strings.Contains(body, "unreachable") {
		t.Fatalf("healthz with Redis down = %d %s", code, body)
	}
}

func TestServeConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no token", map[string]string{}, "TELEGRAM_BOT_TOKEN is not set"},
		{"token and file", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_BOT_TOKEN_FILE": "x"}, "both TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_TOKEN_FILE"},
		{"missing token file", map[string]string{"TELEGRAM_BOT_TOKEN_FILE": "/nonexistent/token"}, "TELEGRAM_BOT_TOKEN_FILE"},
		{"redis without key", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "REDIS_URL": "redis://localhost:1"}, "COSIE_PSEUDONYM_KEY is required with REDIS_URL"},
		{"short key", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "COSIE_PSEUDONYM_KEY": "short"}, "COSIE_PSEUDONYM_KEY is too short"},
		{"bad redis url", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "REDIS_URL": "http://x", "COSIE_PSEUDONYM_KEY": testKey}, "REDIS_URL must start with redis://"},
		{"webhook without secret", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "COSIE_WEBHOOK_URL": "https://x.org/h"}, "COSIE_WEBHOOK_SECRET is required"},
		{"bad log level", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "COSIE_LOG_LEVEL": "loud"}, "COSIE_LOG_LEVEL"},
		{"bad rate", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "COSIE_RATE_LIMIT": "100"}, "COSIE_RATE_LIMIT"},
		{"bad coordinators", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "COSIE_COORDINATORS": "turku=abc"}, "COSIE_COORDINATORS"},
		{"bad safeguarding contact", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "COSIE_SAFEGUARDING_CONTACT": "@anna"}, "COSIE_SAFEGUARDING_CONTACT: \"@anna\" is not a Telegram user id"},
		{"bad flows dir", map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "COSIE_FLOWS_DIR": "/nonexistent"}, "/nonexistent"},
		{"unreachable telegram", map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "TELEGRAM_API_URL": "http://127.0.0.1:1"}, "reach telegram"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr syncBuffer
			err := run(context.Background(), []string{"serve"}, func(k string) string { return tc.env[k] }, strings.NewReader(""), io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error()+stderr.String(), "TESTTOKEN") {
				t.Fatalf("the token leaked: %v %s", err, stderr.String())
			}
		})
	}
}
