package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
	"github.com/cosie/cosiebot/locales"
)

// child is `cosiebot serve` as a separate process, so it can be killed
// with SIGKILL at any moment.
type child struct {
	t    *testing.T
	bin  string
	env  []string
	cmd  *exec.Cmd
	logs *syncBuffer
}

func (c *child) start() {
	c.t.Helper()
	c.cmd = exec.Command(c.bin, "serve")
	c.cmd.Env = c.env
	c.cmd.Stdout = c.logs
	c.cmd.Stderr = c.logs
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	mark := strings.Count(c.logs.String(), "listening on")
	deadline := time.Now().Add(wait)
	for strings.Count(c.logs.String(), "listening on") == mark {
		if time.Now().After(deadline) {
			c.t.Fatalf("child did not start:\n%s", c.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *child) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
}

// waitContains waits for a message to the citizen that contains text,
// skipping repeats (a question may come twice after a crash), and returns
// it.
func (c *citizen) waitContains(text string) telegramtest.Sent {
	c.t.Helper()
	deadline := time.Now().Add(3 * wait)
	for {
		msgs := sentTo(c.fake, c.chat)
		for i := c.seen; i < len(msgs); i++ {
			if strings.Contains(msgs[i].Text, text) {
				c.seen = i + 1
				return msgs[i]
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("chat %d: no message containing %q; got %+v", c.chat, text, msgs[c.seen:])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeKilledAtAnyMomentLosesNothingAndCountsOnce(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cosiebot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 9)
	env := os.Environ()
	for k, v := range serveEnv(fake, db.url, db.env(map[string]string{"COSIE_CLAIM_LEASE": "1s", "COSIE_DISPATCH_EVERY": "100ms"})) {
		env = append(env, k+"="+v)
	}
	ch := &child{t: t, bin: bin, env: env, logs: &syncBuffer{}}
	ch.start()
	defer func() { ch.kill() }()

	rng := rand.New(rand.NewPCG(1, 2))
	kills := 0
	// After each citizen action, kill the bot at a random moment (often in
	// the middle of handling), start it again, and check the conversation
	// goes on.
	act := func(do func()) {
		do()
		time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
		if rng.IntN(3) > 0 {
			ch.kill()
			kills++
			ch.start()
		}
	}
	const citizens = 4
	for i := range citizens {
		c := newCitizen(t, fake, int64(700+i), "en")
		act(func() { c.say("/start quick") })
		c.waitContains("Hello!")
		act(func() { c.press("I agree") })
		c.waitContains("Question 1")
		act(func() { c.press("Good") })
		c.waitContains("Question 2")
		act(func() { c.press("The time") })
		c.waitContains("Question 3")
		act(func() { c.say(fmt.Sprintf("idea number %d", i)) })
		c.waitContains("Follow-up: did it help?")
		act(func() { c.press("No") })
		c.waitContains("Thank you, bye!")
	}
	t.Logf("killed the bot %d times", kills)
	if kills < 5 {
		t.Fatalf("only %d kills; the test did not test much", kills)
	}

	// Every answer is stored exactly once.
	perCitizen := map[string]map[string]int{}
	for _, raw := range db.answersIn(t, "quick") {
		var a struct{ U, K, V, X string }
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			t.Fatal(err)
		}
		if perCitizen[a.U] == nil {
			perCitizen[a.U] = map[string]int{}
		}
		perCitizen[a.U][a.K]++
	}
	if len(perCitizen) != citizens {
		t.Fatalf("answers from %d citizens, want %d", len(perCitizen), citizens)
	}
	for u, counts := range perCitizen {
		for _, result := range []string{"experience", "reason", "idea", "helped"} {
			if counts[result] != 1 {
				t.Errorf("citizen %s: %q stored %d times, want once", u[:8], result, counts[result])
			}
		}
	}
	// Counters are not double-counted either.
	all, err := db.rdb.HGetAll(context.Background(), db.key("{p:quick}:c:all")).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"started", "completed", "answered:rate", "answered:idea", "fu_sent", "fu_answered"} {
		if all[field] != fmt.Sprint(citizens) {
			t.Errorf("counter %s = %q, want %d", field, all[field], citizens)
		}
	}
	if strings.Contains(ch.logs.String(), "TESTTOKEN") {
		t.Error("the bot token appeared in the logs")
	}
}

// TestKillTwoReplicasDispatching: two replicas (separate processes sharing
// one Redis) dispatch many due follow-ups while citizens talk to them, and
// are killed with SIGKILL at random moments and started again. Every
// follow-up and every reply arrives; a message may come twice only when a
// replica died between Telegram accepting it and the outbox hearing so
// (the documented window), so duplicates are counted and bounded by the
// kills. COSIE_KILL_FOLLOWUPS (default 200) sets the number; the note
// reports a run with 1,000.
func TestKillTwoReplicasDispatching(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about half a minute")
	}
	n := envInt("COSIE_KILL_FOLLOWUPS", 200)
	bin := filepath.Join(t.TempDir(), "cosiebot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fake := telegramtest.New(t, testToken)
	fake.SetLimits(telegramtest.TelegramLimits())
	db := testRedis(t, 13)
	env := os.Environ()
	for k, v := range serveEnv(fake, db.url, db.env(map[string]string{"COSIE_DISPATCH_EVERY": "200ms", "COSIE_CHAT_INTERVAL": "1s"})) {
		env = append(env, k+"="+v)
	}
	var replicas [2]*child
	for i := range replicas {
		env := append(slices.Clone(env), "COSIE_HTTP_ADDR="+freePort(t))
		replicas[i] = &child{t: t, bin: bin, env: env, logs: &syncBuffer{}}
		replicas[i].start()
	}
	defer func() {
		for _, r := range replicas {
			r.kill()
		}
	}()

	// n citizens waiting at the follow-up, due now.
	const base = 9_000_000
	seedWaiting(t, db, base, n)

	stop := make(chan struct{})
	var kills atomic.Int64
	var killer sync.WaitGroup
	killer.Go(func() {
		rng := rand.New(rand.NewPCG(3, 4))
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(500+rng.IntN(2500)) * time.Millisecond):
			}
			r := replicas[rng.IntN(2)]
			r.kill()
			kills.Add(1)
			r.start()
		}
	})
	// Meanwhile citizens talk to the bot.
	var talk sync.WaitGroup
	for i := range 4 {
		talk.Go(func() {
			c := newCitizen(t, fake, int64(700+i), "en")
			c.say("/start quick")
			c.waitContains("Hello!")
			c.press("I agree")
			c.waitContains("Question 1")
			c.press("Good")
			c.waitContains("Question 2")
			c.press("The time")
			c.waitContains("Question 3")
			c.say(fmt.Sprintf("idea number %d", i))
			c.waitContains("Follow-up: did it help?")
			c.press("No")
			c.waitContains("Thank you, bye!")
		})
	}
	talk.Wait()
	deadline := time.Now().Add(time.Duration(n)/20*time.Second + time.Minute)
	for time.Now().Before(deadline) && followUpsDelivered(fake, base, n) < n {
		time.Sleep(200 * time.Millisecond)
	}
	close(stop)
	killer.Wait()

	got := map[int64]int{}
	for _, m := range fake.Sent() {
		if m.ChatID >= base && m.ChatID < base+int64(n) && strings.Contains(m.Text, "Follow-up: did it help?") {
			got[m.ChatID]++
		}
	}
	missing, twice := 0, 0
	for i := range n {
		switch c := got[base+int64(i)]; {
		case c == 0:
			missing++
		case c > 1:
			twice += c - 1
		}
	}
	t.Logf("%d follow-ups, %d kills: %d missing, %d sent again (the window after Telegram accepted a message and before the outbox heard so); 429s: %d",
		n, kills.Load(), missing, twice, fake.Stats().Rejected429)
	if missing > 0 {
		t.Errorf("%d of %d follow-ups never arrived", missing, n)
	}
	// At most the messages in flight at each kill: a replica sends to at
	// most 32 chats at once.
	if limit := int(kills.Load()) * 32; twice > limit {
		t.Errorf("%d follow-ups came twice, more than the %d in flight at the kills", twice, limit)
	}
}

