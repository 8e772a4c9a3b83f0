package console_test

import (
	"bytes"
	"cmp"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/console"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts")

// TestTranscript chats with a shipped flow the way a person at the terminal
// would, through the follow-up two weeks later, and compares what the
// terminal shows with a golden file.
func TestTranscript(t *testing.T) {
	tests := []struct {
		name, pilot, lang, input string
		file                     string // a flow in testdata instead of the shipped ones
		hour                     int    // when the chat starts on Monday 2 March (default 10:00)
	}{
		{"turku.sv", "turku", "sv", "1\n2\n5\nbussen går för sällan\n/voice 4\n1\nhej?\n/wait 14d\n1\n3\n/language\n3\n/photo\nmore staff\n/quit\n", "", 0},
		{"hull.en", "hull", "en", "what?\n1\n/sticker\n4\n1\nnothing\n2\n/mydata\n/quit\n", "", 0},
		// Issue 11: a wait of 10d6h from Monday 15:00 passes the follow-up
		// (Thursday 10:00) and ends in quiet hours (21:00); the follow-up
		// comes at 10:00, and the two reminders of the next waits at theirs.
		// Right to left: the shipped Houten flow in Arabic, and a flow that
		// puts a name, a typed number and an answer into Arabic sentences.
		{"houten.ar", "houten", "ar", "1\n2\n4\nأحتاج إلى مترجم\n1\n/wait 10d\n1\n/quit\n", "", 0},
		{"names.ar", "names", "ar", "1\n١٬٥٠٠\n٣\n1\n/quit\n", "testdata/names.yaml", 0},
		{"clock.en", "clock", "en", "1\n1\n/wait 10d6h\n/wait 2d\n/wait 1d\n1\n/quit\n", "testdata/clock.yaml", 15},
	}
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := flows.Load(flows.Shipped(), "", flow.Options{Languages: words.Languages(), Scripts: words})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rdb, stop, err := redisstore.Embedded()
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			set := bot.NewFlows(all...)
			if tc.file != "" {
				set = bot.NewFlows(loadFile(t, tc.file, words))
			}
			f := set.Get(tc.pilot)
			clock := bot.NewManualClock(time.Date(2026, 3, 2, cmp.Or(tc.hour, 10), 0, 0, 0, f.Pilot.Timezone))
			var out bytes.Buffer
			send := console.NewSender(&out)
			key := []byte("console-test-pseudonym-key")
			store := redisstore.New(rdb, redisstore.Options{ChatKey: func(chat int64) string { return bot.ChatKey(key, chat) }})
			svc, err := bot.New(bot.Config{Store: store, Acker: send, Courier: courier.NewDirect(store, send, nil, nil), Clock: clock,
				Words: words, Flows: set, PseudonymKey: key})
			if err != nil {
				t.Fatal(err)
			}
			err = console.Run(context.Background(), strings.NewReader(tc.input), &out, svc, send, clock, console.Options{Pilot: tc.pilot, Lang: tc.lang, Due: store})
			if err != nil {
				t.Fatal(err)
			}
			golden := "testdata/" + tc.name + ".golden"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got := out.String(); got != string(want) {
				t.Errorf("the transcript differs from %s (run with -update after checking):\n%s", golden, got)
			}
		})
	}
}

func loadFile(t *testing.T, name string, words *locales.Catalog) *flow.Flow {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := flow.Load(name, data, flow.Options{Languages: words.Languages(), Scripts: words})
	if f == nil {
		t.Fatalf("load %s: %s", name, diags)
	}
	return f
}
