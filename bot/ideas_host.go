package bot

import (
	"cmp"
	"context"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/ideas"
)

// The host's side of the idea and weigh nodes: it answers the engine's
// needs from the store (similar ideas from an in-memory index, the next
// idea to weigh from the Picker) and turns the co-creation effects into
// the turn's commit.

// DefaultIndexRefresh is how long a replica trusts its similar-idea index
// before it asks the store whether the board changed.
const DefaultIndexRefresh = 2 * time.Second

// maxNeeds bounds the host's answers to the engine in one turn.
const maxNeeds = 8

// Board is a replica's view of the approved ideas: per pilot, indexed by
// language for the similar-idea check, and the next idea a citizen is
// asked to weigh. Indexes are rebuilt from the store when the board's
// version changes (another replica approved or removed an idea), checked
// at most every refresh. It is safe for concurrent use.
type Board struct {
	store   IdeaStore // nil when the store keeps no ideas
	refresh time.Duration
	picker  ideas.Picker

	mu     sync.Mutex
	pilots map[string]*pilotIndex
}

// pilotIndex is one pilot's board, indexed by language.
type pilotIndex struct {
	mu      sync.Mutex
	version int64
	checked time.Time
	byLang  map[string]*ideas.Index
	texts   map[string]map[string]string // language -> idea -> text
	authors map[string]string            // idea -> author, so no one is offered their own
}

// NewBoard reads ideas from st (nil: a store without ideas); refresh is
// how long an index is trusted (0: DefaultIndexRefresh; negative: ask the
// store every time).
func NewBoard(st IdeaStore, refresh time.Duration) *Board {
	if refresh == 0 {
		refresh = DefaultIndexRefresh
	}
	return &Board{store: st, refresh: refresh, pilots: map[string]*pilotIndex{}}
}

func newBoardOf(st Store) *Board {
	is, _ := st.(IdeaStore)
	return NewBoard(is, 0)
}

func (h *Board) pilot(id string) *pilotIndex {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pilots[id]
	if p == nil {
		p = &pilotIndex{version: -1}
		h.pilots[id] = p
	}
	return p
}

// invalidate makes the next lookup in pilot ask the store for changes:
// this replica just changed the board.
func (h *Board) invalidate(pilot string) {
	p := h.pilot(pilot)
	p.mu.Lock()
	p.checked = time.Time{}
	p.mu.Unlock()
}

// Similar returns up to max approved ideas of pilot in lang similar to
// text, leaving out user's own.
func (h *Board) Similar(ctx context.Context, pilot, user, lang, text string, max int, now time.Time) ([]flow.IdeaCard, error) {
	if h.store == nil {
		return nil, nil
	}
	p := h.pilot(pilot)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := h.fresh(ctx, p, pilot, now); err != nil {
		return nil, err
	}
	ix := p.byLang[lang]
	if ix == nil {
		return nil, nil
	}
	var out []flow.IdeaCard
	for _, hit := range ix.Similar(text, max+1) {
		if p.authors[hit.ID] != user && len(out) < max {
			out = append(out, flow.IdeaCard{ID: hit.ID, Text: p.texts[lang][hit.ID]})
		}
	}
	return out, nil
}

// fresh rebuilds p from the store when the board changed since it was
// built; it asks at most every refresh. p is locked.
func (h *Board) fresh(ctx context.Context, p *pilotIndex, pilot string, now time.Time) error {
	if age := now.Sub(p.checked); !p.checked.IsZero() && age >= 0 && age < h.refresh {
		return nil
	}
	v, err := h.store.IdeasVersion(ctx, pilot)
	if err != nil {
		return err
	}
	p.checked = now
	if v == p.version {
		return nil
	}
	board, err := h.store.BoardIdeas(ctx, pilot)
	if err != nil {
		return err
	}
	p.byLang, p.texts, p.authors = map[string]*ideas.Index{}, map[string]map[string]string{}, map[string]string{}
	for _, i := range board {
		p.authors[i.ID] = i.Author
		for _, lang := range i.Languages() {
			text, ok := i.TextIn(lang)
			if !ok {
				continue
			}
			if p.byLang[lang] == nil {
				p.byLang[lang], p.texts[lang] = ideas.New(lang), map[string]string{}
			}
			p.byLang[lang].Add(i.ID, text)
			p.texts[lang][i.ID] = text
		}
	}
	p.version = v
	return nil
}

// Next picks the next idea user is asked to weigh in lang (see
// ideas.Picker), with its text in lang, or false when there is none.
func (h *Board) Next(ctx context.Context, pilot, user, lang string, now time.Time) (flow.IdeaCard, bool, error) {
	if h.store == nil {
		return flow.IdeaCard{}, false, nil
	}
	var readErr error
	candidates := func(yield func(ideas.Candidate) bool) {
		readErr = h.store.EachCandidate(ctx, pilot, user, lang, yield)
	}
	c, ok := h.picker.Next(now, seedOf(user), candidates)
	if readErr != nil || !ok {
		return flow.IdeaCard{}, false, readErr
	}
	i, err := h.store.Idea(ctx, pilot, c.ID)
	if err != nil || i == nil {
		return flow.IdeaCard{}, false, err
	}
	text, ok := i.TextIn(lang)
	return flow.IdeaCard{ID: i.ID, Text: text}, ok, nil
}

// seedOf is a citizen's own order of equally weighed ideas.
func seedOf(user string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(user))
	return h.Sum64()
}