// followUpsDelivered counts the chats of base..base+n that got their
// follow-up.
func followUpsDelivered(fake *telegramtest.Server, base int64, n int) int {
	seen := map[int64]bool{}
	for _, m := range fake.Sent() {
		if m.ChatID >= base && m.ChatID < base+int64(n) && strings.Contains(m.Text, "Follow-up: did it help?") {
			seen[m.ChatID] = true
		}
	}
	return len(seen)
}

// seedWaiting stores n citizens (chats base, base+1, ...) of the quick flow
// waiting at its follow-up, due now, as serve would have left them.
func seedWaiting(t *testing.T, db testDB, base int64, n int) {
	t.Helper()
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	set, err := loadFlows(source{fsys: os.DirFS("testdata/flows"), dir: "testdata/flows"}, words, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	f := set.Get("quick")
	store := redisstore.New(db.rdb, redisstore.Options{Namespace: db.prefix, ChatKey: func(c int64) string { return bot.ChatKey([]byte(testKey), c) }})
	now := time.Now()
	for i := range n {
		chat := base + int64(i)
		user := bot.ChatKey([]byte(testKey), chat)
		sess := &bot.Session{Pilot: "quick", Chat: chat, Created: now.Unix(), Updated: now.Unix(),
			Flow: flow.State{Node: "wait", Await: "time", Version: f.Version, Lang: "en", Seq: 5, Run: 1, Due: now.Unix()}}
		err := store.Commit(context.Background(), &bot.Commit{User: user, Pilot: "quick", Point: true, Session: sess,
			TTL: time.Hour, Day: now.In(f.Pilot.Timezone).Format(time.DateOnly),
			Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "wait", Seq: 5, Due: now}}})
		if err != nil {
			t.Fatal(err)
		}
	}
}
