// Package bot is the conversation service: it takes what a citizen did,
// runs the pilot's flow, stores the result and sends the replies. It talks to
// the outside world only through the ports in ports.go (Store, Sender,
// Clock), so Telegram, the terminal and the tests all run the same code.
package bot

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/safeguard"
	"github.com/cosie/cosiebot/locales"
	"golang.org/x/text/language"
)

// DefaultSessionTTL is how long a session is kept after the citizen's last
// activity, unless a follow-up is due later.
const DefaultSessionTTL = 90 * 24 * time.Hour

// maxAttempts bounds retries when two replicas change one session at once.
const maxAttempts = 5

// Flows is an immutable set of loaded flows, swapped whole on reload.
type Flows struct {
	list []*flow.Flow
	byID map[string]*flow.Flow
	// guard is the safeguarding lexicon of each pilot and of the lobby,
	// filled when a Service takes the set (SetFlows).
	guard *guards
}

// NewFlows builds a set; flows are listed in pilot id order.
func NewFlows(fs ...*flow.Flow) *Flows {
	s := &Flows{byID: map[string]*flow.Flow{}}
	for _, f := range fs {
		s.byID[f.Pilot.ID] = f
		s.list = append(s.list, f)
	}
	slices.SortFunc(s.list, func(a, b *flow.Flow) int {
		switch {
		case a.Pilot.ID < b.Pilot.ID:
			return -1
		case a.Pilot.ID > b.Pilot.ID:
			return 1
		}
		return 0
	})
	return s
}

// Get returns the flow of a pilot, or nil.
func (s *Flows) Get(pilot string) *flow.Flow {
	if s == nil {
		return nil
	}
	return s.byID[pilot]
}

// List returns the flows in pilot id order.
func (s *Flows) List() []*flow.Flow {
	if s == nil {
		return nil
	}
	return s.list
}

// Config holds what a Service needs.
type Config struct {
	Store Store
	// Acker answers button presses at once; Courier delivers what the
	// commits put in the outbox (nil: the outbox is drained by someone
	// else, such as another replica's courier).
	Acker        Acker
	Courier      Courier
	Clock        Clock
	Observer     Observer // may be nil
	Words        *locales.Catalog
	Flows        *Flows
	Logger       *slog.Logger
	PseudonymKey []byte        // HMAC key for pseudonyms; required
	SessionTTL   time.Duration // default DefaultSessionTTL
	// Coordinators adds coordinator user ids per pilot to those in the flow files.
	Coordinators map[string][]int64
	// SafeguardingContact are the Telegram user ids that get the alert of
	// a crisis written before any pilot was chosen, when the citizen came
	// from no pilot (see safeguard.go). Empty: such alerts reach nobody
	// (the citizen still gets help).
	SafeguardingContact []int64
	// Lexicon spots a crisis or a request for help; default
	// safeguard.Default(), the built-in lexicon.
	Lexicon *safeguard.Lexicon
	// ClaimLease: see DefaultClaimLease.
	ClaimLease time.Duration
	// BotUsername is the bot's Telegram username, for the invitation
	// links of invite nodes (without it, those are left out).
	BotUsername string
	// Random makes invitation coupons; default crypto/rand.Reader.
	Random io.Reader
}

// Service runs conversations. It is safe for concurrent use; the caller
// keeps the updates of one chat in order.
type Service struct {
	flows   atomic.Pointer[Flows]
	store   Store
	acker   Acker
	courier Courier
	obs     Observer
	clock   Clock
	words   *locales.Catalog
	engine  flow.Engine
	log     *slog.Logger
	key     []byte
	ttl     time.Duration
	lease   time.Duration
	extra   map[string][]int64
	botName string
	random  io.Reader
	ideas   *Board // co-creation: similar ideas, the next idea to weigh
	contact []int64
	lexicon *safeguard.Lexicon
}

// New checks the configuration and builds a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("bot: no store")
	case cfg.Acker == nil:
		return nil, errors.New("bot: nothing to answer button presses with (Acker)")
	case cfg.Words == nil:
		return nil, errors.New("bot: no words (locales)")
	case len(cfg.PseudonymKey) < 16:
		return nil, errors.New("bot: the pseudonym key must be at least 16 bytes")
	}
	s := &Service{
		store: cfg.Store, acker: cfg.Acker, courier: cfg.Courier, clock: cfg.Clock, words: cfg.Words,
		engine: flow.Engine{Words: cfg.Words, SkipWords: flow.SkipWords(cfg.Words, cfg.Words.Languages())}, log: cfg.Logger, key: cfg.PseudonymKey,
		ttl: cfg.SessionTTL, extra: cfg.Coordinators, botName: cfg.BotUsername, random: cfg.Random,
		contact: slices.Clone(cfg.SafeguardingContact), lexicon: cfg.Lexicon,
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	if s.lexicon == nil {
		lex, err := safeguard.Default()
		if err != nil {
			return nil, fmt.Errorf("bot: the safeguarding lexicon: %w", err)
		}
		s.lexicon = lex
	}
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	s.obs = cfg.Observer
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.ttl <= 0 {
		s.ttl = DefaultSessionTTL
	}
	s.lease = cfg.ClaimLease
	if s.lease <= 0 {
		s.lease = DefaultClaimLease
	}
	s.ideas = newBoardOf(cfg.Store)
	s.SetFlows(cfg.Flows)
	return s, nil
}

