package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// The message pipeline under field conditions (issue 7), through serve's
// own wiring against a fake Bot API that enforces Telegram's limits.

// TestFloodDoesNotStallOthers: one chat sends 300 messages in a burst;
// another citizen's first reply still comes within a second, and the
// flooder gets a few polite replies, not 300.
func TestFloodDoesNotStallOthers(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	fake.SetLimits(telegramtest.TelegramLimits())
	db := testRedis(t, 10)
	startServe(t, serveEnv(fake, db.url, db.env(map[string]string{"COSIE_CHAT_INTERVAL": "1s"})))

	flooder := newCitizen(t, fake, 801, "en")
	flooder.say("/start quick")
	flooder.expect("Hello!")
	texts := make([]string, 300)
	for i := range texts {
		texts[i] = fmt.Sprintf("spam %d", i)
	}
	fake.PushTexts(801, 801, "en", texts...)
	time.Sleep(50 * time.Millisecond) // the flood is in the inbox first
	other := newCitizen(t, fake, 802, "en")
	start := time.Now()
	other.say("/start quick")
	other.expect("Hello!")
	took := time.Since(start)
	if took > time.Second {
		t.Errorf("another citizen's first reply took %v during a flood, want under 1 s", took)
	}
	// The flooder: their first messages are answered, then one note asks
	// them to slow down; the rest is dropped. Wait until their replies
	// stop coming (at most one a second).
	got := sentTo(fake, 801)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		time.Sleep(2500 * time.Millisecond)
		now := sentTo(fake, 801)
		if len(now) == len(got) {
			break
		}
		got = now
	}
	slow := 0
	for _, m := range got {
		if strings.Contains(m.Text, "many messages at once") {
			slow++
		}
	}
	if slow != 1 {
		t.Errorf("the flooder was asked to slow down %d times, want once", slow)
	}
	if n := len(got); n > 15 {
		t.Errorf("the flooder got %d replies to 300 messages, want a few", n)
	}
	if st := fake.Stats(); st.Rejected429 > 0 {
		t.Errorf("Telegram answered 429 %d times", st.Rejected429)
	}
	t.Logf("the flooder got %d replies; the other citizen's reply came in %v", len(got), took.Round(time.Millisecond))
}

// TestPoisonUpdate: an update that always fails (its session no longer
// decodes) is tried a few times, then kept as a dead letter while other
// chats go on; the operator can list it and replay it once fixed.
func TestPoisonUpdate(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 11)
	env := serveEnv(fake, db.url, db.env(map[string]string{"COSIE_MAX_TRIES": "3"}))
	startServe(t, env)

	poisoned := newCitizen(t, fake, 811, "en")
	poisoned.say("/start quick")
	poisoned.expect("Hello!")
	key := db.key("{p:quick}:s:" + bot.ChatKey([]byte(testKey), 811))
	good, err := db.rdb.Get(context.Background(), key).Result()
	if err != nil {
		t.Fatalf("the session key %s: %v", key, err)
	}
	if err := db.rdb.Set(context.Background(), key, "1\n{not json", 0).Err(); err != nil {
		t.Fatal(err)
	}
	poisoned.say("hello?")

	other := newCitizen(t, fake, 812, "en")
	start := time.Now()
	other.say("/start quick")
	other.expect("Hello!")
	if d := time.Since(start); d > time.Second {
		t.Errorf("another chat waited %v behind a failing update", d)
	}

	cli := func(args ...string) string {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
		if err != nil {
			t.Fatalf("cosiebot %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
	var list string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if list = cli("deadletters", "list"); strings.Contains(list, "decode session") {
			break
		}
	}
	if !strings.Contains(list, "decode session") || !strings.Contains(list, "message") || strings.Contains(list, "hello?") || strings.Contains(list, "811") {
		t.Fatalf("deadletters list:\n%s", list)
	}
	// Fixed (the session restored), the dead letter is replayed and answered.
	if err := db.rdb.Set(context.Background(), key, good, 0).Err(); err != nil {
		t.Fatal(err)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if out := cli("deadletters", "replay", id); !strings.Contains(out, "handed to the workers again") {
		t.Fatalf("replay: %s", out)
	}
	poisoned.expect("Please choose one of the buttons")
	if list := cli("deadletters", "list"); !strings.Contains(list, "No dead letters") {
		t.Errorf("after the replay:\n%s", list)
	}
}

// TestOutOfOrderAcrossReplicas: two updates of one chat reach two
// replicas at once (webhook: Telegram opens many connections): both are
// applied, none is taken for a repeat and dropped.
func TestOutOfOrderAcrossReplicas(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 12)
	var servers []*server
	for range 2 {
		servers = append(servers, startServe(t, serveEnv(fake, db.url, db.env(map[string]string{
			"COSIE_HTTP_ADDR": freePort(t), "COSIE_WEBHOOK_URL": "https://bot.example.org/hook", "COSIE_WEBHOOK_SECRET": "s3cret",
		}))))
	}
	post := func(s *server, body string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/hook", strings.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("webhook answered %d", resp.StatusCode)
		}
	}
	text := func(id int, s string) string {
		return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1,"chat":{"id":821,"type":"private"},"from":{"id":821,"is_bot":false,"first_name":"A","language_code":"en"},"text":%q}}`, id, id, s)
	}
	post(servers[0], text(10, "/start quick"))
	c := newCitizen(t, fake, 821, "en")
	hello := c.expect("Hello!")
	// Agreeing (update 12) and asking for help (update 11, older) at once,
	// each to another replica.
	agree := hello.Buttons[0][0].Data
	press := fmt.Sprintf(`{"update_id":12,"callback_query":{"id":"cb12","from":{"id":821,"is_bot":false,"first_name":"A","language_code":"en"},"message":{"message_id":1,"date":1,"chat":{"id":821,"type":"private"}},"chat_instance":"1","data":%q}}`, agree)
	var wg sync.WaitGroup
	wg.Go(func() { post(servers[0], press) })
	wg.Go(func() { post(servers[1], text(11, "/help")) })
	wg.Wait()
	var sawQuestion, sawHelp bool
	for deadline := time.Now().Add(wait); time.Now().Before(deadline) && !(sawQuestion && sawHelp); time.Sleep(20 * time.Millisecond) {
		for _, m := range sentTo(fake, 821) {
			sawQuestion = sawQuestion || strings.Contains(m.Text, "Question 1")
			sawHelp = sawHelp || strings.Contains(m.Text, "/stop")
		}
	}
	if !sawQuestion || !sawHelp {
		t.Fatalf("both updates must be applied: question 1 %v, help %v; sent %+v", sawQuestion, sawHelp, sentTo(fake, 821))
	}
}
