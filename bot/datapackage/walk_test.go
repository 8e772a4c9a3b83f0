package datapackage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/datapackage"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

var testKey = []byte("datapackage-test-pseudonym-key")

// inbox is a transport and acker that keeps each chat's last message and
// the invitation links citizens were given.
type inbox struct {
	mu      sync.Mutex
	last    map[int64]flow.Message
	invites []string
}

var payloadRE = regexp.MustCompile(`\?start=([A-Za-z0-9_-]+)`)

func (b *inbox) Deliver(_ context.Context, o bot.Out) error {
	if o.Edit != 0 || o.File != "" {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last[o.Chat] = flow.Message{Text: o.Text, Buttons: o.Buttons}
	for _, p := range payloadRE.FindAllStringSubmatch(o.Text, -1) {
		b.invites = append(b.invites, p[1])
	}
	return nil
}

func (b *inbox) Acknowledge(context.Context, string, string) error { return nil }

// run is a test run of a few flows: simulated citizens answer at random.
type run struct {
	t      testing.TB
	ctx    context.Context
	svc    *bot.Service
	store  *redisstore.Store
	clock  *bot.ManualClock
	box    *inbox
	words  *locales.Catalog
	rng    *rand.Rand
	update int64
}

func newRun(t testing.TB, fs []*flow.Flow, words *locales.Catalog) *run {
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	r := &run{t: t, ctx: context.Background(), store: redisstore.New(rdb, redisstore.Options{}), words: words,
		clock: bot.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), box: &inbox{last: map[int64]flow.Message{}},
		rng: rand.New(rand.NewPCG(13, 13))}
	r.svc, err = bot.New(bot.Config{Store: r.store, Acker: r.box, Courier: courier.NewDirect(r.store, r.box, nil, nil),
		Clock: r.clock, Words: words, Flows: bot.NewFlows(fs...), PseudonymKey: testKey, BotUsername: "cosie_test_bot",
		Random: rand.NewChaCha8([32]byte{13})})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *run) send(chat int64, in bot.Inbound) {
	r.t.Helper()
	r.update++
	in.UpdateID, in.ChatID, in.UserID, in.Private, in.Lang, in.FirstName = r.update, chat, chat, true, "", "Zebulon"
	if err := r.svc.Handle(r.ctx, in); err != nil {
		r.t.Fatal(err)
	}
}

// citizen answers one dialogue of f at random: buttons pressed, numbers
// and words typed, sometimes a voice message, until the dialogue ends.
func (r *run) citizen(f *flow.Flow, chat int64) {
	start := f.Pilot.ID
	r.clock.Set(r.clock.Now().Add(7 * time.Minute))
	switch {
	case len(r.box.invites) > 0 && r.rng.IntN(3) > 0:
		start, r.box.invites = r.box.invites[0], r.box.invites[1:]
	case r.rng.IntN(2) == 0:
		start += "S" + []string{"library", "jobcentre-desk", "youth_club"}[r.rng.IntN(3)]
	}
	lang := f.Pilot.Languages[r.rng.IntN(len(f.Pilot.Languages))]
	r.send(chat, bot.Inbound{Text: "/start " + start, Lang: lang})
	for range 40 {
		sess, err := r.store.Load(r.ctx, r.svc.Pseudonym(chat))
		if err != nil {
			r.t.Fatal(err)
		}
		if sess == nil || sess.Flow.Done {
			return
		}
		if sess.Flow.Waiting() {
			r.clock.Set(time.Unix(sess.Flow.Due, 0).Add(time.Minute))
			if _, err := r.svc.FireDue(r.ctx); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		r.answer(f.Node(sess.Flow.Node), chat)
	}
}

// answer answers the question the citizen is at.
func (r *run) answer(n *flow.Node, chat int64) {
	m := r.box.last[chat]
	var press []string
	for _, row := range m.Buttons {
		for _, b := range row {
			c, ok := flow.ParseCallback(b.Data)
			if b.Data != "" && ok && c.Kind == flow.CallbackFlow && (c.Option != "no" || n.Kind != flow.KindConsent || r.rng.IntN(8) == 0) {
				press = append(press, b.Data)
			}
		}
	}
	switch {
	case n != nil && n.Kind == flow.KindNumber:
		lo, hi := 0.0, 40.0
		if n.Min != nil {
			lo = *n.Min
		}
		if n.Max != nil {
			hi = min(*n.Max, lo+40)
		}
		r.send(chat, bot.Inbound{Text: strconv.Itoa(int(lo) + r.rng.IntN(int(hi-lo)+1))})
	case len(press) > 0 && (n == nil || n.Kind != flow.KindText || r.rng.IntN(3) == 0):
		r.send(chat, bot.Inbound{Data: press[r.rng.IntN(len(press))], CallbackID: "cb"})
	case r.rng.IntN(4) == 0:
		r.send(chat, bot.Inbound{Media: &flow.Media{Type: "voice", FileID: fmt.Sprintf("voice-%d", chat), Duration: 5}})
	default:
		words := []string{"Longer opening hours, please", "=1+1 the bus is late", "Henkilökunta oli ystävällinen", "ok"}
		r.send(chat, bot.Inbound{Text: words[r.rng.IntN(len(words))]})
	}
}

// packages writes the data package of each flow after a test run with
// citizens citizens, and returns their folders.
func packages(t *testing.T, fs []*flow.Flow, words *locales.Catalog, citizens int) map[string]string {
	r := newRun(t, fs, words)
	chat := int64(5000)
	for _, f := range fs {
		for range citizens {
			chat++
			r.citizen(f, chat)
		}
	}
	// The first citizen of the last pilot forgets: when they invited
	// people, their place in the chains stays, anonymous.
	first := chat - int64(citizens) + 1
	r.send(first, bot.Inbound{Text: "/forget"})
	r.send(first, bot.Inbound{Data: r.box.last[first].Buttons[0][0].Data, CallbackID: "cb"})
	out := map[string]string{}
	base := t.TempDir()
	if keep := os.Getenv("COSIE_KEEP_DATAPACKAGES"); keep != "" {
		base = keep
	}
	for _, f := range fs {
		ds, err := bot.BuildDataset(r.ctx, r.store, f, bot.DatasetOptions{Key: testKey, Words: words, Now: r.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(base, f.Pilot.ID)
		if _, err := datapackage.Write(dir, ds); err != nil {
			t.Fatal(err)
		}
		out[f.Pilot.ID] = dir
	}
	return out
}

func loadShipped(t testing.TB) ([]*flow.Flow, *locales.Catalog) {
	t.Helper()
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	fs, diags, err := flows.Load(flows.Shipped(), "flows", flow.Options{Languages: words.Languages()})
	if err != nil || diags.HasErrors() {
		t.Fatalf("shipped flows: %v %v", err, diags)
	}
	data, err := os.ReadFile("testdata/peers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	peers, diags := flow.Load("peers.yaml", data, flow.Options{Languages: words.Languages()})
	if peers == nil || diags.HasErrors() {
		t.Fatalf("peers.yaml: %v", diags)
	}
	return append(fs, peers), words
}