// newIdeaID names a new idea: 6 letters and digits, short enough for the
// moderation buttons; the commit refuses an id already taken.
func newIdeaID() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no l, o, 0, 1: read aloud and typed by coordinators
	b := make([]byte, 6)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// errNoIdeas means the store keeps no ideas.
var errNoIdeas = errors.New("this store keeps no ideas")

// ideaStore is the store's idea side, or an error for a store without.
func (s *Service) ideaStore() (IdeaStore, error) {
	if s.ideas.store == nil {
		return nil, errNoIdeas
	}
	return s.ideas.store, nil
}

// context is the turn's context (set when it started handling).
func (t *turn) context() context.Context {
	if t.ctx == nil {
		return context.Background()
	}
	return t.ctx
}

// fulfil answers the engine's need from the store. A failed read stops
// the turn (t.err): nothing is committed and the update is tried again.
func (t *turn) fulfil(need *flow.Need) flow.Input {
	in := flow.Input{Kind: flow.InIdeas, Text: need.Text}
	if t.err != nil || t.sess == nil {
		return in
	}
	ctx, pilot, lang := t.context(), t.sess.Pilot, t.sess.Flow.Lang
	switch need.Kind {
	case flow.NeedSimilar:
		in.Ideas, t.err = t.s.ideas.Similar(ctx, pilot, t.user, lang, need.Text, need.Max, t.now)
	case flow.NeedNextIdea:
		card, ok, err := t.s.ideas.Next(ctx, pilot, t.user, lang, t.now)
		t.err = err
		if ok {
			in.Ideas = []flow.IdeaCard{card}
			t.idea(IdeaOp{Op: OpSeen, ID: card.ID})
		}
	}
	return in
}

// idea adds an idea operation to the turn's commit.
func (t *turn) idea(op IdeaOp) {
	c := t.commit()
	c.Ideas = append(c.Ideas, op)
}

// ideaEffect turns a co-creation effect into the commit: the idea, the
// support, the vote or the consent is stored with the turn.
func (t *turn) ideaEffect(e flow.Effect) {
	act := e.Idea
	if act == nil {
		return
	}
	switch e.Kind {
	case flow.EffPropose:
		t.propose(act)
	case flow.EffSupport:
		t.idea(IdeaOp{Op: OpSupport, ID: act.ID})
		t.count(cIdeaSupports, 1)
	case flow.EffVote:
		t.idea(IdeaOp{Op: OpVote, ID: act.ID, Vote: storedVote(act.Vote)})
		t.count(cIdeaVotes, 1)
	case flow.EffHearBack:
		chat := cmp.Or(t.sess.Chat, t.in.ChatID)
		t.idea(IdeaOp{Op: OpHearBack, Yes: act.Yes, Chat: strconv.FormatInt(chat, 10), Lang: t.sess.Flow.Lang})
	}
}

func storedVote(v string) string {
	switch v {
	case flow.VoteAgree:
		return voteAgree
	case flow.VoteDisagree:
		return voteDisagree
	}
	return votePass
}

// propose stores a new idea for a coordinator: held with the reasons when
// screening finds personal data or abuse. The coordinators get it at once
// unless they were told about new ideas a short while ago (then the next
// batch brings it).
func (t *turn) propose(act *flow.IdeaAct) {
	lang := t.sess.Flow.Lang
	op := IdeaOp{Op: OpPropose, ID: newIdeaID(), Text: act.Text, Lang: lang, Media: act.Media, Status: IdeaPending, At: t.now.UnixMilli()}
	if rs := ideas.Screen(act.Text, lang); len(rs) > 0 {
		op.Status, op.Reason = IdeaHeld, reasonCodes(rs)
	}
	t.idea(op)
	t.count(cIdeasProposed, 1)
	st, err := t.s.ideaStore()
	if err != nil {
		return
	}
	last, err := st.LastNotice(t.context(), t.sess.Pilot)
	if err != nil {
		t.err = err
		return
	}
	if t.now.Sub(last) < noticeWindow {
		return
	}
	i := Idea{ID: op.ID, Pilot: t.sess.Pilot, Text: op.Text, Lang: lang, Media: op.Media, Status: op.Status, Reasons: op.Reason}
	for _, id := range t.s.Coordinators(t.sess.Pilot) {
		// In the language the coordinator last used with the bot.
		cl, err := t.s.store.Pref(t.context(), coordLangKey(t.s.Pseudonym(id)))
		if err != nil {
			t.err = err
			return
		}
		m := t.s.moderationCard(t.f, i, cmpOr(cl, t.f.DefaultLanguage()))
		t.out = append(t.out, Out{Lane: LaneBulk, Chat: id, Text: m.Text, Buttons: m.Buttons})
	}
	t.idea(IdeaOp{Op: OpNoticed, At: t.now.UnixMilli()})
}

// reasonCodes lists screening codes once each, in text order.
func reasonCodes(rs []ideas.Reason) string {
	var codes []string
	for _, r := range rs {
		if c := string(r.Code); !strings.Contains(","+strings.Join(codes, ",")+",", ","+c+",") {
			codes = append(codes, c)
		}
	}
	return strings.Join(codes, ",")
}

// ideasStop withdraws the consent to hear back in the citizen's pilot
// (/stop).
func (t *turn) ideasStop() {
	if t.sess != nil && t.s.ideas.store != nil {
		t.idea(IdeaOp{Op: OpHearBack})
	}
}
