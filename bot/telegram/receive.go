package telegram

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/locales"
)

// Inbox is the durable inbox, as intake and the workers use it; the Redis
// store implements it.
type Inbox interface {
	// PushAll keeps updates until they are handled, in one round trip;
	// maxWaiting bounds what one chat may have waiting. On an error the
	// first len(results) were kept.
	// The first claim updates whose chat is idle are also leased to the
	// caller until leaseEnd, and returned as claims to handle at once.
	PushAll(ctx context.Context, es []bot.InboxEntry, maxWaiting, claim int, leaseEnd time.Time) ([]bot.PushResult, []bot.InboxClaim, error)
	ClaimIn(ctx context.Context, shard int, now time.Time, lease time.Duration, max int) ([]bot.InboxClaim, time.Time, error)
	AckIn(ctx context.Context, c bot.InboxClaim, now, leaseEnd time.Time, keep bool) (*bot.InboxClaim, error)
	FailIn(ctx context.Context, c bot.InboxClaim, cause string, maxTries int, now, retryAt time.Time) (dead bool, err error)
	WaitIn(ctx context.Context, shard int, timeout time.Duration) error
	// RenewIn extends the lease on a chat being handled.
	RenewIn(ctx context.Context, c bot.InboxClaim, leaseEnd time.Time) error
	// Lead takes or renews a leadership (one replica polls Telegram).
	Lead(ctx context.Context, name, token string, ttl time.Duration) (bool, error)
	Resign(ctx context.Context, name, token string) error
}

// Observer is told what intake and the workers do, for metrics.
type Observer interface {
	Received(kind string)         // an update arrived (message, callback, ...)
	Pushed(result bot.PushResult) // what the inbox did with it
	Handled(took time.Duration)   // an update was handled
	Failed(dead bool)             // a try failed; dead: it became a dead letter
	Apologised()                  // a citizen was told the bot is back shortly
}

// ReceiverOptions tunes a Receiver.
type ReceiverOptions struct {
	// MaxWaiting is how many updates one chat may have waiting; more are
	// dropped, and the citizen asked once to slow down. Default 10.
	MaxWaiting int
	// LeaderTTL is how long the polling leadership lasts unrenewed: after
	// a crash, another replica (or the restarted one) polls after it.
	// Default 10s.
	LeaderTTL time.Duration
	// Workers, when set, handle at once the updates whose chat was idle:
	// the push leases them to this replica if it has free workers.
	Workers  *Workers
	Words    *locales.Catalog // for the apology while Redis is down
	Logger   *slog.Logger
	Observer Observer
}

// Receiver takes updates from Telegram, by long polling (one replica at a
// time polls) or by webhook, writes each to the durable inbox and only
// then confirms it to Telegram, so intake never waits for handling and a
// crash loses nothing.
type Receiver struct {
	c     *Client
	inbox Inbox
	opts  ReceiverOptions
	log   *slog.Logger
	token string // this replica's leadership token

	draining atomic.Bool
	sorry    apologies
}

// NewReceiver builds a Receiver for a connected client.
func NewReceiver(c *Client, inbox Inbox, opts ReceiverOptions) *Receiver {
	if opts.MaxWaiting <= 0 {
		opts.MaxWaiting = 10
	}
	if opts.LeaderTTL <= 0 {
		opts.LeaderTTL = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return &Receiver{c: c, inbox: inbox, opts: opts, log: opts.Logger, token: hex.EncodeToString(b[:])}
}

// Drain makes the webhook refuse new updates (503, so Telegram sends them
// again later, to another replica or after the restart).
func (r *Receiver) Drain() { r.draining.Store(true) }

// Draining reports whether the receiver is stopping.
func (r *Receiver) Draining() bool { return r.draining.Load() }

// Poll runs the getUpdates loop on whichever replica holds the polling
// leadership, until ctx ends. The others wait, ready to take over.
func (r *Receiver) Poll(ctx context.Context) error {
	defer r.draining.Store(true)
	if err := r.c.deleteWebhook(ctx); err != nil {
		return err
	}
	r.log.Info("receiving updates by long polling")
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		_ = r.inbox.Resign(cctx, "poller", r.token)
	}()
	var offset int64
	leading := false
	for ctx.Err() == nil {
		ttl := r.opts.LeaderTTL
		ok, err := r.inbox.Lead(ctx, "poller", r.token, ttl)
		switch {
		case err != nil && leading:
			// Redis is down: keep polling, so citizens hear that the bot
			// is back shortly, and keep their updates unconfirmed.
		case err != nil || !ok:
			if leading {
				r.log.Info("another replica polls Telegram now")
			}
			leading = false
			sleep(ctx, ttl/3)
			continue
		case !leading:
			r.log.Info("this replica polls Telegram")
			leading = true
		}
		var err2 error
		offset, err2 = r.pollFor(ctx, offset, ttl/3)
		if err2 != nil {
			return err2
		}
	}
	r.confirm(context.WithoutCancel(ctx), offset)
	return nil
}