// SetFlows swaps in a new set of flows; sessions continue on the new set.
// Each pilot's safeguarding phrases are added to the lexicon here, once.
func (s *Service) SetFlows(f *Flows) {
	if f == nil {
		f = NewFlows()
	}
	s.flows.Store(&Flows{list: f.list, byID: f.byID, guard: s.guardsFor(f.list)})
}

// Flows returns the current set.
func (s *Service) Flows() *Flows { return s.flows.Load() }

// Pseudonym is the keyed hash under which a Telegram user's data is stored.
// Without the key it cannot be linked back to the user.
func (s *Service) Pseudonym(userID int64) string { return ChatKey(s.key, userID) }

// ChatKey is the keyed hash of a Telegram user or chat id.
func ChatKey(key []byte, id int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("tg-user:"))
	m.Write(strconv.AppendInt(nil, id, 10))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Handle processes one inbound event. An error means it was not applied
// (the store is unreachable, most likely) and should be tried again; an
// update applied before (a retry after a crash) changes nothing.
func (s *Service) Handle(ctx context.Context, in Inbound) error {
	user := s.Pseudonym(in.UserID)
	if !in.Private {
		user = s.Pseudonym(in.ChatID)
	}
	in.Text = cleanText(in.Text)
	token := updateToken(in)
	for range maxAttempts {
		sess, err := s.store.Load(ctx, user)
		if err != nil {
			s.acknowledge(ctx, in, "")
			return fmt.Errorf("handle update %d: %w", in.UpdateID, err)
		}
		if sess != nil && sess.HasApplied(in.UpdateID) {
			s.acknowledge(ctx, in, "")
			return nil
		}
		t := s.newTurn(user, sess, in)
		t.ctx = ctx
		t.token = token
		t.run(ctx)
		err = t.save(ctx)
		if errors.Is(err, ErrConflict) {
			s.obs.Conflict()
			continue
		}
		if errors.Is(err, ErrDone) {
			err = nil // a notice given once already
		}
		s.acknowledge(ctx, in, t.ackText)
		t.kick()
		if err != nil {
			return fmt.Errorf("handle update %d: %w", in.UpdateID, err)
		}
		return nil
	}
	return fmt.Errorf("handle update %d: %w %d times", in.UpdateID, ErrConflict, maxAttempts)
}

// updateToken names an update across the retries of its turn: its id, or
// for an update without one a random name.
func updateToken(in Inbound) string {
	if in.UpdateID != 0 {
		return "u" + strconv.FormatInt(in.UpdateID, 10)
	}
	return "r" + rand.Text()
}

// acknowledge answers a button press, so the spinner on the citizen's
// button stops. It is not part of the commit: a lost answer only leaves
// the spinner a little longer.
func (s *Service) acknowledge(ctx context.Context, in Inbound, text string) {
	if in.CallbackID == "" {
		return
	}
	if err := s.acker.Acknowledge(ctx, in.CallbackID, text); err != nil {
		s.log.Debug("answer a button press", "err", err)
	}
}

// kick tells the courier that a commit put messages in the outbox.
func (s *Service) kick(c *Commit) {
	if c != nil && len(c.Out) > 0 && s.courier != nil {
		s.courier.Kick(c.Pilot)
	}
}

// kick tells the courier about the turn's messages, also when the turn
// failed: its crisis messages may be committed all the same (saveUrgent).
func (t *turn) kick() {
	if t.c != nil && len(t.out)+len(t.urgent) > 0 && t.s.courier != nil {
		t.s.courier.Kick(t.c.Pilot)
	}
}

// run decides what the turn does with its inbound event.
func (t *turn) run(ctx context.Context) {
	switch {
	case !t.in.Private:
		t.group()
	case t.in.Other == OtherBlocked:
		t.blockedNow()
	case t.in.Other == OtherSlowDown:
		// The intake dropped some of this citizen's messages: say so once.
		t.text(t.say("intake.slowdown", nil))
	default:
		t.handle(ctx)
	}
}

// group answers a group chat once, then stays silent: the bot is for
// private conversations only.
func (t *turn) group() {
	t.ack("")
	c := t.lobby()
	c.Once, c.OnceTTL = "group:"+t.user, 365*24*time.Hour
	t.text(t.say("private.only", nil))
}

// MatchLanguage picks the best of langs for a client language tag like
// "sv-FI" or "pt-br"; the first of langs when nothing fits.
func MatchLanguage(code string, langs []string) string { return matchLang(code, langs) }

func matchLang(code string, langs []string) string {
	if len(langs) == 0 {
		return locales.Source
	}
	if code == "" {
		return langs[0]
	}
	for _, l := range langs {
		if l == code {
			return l
		}
	}
	tags := make([]language.Tag, len(langs))
	for i, l := range langs {
		tags[i] = language.Make(l)
	}
	want, err := language.Parse(code)
	if err != nil {
		return langs[0]
	}
	_, i, conf := language.NewMatcher(tags).Match(want)
	if conf == language.No {
		return langs[0]
	}
	return langs[i]
}

// dayOf names the counter bucket of t in the pilot's time zone.
func dayOf(f *flow.Flow, t time.Time) string {
	return t.In(f.Pilot.Timezone).Format(time.DateOnly)
}

// cleanText drops control characters (keeping line breaks and tabs) and
// invalid UTF-8 from what a citizen typed, so stored answers and exports
// stay readable; letters of every script, emoji and RTL marks are kept.
func cleanText(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			return -1
		}
		return r
	}, s)
}
