package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/go-telegram/bot/models"
)

// Handler processes one inbound event; an error means it was not applied
// and must be delivered again later. bot.Service implements it.
type Handler interface {
	Handle(ctx context.Context, in bot.Inbound) error
}

// Intake feeds updates to a Handler: the updates of one chat in order,
// different chats in parallel, each update once it is safely handled.
type Intake struct {
	h        Handler
	log      *slog.Logger
	shards   []chan job
	wg       sync.WaitGroup
	timeout  time.Duration // per update
	draining atomic.Bool

	// Counters for health output and tests.
	Handled, Failed, Panics atomic.Int64
}

type job struct {
	ctx   context.Context
	upd   *models.Update
	batch *batch
	done  chan error
}

// batch tracks the chats whose update failed, so later updates of the same
// chat in the batch wait rather than overtake it.
type batch struct {
	mu     sync.Mutex
	failed map[int64]bool
}

func (b *batch) blocked(chat int64) bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failed[chat]
}

func (b *batch) fail(chat int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.failed[chat] = true
	b.mu.Unlock()
}

var errSkipped = errors.New("an earlier update of this chat failed")

// IntakeOptions tunes an Intake.
type IntakeOptions struct {
	Shards  int           // parallel chats; default 32
	Timeout time.Duration // per update; default 30s
	Logger  *slog.Logger
}

// NewIntake starts the shard workers; Close stops them.
func NewIntake(h Handler, opts IntakeOptions) *Intake {
	if opts.Shards <= 0 {
		opts.Shards = 32
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	in := &Intake{h: h, log: opts.Logger, timeout: opts.Timeout, shards: make([]chan job, opts.Shards)}
	for i := range in.shards {
		in.shards[i] = make(chan job, 256)
		in.wg.Add(1)
		go in.worker(in.shards[i])
	}
	return in
}

// Close stops the workers after the jobs already queued.
func (in *Intake) Close() {
	for _, s := range in.shards {
		close(s)
	}
	in.wg.Wait()
}

func (in *Intake) worker(jobs chan job) {
	defer in.wg.Done()
	for j := range jobs {
		j.done <- in.run(j)
	}
}

// run handles one update; a panic is logged and counted as handled, so one
// poisonous update cannot stop the bot.
func (in *Intake) run(j job) (err error) {
	chat := chatOf(j.upd)
	if j.batch.blocked(chat) {
		return errSkipped
	}
	defer func() {
		if p := recover(); p != nil {
			in.Panics.Add(1)
			in.log.Error("panic while handling an update", "update", j.upd.ID, "panic", fmt.Sprint(p))
			err = nil
		}
	}()
	ib, ok := decode(j.upd)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(j.ctx, in.timeout)
	defer cancel()
	if err := in.h.Handle(ctx, ib); err != nil {
		in.Failed.Add(1)
		j.batch.fail(chat)
		return err
	}
	in.Handled.Add(1)
	return nil
}

func (in *Intake) shard(chat int64) chan job {
	u := uint64(chat)
	u ^= u >> 33
	u *= 0xff51afd7ed558ccd
	u ^= u >> 33
	return in.shards[u%uint64(len(in.shards))]
}

// process handles a batch in order per chat and returns the first update id
// that must be delivered again, or 0 when all were handled.
func (in *Intake) process(ctx context.Context, updates []models.Update) (retryFrom int64, err error) {
	b := &batch{failed: map[int64]bool{}}
	dones := make([]chan error, len(updates))
	for i := range updates {
		dones[i] = make(chan error, 1)
		in.shard(chatOf(&updates[i])) <- job{ctx: ctx, upd: &updates[i], batch: b, done: dones[i]}
	}
	for i, d := range dones {
		if e := <-d; e != nil && retryFrom == 0 {
			retryFrom = updates[i].ID
			if !errors.Is(e, errSkipped) {
				err = e
			}
		} else if e != nil && err == nil && !errors.Is(e, errSkipped) {
			err = e
		}
	}
	return retryFrom, err
}

// Poll runs the getUpdates loop until ctx ends, then finishes the batch in
// hand and confirms it to Telegram so it is not delivered again.
func (in *Intake) Poll(ctx context.Context, p *poller) error {
	var offset int64
	backoff := time.Second
	work := context.WithoutCancel(ctx) // updates in hand finish even while stopping
	defer in.draining.Store(true)
	for {
		if ctx.Err() != nil {
			return nil
		}
		updates, err := p.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			wait := backoff
			var ae *apiError
			if errors.As(err, &ae) && ae.RetryAfter > 0 {
				wait = time.Duration(ae.RetryAfter) * time.Second
			}
			if errors.As(err, &ae) && ae.Code == http.StatusUnauthorized {
				return fmt.Errorf("telegram refused the bot token (401): check TELEGRAM_BOT_TOKEN")
			}
			in.log.Warn("getUpdates failed; retrying", "err", err, "in", wait)
			if !sleep(ctx, wait) {
				return nil
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		if len(updates) == 0 {
			backoff = time.Second
			continue
		}
		retryFrom, err := in.process(work, updates)
		if retryFrom != 0 {
			// Not handled (the store is down, most likely): ask for it again,
			// with the updates after it, once the store may be back.
			offset = retryFrom
			in.log.Warn("updates not handled; they will be delivered again", "from", retryFrom, "err", err, "in", backoff)
			if !sleep(ctx, backoff) {
				return nil
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = time.Second
		offset = updates[len(updates)-1].ID + 1
		if ctx.Err() != nil {
			// Confirm the last batch before leaving, so a clean restart
			// does not see it again.
			confirm := *p
			confirm.timeout = 0
			cctx, cancel := context.WithTimeout(work, 5*time.Second)
			_, _ = confirm.getUpdates(cctx, offset)
			cancel()
			return nil
		}
	}
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

// Drain makes the webhook refuse new updates (503, so Telegram retries
// them later) while the ones in hand finish.
func (in *Intake) Drain() { in.draining.Store(true) }

// Webhook answers Telegram's webhook calls. The update is handled before
// the answer: 200 means done, anything else makes Telegram send it again.
func (in *Intake) Webhook(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if in.draining.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		var u models.Update
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		done := make(chan error, 1)
		in.shard(chatOf(&u)) <- job{ctx: context.WithoutCancel(r.Context()), upd: &u, done: done}
		if err := <-done; err != nil {
			http.Error(w, "not handled yet", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// Draining reports whether the intake is stopping.
func (in *Intake) Draining() bool { return in.draining.Load() }
