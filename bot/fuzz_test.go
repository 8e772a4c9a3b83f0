package bot_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// FuzzHandleTyped drives Handle with extreme and hostile typed answers
// against the store: the embedded Redis, or the real one when REDIS_URL is
// set. Whatever is typed, Handle never fails; every answer the dialogue
// moves on with is stored exactly once (also when the update is delivered
// twice); stored numbers lie within their bounds; and the question's sum
// counter grows by exactly the stored numbers. Run it longer with
//
//	go test ./bot -run '^$' -fuzz FuzzHandleTyped -fuzztime 5m
func FuzzHandleTyped(f *testing.F) {
	for _, s := range [][2]string{
		{"9223372036854770", "7"}, // the number that broke a commit (issue 8)
		{"1e308", "-1e308"},
		{"NaN", "Inf"},
		{"-0", "0x1p-2"},
		{"1,5", "3.5"},
		{"99999999999999999999", "-9223372036854775808"},
		{"1e-400", " 42 "},
		{"1000000000", "-1000000000"},
		{"=cmd|' /C calc'!A0", "\x00\x01\u202e"},
		{"I want to die", "help"},
		{strings.Repeat("9", 400), "٣"},
		{"/restart", "5"},
	} {
		f.Add(s[0], s[1], byte(0))
		f.Add(s[0], s[1], byte(0b10101))
	}
	e := newEnv(f, envOptions{flows: []*flow.Flow{testFlow(f, "numbers.yaml")}, realRedis: true})
	var next atomic.Int64
	f.Fuzz(func(t *testing.T, a, b string, twice byte) {
		e.t = t
		c := e.citizen(6_000_000_000+next.Add(1), "en")
		c.say("/start numbers")
		c.press(":welcome:yes")
		sumsBefore := e.counters("numbers")
		added := map[string]int64{} // thousandths the stored answers add, per result
		for i, text := range []string{a, b, a, b, a} {
			before, recsBefore := c.session(), c.answers()
			in := c.inbound()
			in.Text = text
			c.handle(in)
			if twice>>i&1 == 1 {
				c.handle(in) // delivered again: changes nothing
			}
			after, recs := c.session(), c.answers()
			fresh := newRecords(recsBefore, recs)
			if want := answered(before, after, in.Text); len(fresh) != want {
				t.Fatalf("typing %q at %q: %d answers stored, want %d: %+v", text, before.Flow.Node, len(fresh), want, fresh)
			}
			for _, r := range fresh {
				checkStored(t, r)
				if x, ok := (flow.Answer{Kind: r.Kind, Value: r.Value, Media: r.Media}).Score(); ok {
					added[r.Result] += int64(math.Round(x * 1000))
				}
			}
			checkOnce(t, recs)
		}
		sums := e.counters("numbers")
		for _, result := range []string{"any", "small", "rate"} {
			if got := sums["sum:"+result] - sumsBefore["sum:"+result]; got != added[result] {
				t.Fatalf("the sum of %s grew by %d, the stored answers add %d", result, got, added[result])
			}
		}
	})
}

// answered is how many answers one typed message stores: one when it is
// not a command and the dialogue moved on from a question.
func answered(before, after *bot.Session, typed string) int {
	switch {
	case before == nil || after == nil || strings.HasPrefix(strings.TrimSpace(typed), "/"):
		return 0
	case !slices.Contains([]string{"any", "small", "words", "rate"}, before.Flow.Node):
		return 0
	case after.Flow.Node != before.Flow.Node || after.Flow.Run != before.Flow.Run:
		return 1
	}
	return 0
}

// newRecords are the records of now that were not there before.
func newRecords(before, now []bot.Record) []bot.Record {
	var out []bot.Record
	for _, r := range now {
		if !slices.ContainsFunc(before, func(b bot.Record) bool { return b.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out
}

// checkStored checks a stored number lies within its question's bounds.
func checkStored(t *testing.T, r bot.Record) {
	t.Helper()
	if r.Kind != flow.KindNumber || r.Value == flow.Skipped {
		return
	}
	x, err := strconv.ParseFloat(r.Value, 64)
	lo, hi := flow.MinNumber, flow.MaxNumber
	if r.Result == "small" {
		lo, hi = 0, 10
	}
	if err != nil || math.IsNaN(x) || x < lo || x > hi {
		t.Fatalf("stored %s = %q, out of [%v, %v]", r.Result, r.Value, lo, hi)
	}
}

// checkOnce checks that no question of a dialogue was stored twice.
func checkOnce(t *testing.T, recs []bot.Record) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range recs {
		k := strconv.Itoa(r.Run) + "/" + r.Node
		if seen[k] {
			t.Fatalf("dialogue %d stored %s twice: %+v", r.Run, r.Node, recs)
		}
		seen[k] = true
	}
}
