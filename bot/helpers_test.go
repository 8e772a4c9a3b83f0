package bot_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
	"github.com/redis/go-redis/v9"
)

func TestMain(m *testing.M) {
	// The store-down test closes Redis on purpose: keep go-redis's dial
	// failures out of the test output.
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

type quietLogger struct{}

func (quietLogger) Printf(_ context.Context, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if !strings.Contains(msg, "failed to dial") {
		fmt.Fprintln(os.Stderr, "redis:", msg)
	}
}

// ---- the bot's words and flows, loaded once --------------------------------

var (
	loadOnce  sync.Once
	words     *locales.Catalog
	shipped   []*flow.Flow
	loadError error
)

func load(t testing.TB) {
	t.Helper()
	loadOnce.Do(func() {
		words, loadError = locales.Default()
		if loadError != nil {
			return
		}
		var diags flow.Diagnostics
		shipped, diags, loadError = flows.Load(flows.Shipped(), "flows", flow.Options{Languages: words.Languages()})
		if loadError == nil && diags.HasErrors() {
			loadError = fmt.Errorf("shipped flows: %v", diags)
		}
	})
	if loadError != nil {
		t.Fatal(loadError)
	}
}

// catalog returns the bot's own words.
func catalog(t testing.TB) *locales.Catalog {
	load(t)
	return words
}

// shippedFlow returns one shipped pilot's flow.
func shippedFlow(t testing.TB, pilot string) *flow.Flow {
	load(t)
	for _, f := range shipped {
		if f.Pilot.ID == pilot {
			return f
		}
	}
	t.Fatalf("no shipped pilot %q", pilot)
	return nil
}

// allShipped returns every shipped flow.
func allShipped(t testing.TB) []*flow.Flow {
	load(t)
	return slices.Clone(shipped)
}

// testFlow loads a flow file from testdata.
func testFlow(t testing.TB, name string) *flow.Flow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, diags := flow.Load(name, data, flow.Options{Languages: catalog(t).Languages()})
	if f == nil || diags.HasErrors() {
		t.Fatalf("load %s: %v", name, diags)
	}
	return f
}

// say renders one of the bot's own messages.
func say(t testing.TB, lang, id string) string {
	return catalog(t).Say(lang, id, nil)
}

// ---- a recording Sender ------------------------------------------------------

// event is one call the service made on the sender.
type event struct {
	Kind      string // "send", "ack", "chosen", "doc"
	Chat      int64
	Msg       flow.Message
	ID        int    // message id given to a sent message
	Callback  string // ack
	Text      string // ack text, chosen label, document caption
	MessageID int    // chosen: the message whose keyboard was replaced
	Name      string // doc
	Data      []byte // doc
	Err       error  // what the sender returned
}

// recorder is the transport of a direct courier and the service's Acker:
// it records every message delivered and every press answered. It can be
// told to answer ErrBlocked for a chat, or to fail every call.
type recorder struct {
	mu      sync.Mutex
	events  []event
	nextID  int
	blocked map[int64]bool
	failing map[int64]error
	failAll error
}

var (
	_ bot.Acker         = (*recorder)(nil)
	_ courier.Transport = (*recorder)(nil)
	_ courier.Numbered  = (*recorder)(nil)
)

// Deliver records one message of the outbox as the Bot API call it makes.
func (r *recorder) Deliver(ctx context.Context, o bot.Out) error {
	_, err := r.DeliverID(ctx, o)
	return err
}

// DeliverID is Deliver, and gives a sent message its id, as Telegram does.
func (r *recorder) DeliverID(ctx context.Context, o bot.Out) (int, error) {
	switch {
	case o.Edit != 0:
		return 0, r.MarkChosen(ctx, o.Chat, o.Edit, o.Text)
	case o.File != "":
		return 0, r.SendDocument(ctx, o.Chat, o.File, o.Data, o.Text)
	}
	return r.send(o.Chat, flow.Message{Text: o.Text, Buttons: o.Buttons})
}

func newRecorder() *recorder {
	return &recorder{blocked: map[int64]bool{}, failing: map[int64]error{}}
}

func (r *recorder) errFor(chat int64) error {
	switch {
	case r.failAll != nil:
		return r.failAll
	case r.blocked[chat]:
		return bot.ErrBlocked
	}
	return r.failing[chat]
}

func (r *recorder) Send(_ context.Context, chat int64, m flow.Message) error {
	_, err := r.send(chat, m)
	return err
}

func (r *recorder) send(chat int64, m flow.Message) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.errFor(chat)
	e := event{Kind: "send", Chat: chat, Msg: m, Err: err}
	if err == nil {
		r.nextID++
		e.ID = r.nextID
	}
	r.events = append(r.events, e)
	return e.ID, err
}

func (r *recorder) Acknowledge(_ context.Context, callbackID, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{Kind: "ack", Callback: callbackID, Text: text, Err: r.failAll})
	return r.failAll
}

