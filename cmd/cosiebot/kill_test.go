package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
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