// pollFor polls for about d (the leadership is renewed between), pushing
// what arrives; it returns the offset still to confirm.
func (r *Receiver) pollFor(ctx context.Context, offset int64, d time.Duration) (int64, error) {
	end := time.Now().Add(d)
	backoff := time.Second
	for ctx.Err() == nil && time.Now().Before(end) {
		timeout := min(r.c.poll.timeout, max(time.Until(end), time.Second))
		updates, err := r.c.poll.poll(ctx, offset, timeout)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			var ae *apiError
			if errors.As(err, &ae) && ae.Code == http.StatusUnauthorized {
				return offset, errors.New("telegram refused the bot token (401): check TELEGRAM_BOT_TOKEN")
			}
			wait := backoff
			if errors.As(err, &ae) && ae.RetryAfter > 0 {
				wait = time.Duration(ae.RetryAfter) * time.Second
			}
			r.log.Warn("getUpdates failed; retrying", "err", err, "in", wait)
			sleep(ctx, wait)
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = time.Second
		next, err := r.store(ctx, updates, offset)
		if err != nil {
			r.log.Error("the inbox does not take updates; they stay with Telegram until it does", "err", err)
			sleep(ctx, backoff)
		}
		offset = next
	}
	return offset, nil
}

// store writes updates to the inbox in order and returns the offset that
// confirms those written. At the first one that cannot be written it
// stops: it and the later ones stay with Telegram, and the citizens who
// sent them are told the bot is back shortly.
func (r *Receiver) store(ctx context.Context, updates []rawUpdate, offset int64) (int64, error) {
	if len(updates) == 0 {
		return offset, nil
	}
	kept, err := r.push(ctx, updates)
	if kept > 0 {
		offset = updates[kept-1].ID + 1
	}
	return offset, err
}

// confirm tells Telegram the updates up to offset are kept, so a clean
// restart does not see them again.
func (r *Receiver) confirm(ctx context.Context, offset int64) {
	if offset == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _ = r.c.poll.poll(cctx, offset, 0)
}

// push writes updates to the inbox, in one round trip, and reports how
// many (from the first) were kept. While the inbox is unreachable, the
// citizens of the updates not kept are told, once per outage, that the bot
// is back shortly. An update that cannot be read is kept too; the worker
// skips it.
func (r *Receiver) push(ctx context.Context, us []rawUpdate) (int, error) {
	now := time.Now().UnixMilli()
	es := make([]bot.InboxEntry, len(us))
	for i, u := range us {
		h := readUpdate(u.Raw, u.ID)
		r.opts.Observer.Received(h.kind())
		es[i] = bot.InboxEntry{Update: u.ID, Chat: h.chat(), Received: now, Raw: u.Raw}
	}
	var hand reservation
	if r.opts.Workers != nil {
		hand = r.opts.Workers.reserve(len(es))
	}
	res, claims, err := r.inbox.PushAll(ctx, es, r.opts.MaxWaiting, hand.n, time.Now().Add(leaseTime))
	for _, c := range claims {
		hand.start(c)
	}
	hand.release()
	for i, x := range res {
		r.sorry.over(es[i].Chat)
		r.opts.Observer.Pushed(x)
	}
	if err != nil {
		for _, u := range us[len(res):] {
			r.apologise(ctx, u)
		}
	}
	return len(res), err
}

// Webhook answers Telegram's webhook calls: the update is written to the
// inbox before the answer, so 200 means kept; anything else makes
// Telegram send it again.
func (r *Receiver) Webhook(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := req.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.draining.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		raw, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
		var head struct {
			ID int64 `json:"update_id"`
		}
		if err != nil || json.Unmarshal(raw, &head) != nil || head.ID == 0 {
			r.log.Warn("webhook: a request that is not an update", "from", req.RemoteAddr)
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		if _, err := r.push(req.Context(), []rawUpdate{{ID: head.ID, Raw: raw}}); err != nil {
			r.log.Error("webhook: an update could not be kept; Telegram will send it again", "update", head.ID, "err", err)
			http.Error(w, "not kept yet", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// Serve runs the webhook mode: it registers the webhook URL with
// Telegram and waits until ctx ends (the HTTP server serves Webhook).
func (r *Receiver) Serve(ctx context.Context, url, secret string) error {
	if err := r.c.SetWebhook(ctx, url, secret); err != nil {
		return err
	}
	r.log.Info("receiving updates by webhook")
	<-ctx.Done()
	r.draining.Store(true)
	return nil
}

// apologise tells a citizen, once per outage, that the bot is back
// shortly. Only messages and presses in private chats get it.
func (r *Receiver) apologise(ctx context.Context, raw rawUpdate) {
	u := readUpdate(raw.Raw, raw.ID)
	in, ok := u.decode()
	if !ok || !in.Private || in.Other == bot.OtherBlocked || r.opts.Words == nil || !r.sorry.first(in.ChatID) {
		return
	}
	if in.CallbackID != "" {
		_ = r.c.transport.Acknowledge(ctx, in.CallbackID, "")
	}
	lang := bot.MatchLanguage(in.Lang, r.opts.Words.Languages())
	if err := r.c.transport.send(ctx, in.ChatID, flow.Message{Text: r.opts.Words.Say(lang, "error.later", nil)}); err != nil {
		r.log.Debug("apology not sent", "err", err)
		return
	}
	r.opts.Observer.Apologised()
}

// apologies remembers which chats were told the bot is back shortly in
// the current outage, so each hears it once; a chat whose update is kept
// again is forgotten.
type apologies struct {
	mu   sync.Mutex
	told map[int64]bool
}

func (a *apologies) first(chat int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.told == nil {
		a.told = map[int64]bool{}
	}
	if a.told[chat] {
		return false
	}
	if len(a.told) > 100000 { // a very long outage: start over
		clear(a.told)
	}
	a.told[chat] = true
	return true
}

func (a *apologies) over(chat int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.told, chat)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

type nopObserver struct{}

func (nopObserver) Received(string)       {}
func (nopObserver) Pushed(bot.PushResult) {}
func (nopObserver) Handled(time.Duration) {}
func (nopObserver) Failed(bool)           {}
func (nopObserver) Apologised()           {}