func (r *recorder) MarkChosen(_ context.Context, chat int64, messageID int, label string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.errFor(chat)
	r.events = append(r.events, event{Kind: "chosen", Chat: chat, MessageID: messageID, Text: label, Err: err})
	return err
}

func (r *recorder) SendDocument(_ context.Context, chat int64, name string, data []byte, caption string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.errFor(chat)
	r.events = append(r.events, event{Kind: "doc", Chat: chat, Name: name, Data: slices.Clone(data), Text: caption, Err: err})
	return err
}

func (r *recorder) block(chat int64) {
	r.mu.Lock()
	r.blocked[chat] = true
	r.mu.Unlock()
}

func (r *recorder) fail(chat int64, err error) {
	r.mu.Lock()
	r.failing[chat] = err
	r.mu.Unlock()
}

// failEverything makes every call fail, acknowledgements included.
func (r *recorder) failEverything(err error) {
	r.mu.Lock()
	r.failAll = err
	r.mu.Unlock()
}

// mark returns a position in the log, for since.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// since returns the events after a mark.
func (r *recorder) since(mark int) []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events[mark:])
}

func (r *recorder) all() []event { return r.since(0) }

// sent returns the messages delivered to a chat after a mark.
func (r *recorder) sent(chat int64, mark int) []event {
	var out []event
	for _, e := range r.since(mark) {
		if e.Kind == "send" && e.Chat == chat && e.Err == nil {
			out = append(out, e)
		}
	}
	return out
}

// texts returns the texts of the messages delivered to a chat after a mark.
func (r *recorder) texts(chat int64, mark int) []string {
	var out []string
	for _, e := range r.sent(chat, mark) {
		out = append(out, e.Msg.Text)
	}
	return out
}

// acks counts the acknowledgements of a press.
func (r *recorder) acks(callbackID string) int {
	n := 0
	for _, e := range r.all() {
		if e.Kind == "ack" && e.Callback == callbackID {
			n++
		}
	}
	return n
}

// ofKind returns the events of a kind after a mark.
func (r *recorder) ofKind(kind string, mark int) []event {
	var out []event
	for _, e := range r.since(mark) {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// button finds the newest button in a chat whose data equals data (or ends
// with it, when it starts with ":", as in ":ask_reason:staff") or whose label
// contains it, and the message that carries it.
func (r *recorder) button(chat int64, data string) (flow.Button, int, bool) {
	msgs := r.sent(chat, 0)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Msg.Buttons {
			for _, b := range row {
				if b.Data == data || strings.HasPrefix(data, ":") && strings.HasSuffix(b.Data, data) {
					return b, msgs[i].ID, true
				}
			}
		}
		for _, row := range msgs[i].Msg.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, data) {
					return b, msgs[i].ID, true
				}
			}
		}
	}
	return flow.Button{}, 0, false
}

func buttonData(m flow.Message) []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Data)
		}
	}
	return out
}

// ---- a service on an in-process Redis -----------------------------------------

// testKey is the pseudonym key of every test service.
var testKey = []byte("test-pseudonym-key-0123456789")

// march2 is a Monday, 10:00 in Turku.
var march2 = time.Date(2026, 3, 2, 10, 0, 0, 0, mustLoc("Europe/Helsinki"))

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

type env struct {
	t      testing.TB
	ctx    context.Context
	svc    *bot.Service
	store  *redisstore.Store
	rdb    redis.UniversalClient
	mr     *miniredis.Miniredis // only when the test runs its own server
	rec    *recorder
	clock  *bot.ManualClock
	update int64
	mu     sync.Mutex
}

