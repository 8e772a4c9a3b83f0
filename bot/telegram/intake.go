package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
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
	ctx  context.Context
	upd  *models.Update
	done func(error)
}

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
		j.done(in.run(j))
	}
}

// run handles one update; a panic is logged and counted as handled, so one
// poisonous update cannot stop the bot.
func (in *Intake) run(j job) (err error) {
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
		in.shard(chatOf(&u)) <- job{ctx: context.WithoutCancel(r.Context()), upd: &u, done: func(err error) { done <- err }}
		if err := <-done; err != nil {
			http.Error(w, "not handled yet", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// Draining reports whether the intake is stopping.
func (in *Intake) Draining() bool { return in.draining.Load() }