type envOptions struct {
	flows        []*flow.Flow
	coordinators map[string][]int64
	contact      []int64 // the safeguarding contact (COSIE_SAFEGUARDING_CONTACT)
	start        time.Time
	ownRedis     bool // a miniredis the test controls (close, restart, time)
	// realRedis: the Redis at REDIS_URL when it is set (a key prefix of
	// the test's own), else the embedded one.
	realRedis bool
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	load(t)
	if o.start.IsZero() {
		o.start = march2
	}
	if len(o.flows) == 0 {
		o.flows = []*flow.Flow{shippedFlow(t, "turku")}
	}
	e := &env{t: t, ctx: context.Background(), rec: newRecorder(), clock: bot.NewManualClock(o.start)}
	ns := "" // the store's default
	if o.ownRedis {
		e.mr = miniredis.NewMiniRedis()
		if err := e.mr.StartAddr("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		e.mr.SetTime(o.start)
		e.rdb = redis.NewClient(&redis.Options{Addr: e.mr.Addr(), MaxRetries: -1, DialerRetries: 1,
			DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
		t.Cleanup(func() { _ = e.rdb.Close(); e.mr.Close() })
	} else if o.realRedis {
		clients, prefix := replicaClients(t, 1)
		e.rdb, ns = clients[0], prefix
	} else {
		rdb, stop, err := redisstore.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		e.rdb = rdb
		t.Cleanup(stop)
	}
	key := testKey
	e.store = redisstore.New(e.rdb, redisstore.Options{Namespace: ns, ChatKey: func(chat int64) string { return bot.ChatKey(key, chat) }})
	blocked := func(ctx context.Context, chat int64) error { return e.svc.Blocked(ctx, chat) }
	svc, err := bot.New(bot.Config{
		Store: e.store, Acker: e.rec, Courier: courier.NewDirect(e.store, e.rec, blocked, nil), Clock: e.clock,
		Words: words, Flows: bot.NewFlows(o.flows...), PseudonymKey: key, Coordinators: o.coordinators,
		SafeguardingContact: o.contact, BotUsername: "cosie_test_bot",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

// advance moves the clock (and the test's own Redis clock) forward.
func (e *env) advance(d time.Duration) {
	now := e.clock.Advance(d)
	if e.mr != nil {
		e.mr.SetTime(now)
	}
}

func (e *env) nextUpdate() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.update++
	return e.update
}

// fire runs FireDue and fails the test on an error.
func (e *env) fire() int {
	e.t.Helper()
	n, err := e.svc.FireDue(e.ctx)
	if err != nil {
		e.t.Fatalf("FireDue: %v", err)
	}
	return n
}

func (e *env) counters(pilot string) map[string]int64 {
	e.t.Helper()
	c, err := e.store.Counters(e.ctx, pilot, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// citizen is one Telegram user in a private chat with the bot.
type citizen struct {
	e    *env
	id   int64
	lang string
	name string
}

func (e *env) citizen(id int64, lang string) *citizen {
	return &citizen{e: e, id: id, lang: lang, name: "Zebulon"}
}

func (c *citizen) pseudonym() string { return c.e.svc.Pseudonym(c.id) }

func (c *citizen) inbound() bot.Inbound {
	return bot.Inbound{UpdateID: c.e.nextUpdate(), ChatID: c.id, UserID: c.id, Private: true, Lang: c.lang, FirstName: c.name}
}

// handle sends an inbound event and fails the test if the bot fails.
func (c *citizen) handle(in bot.Inbound) {
	c.e.t.Helper()
	if err := c.e.svc.Handle(c.e.ctx, in); err != nil {
		c.e.t.Fatalf("Handle(%+v): %v", in, err)
	}
}

// say types text and returns the texts of the replies.
func (c *citizen) say(text string) []string {
	c.e.t.Helper()
	mark := c.e.rec.mark()
	in := c.inbound()
	in.Text = text
	c.handle(in)
	return c.e.rec.texts(c.id, mark)
}

// voice sends a voice note.
func (c *citizen) voice(fileID string) []string {
	c.e.t.Helper()
	mark := c.e.rec.mark()
	in := c.inbound()
	in.Media = &flow.Media{Type: "voice", FileID: fileID, Duration: 7}
	c.handle(in)
	return c.e.rec.texts(c.id, mark)
}

// pressIn builds the press of the newest button whose data is data or whose
// label contains it.
func (c *citizen) pressIn(data string) bot.Inbound {
	c.e.t.Helper()
	b, msg, ok := c.e.rec.button(c.id, data)
	if !ok {
		c.e.t.Fatalf("citizen %d sees no button %q; last messages: %q", c.id, data, lastTexts(c.e.rec.texts(c.id, 0), 3))
	}
	in := c.inbound()
	in.Data, in.MessageID, in.CallbackID = b.Data, msg, "cb-"+strconv.FormatInt(in.UpdateID, 10)
	return in
}

// press presses a button and returns the texts of the replies.
func (c *citizen) press(data string) []string {
	c.e.t.Helper()
	in := c.pressIn(data)
	mark := c.e.rec.mark()
	c.handle(in)
	return c.e.rec.texts(c.id, mark)
}

// pressRaw presses a button with made-up data on no particular message.
func (c *citizen) pressRaw(data string) bot.Inbound {
	in := c.inbound()
	in.Data, in.CallbackID = data, "cb-"+strconv.FormatInt(in.UpdateID, 10)
	return in
}

// session loads the citizen's stored session.
func (c *citizen) session() *bot.Session {
	c.e.t.Helper()
	s, err := c.e.store.Load(c.e.ctx, c.pseudonym())
	if err != nil {
		c.e.t.Fatal(err)
	}
	return s
}

// answers loads the citizen's stored answers.
func (c *citizen) answers() []bot.Record {
	c.e.t.Helper()
	a, err := c.e.store.Answers(c.e.ctx, c.pseudonym())
	if err != nil {
		c.e.t.Fatal(err)
	}
	return a
}

func lastTexts(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// contains reports whether any text contains sub.
func anyContains(texts []string, sub string) bool {
	for _, s := range texts {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func mustContain(t testing.TB, texts []string, sub string) {
	t.Helper()
	if !anyContains(texts, sub) {
		t.Fatalf("no reply contains %q; the replies were:\n%s", sub, strings.Join(texts, "\n---\n"))
	}
}

var errDown = errors.New("telegram is down")
