package studio

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/locales"
)

// Simulated chats: each browser tab gets its own, with its own store and
// clock, through the same service as `cosiebot chat`.
const (
	simUser   = 1 // the citizen's chat and user id in a simulated chat
	simIdle   = 30 * time.Minute
	maxSims   = 50
	simPerWho = 5
)

// simStart is where a simulated chat's clock starts: a Monday morning in
// the pilot's time zone, as in `cosiebot chat`.
var simStart = [3]int{2026, 3, 2}

// sims are the open simulated chats.
type sims struct {
	mu       sync.Mutex
	byID     map[string]*sim
	newStore func() (SimStore, func(), error)
	now      func() time.Time
}

func newSims(newStore func() (SimStore, func(), error), now func() time.Time) *sims {
	return &sims{byID: map[string]*sim{}, newStore: newStore, now: now}
}

// sim is one simulated chat.
type sim struct {
	mu     sync.Mutex
	id     string
	owner  string // who opened it: only they may use it
	f      *flow.Flow
	svc    *bot.Service
	store  SimStore
	clock  *bot.ManualClock
	rec    *simRecorder
	stop   func()
	update int64
	used   time.Time
}

// open starts a simulated chat with flow f for owner.
func (ss *sims) open(f *flow.Flow, owner string, words *locales.Catalog) (*sim, error) {
	store, stop, err := ss.newStore()
	if err != nil {
		return nil, fmt.Errorf("start a simulated chat: %w", err)
	}
	loc := f.Pilot.Timezone
	sm := &sim{id: randomToken(), owner: owner, f: f, store: store, stop: stop, rec: &simRecorder{}, used: ss.now(),
		clock: bot.NewManualClock(time.Date(simStart[0], time.Month(simStart[1]), simStart[2], 10, 0, 0, 0, loc))}
	sm.svc, err = bot.New(bot.Config{
		Store: store, Acker: sm.rec, Courier: courier.NewDirect(store, sm.rec, nil, nil), Clock: sm.clock,
		Words: words, Flows: bot.NewFlows(f), PseudonymKey: []byte("studio-simulator-pseudonym-key"),
	})
	if err != nil {
		stop()
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expire(owner)
	ss.byID[sm.id] = sm
	return sm, nil
}

// expire closes idle chats, and the oldest when there are too many (in
// all, or of one owner).
func (ss *sims) expire(owner string) {
	now := ss.now()
	var mine []*sim
	for id, sm := range ss.byID {
		if now.Sub(sm.used) > simIdle {
			sm.stop()
			delete(ss.byID, id)
			continue
		}
		if sm.owner == owner {
			mine = append(mine, sm)
		}
	}
	oldest := func(list []*sim) *sim {
		return slices.MinFunc(list, func(a, b *sim) int { return a.used.Compare(b.used) })
	}
	for len(mine) >= simPerWho {
		o := oldest(mine)
		o.stop()
		delete(ss.byID, o.id)
		mine = slices.DeleteFunc(mine, func(s *sim) bool { return s == o })
	}
	for len(ss.byID) >= maxSims {
		o := oldest(slices.Collect(func(yield func(*sim) bool) {
			for _, s := range ss.byID {
				if !yield(s) {
					return
				}
			}
		}))
		o.stop()
		delete(ss.byID, o.id)
	}
}

func (ss *sims) get(id, owner string) *sim {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sm := ss.byID[id]
	if sm == nil || sm.owner != owner {
		return nil
	}
	sm.used = ss.now()
	return sm
}

func (ss *sims) closeAll() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, sm := range ss.byID {
		sm.stop()
		delete(ss.byID, id)
	}
}

// simRecorder is the simulated chat's Telegram: it keeps what the bot
// sends until the page fetches it.
type simRecorder struct {
	mu     sync.Mutex
	msgID  int
	out    []simMsg
	notice string
}

// simMsg is one message of a simulated chat, as the page shows it.
type simMsg struct {
	ID      int           `json:"id,omitempty"`
	Text    string        `json:"text"`
	Buttons [][]simButton `json:"buttons,omitempty"`
	Edit    int           `json:"edit,omitempty"` // marks message Edit as answered with Text
	To      string        `json:"to,omitempty"`   // "coordinator" for what a coordinator would get
	File    string        `json:"file,omitempty"`
	Node    string        `json:"node,omitempty"` // the node that said it
	Line    int           `json:"line,omitempty"`
	Own     bool          `json:"own,omitempty"` // the bot's own words, not a node's text
	buttons [][]flow.Button
}

type simButton struct {
	Text string `json:"text"`
	Data string `json:"data"`
}

// Deliver keeps a message.
func (rc *simRecorder) Deliver(_ context.Context, o bot.Out) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	m := simMsg{Text: o.Text, File: o.File, Edit: o.Edit, buttons: o.Buttons}
	if o.Chat != simUser {
		m.To = "coordinator"
	}
	if o.Edit == 0 {
		rc.msgID++
		m.ID = rc.msgID
	}
	for _, row := range o.Buttons {
		var r []simButton
		for _, b := range row {
			r = append(r, simButton{Text: b.Text, Data: b.Data})
		}
		m.Buttons = append(m.Buttons, r)
	}
	rc.out = append(rc.out, m)
	return nil
}

// Acknowledge keeps the short notice a press gets.
func (rc *simRecorder) Acknowledge(_ context.Context, _ string, text string) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.notice = text
	return nil
}

// take returns and forgets what was sent since the last call.
func (rc *simRecorder) take() ([]simMsg, string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out, notice := rc.out, rc.notice
	rc.out, rc.notice = nil, ""
	return out, notice
}

// simAction is what the person in the page did: one of the fields.
type simAction struct {
	Say     string `json:"say,omitempty"`
	Press   string `json:"press,omitempty"` // button data
	Message int    `json:"message,omitempty"`
	Wait    string `json:"wait,omitempty"` // like 3d
	Lang    string `json:"lang,omitempty"`
}

// simReply is what the page shows after an action.
type simReply struct {
	ID       string   `json:"id"`
	Messages []simMsg `json:"messages"`
	Notice   string   `json:"notice,omitempty"`
	Clock    string   `json:"clock"`
	Node     string   `json:"node,omitempty"` // where the dialogue is now
	Lang     string   `json:"lang,omitempty"`
	Done     bool     `json:"done,omitempty"`
	Note     string   `json:"note,omitempty"` // what the studio did, like moving the clock
}

func (sm *sim) inbound() bot.Inbound {
	sm.update++
	return bot.Inbound{UpdateID: sm.update, ChatID: simUser, UserID: simUser, Private: true, FirstName: "Alex"}
}

// act applies an action and returns the replies.
func (sm *sim) act(ctx context.Context, a simAction) (*simReply, error) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	in := sm.inbound()
	note := ""
	switch {
	case a.Wait != "":
		d, err := flow.ParseDuration(a.Wait)
		if err != nil || d <= 0 {
			return nil, statusErr(http.StatusBadRequest, "wait for how long? Write it like 30m, 2h or 3d")
		}
		now := sm.clock.Advance(d)
		note = fmt.Sprintf("%s later: %s", flow.FormatDuration(d), now.Format("Mon 2 Jan 2006 15:04"))
		if _, err := sm.svc.FireDue(ctx); err != nil {
			return nil, fmt.Errorf("send due prompts: %w", err)
		}
		return sm.reply(ctx, note)
	case a.Lang != "":
		if !slices.Contains(sm.f.Pilot.Languages, a.Lang) {
			return nil, statusErr(http.StatusBadRequest, "%s is not one of this pilot's languages (%s)", a.Lang, strings.Join(sm.f.Pilot.Languages, ", "))
		}
		in.Data, in.CallbackID = flow.Callback{Kind: flow.CallbackLanguage, Arg: a.Lang}.Encode(), "lang"
	case a.Press != "":
		in.Data, in.CallbackID, in.MessageID = a.Press, "press-"+strconv.FormatInt(sm.update, 10), a.Message
	default:
		in.Text = a.Say
	}
	if err := sm.svc.Handle(ctx, in); err != nil {
		return nil, fmt.Errorf("the bot failed: %w", err)
	}
	return sm.reply(ctx, note)
}

// reply collects what the bot sent, and says which node said each.
func (sm *sim) reply(ctx context.Context, note string) (*simReply, error) {
	msgs, notice := sm.rec.take()
	r := &simReply{ID: sm.id, Messages: msgs, Notice: notice, Note: note, Clock: sm.clock.Now().Format("Mon 2 Jan 2006 15:04")}
	sess, err := sm.store.Load(ctx, sm.svc.Pseudonym(simUser))
	if err != nil {
		return nil, fmt.Errorf("read the simulated session: %w", err)
	}
	var st flow.State
	if sess != nil {
		st = sess.Flow
	}
	r.Node, r.Lang, r.Done = st.Node, st.Lang, st.Done
	for i := range r.Messages {
		sm.attribute(&r.Messages[i], st)
	}
	if r.Messages == nil {
		r.Messages = []simMsg{}
	}
	return r, nil
}

// attribute finds the node that said a message: the node its buttons
// belong to, else the node whose text it shows; else it is the bot's own
// words (help, a re-ask, the language menu), at the current node.
func (sm *sim) attribute(m *simMsg, st flow.State) {
	if m.Edit != 0 || m.To != "" {
		return
	}
	node := ""
	for _, row := range m.buttons {
		for _, b := range row {
			if c, ok := flow.ParseCallback(b.Data); ok && c.Kind == flow.CallbackFlow && node == "" {
				node = c.Node
			}
		}
	}
	if node == "" {
		node = sm.nodeSaying(m.Text, st)
	}
	if node == "" {
		m.Own, node = true, st.Node
	}
	if n := sm.f.Node(node); n != nil {
		m.Node, m.Line = n.ID, n.Pos.Line
	}
}

// nodeSaying is the node whose text the message shows (the longest one,
// when one text holds another), or "".
func (sm *sim) nodeSaying(text string, st flow.State) string {
	data := &flow.TemplateData{FirstName: "Alex", Answers: st.Answers}
	got := strings.Join(strings.Fields(text), " ")
	best, bestLen := "", 0
	for _, n := range sm.f.Nodes {
		t := strings.Join(strings.Fields(n.Text.Render(st.Lang, data)), " ")
		if t != "" && len(t) > bestLen && strings.Contains(got, t) {
			best, bestLen = n.ID, len(t)
		}
	}
	return best
}

// ownerOf names who opens simulated chats: a logged-in coordinator's
// session, or the person at this computer.
func ownerOf(v *viewer) string {
	if v.local {
		return "local"
	}
	return v.session
}

// tryPage shows the simulator.
func (s *Server) tryPage(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	f, _ := s.load(ff.name, ff.data)
	var langs []string
	if f != nil {
		langs = f.Pilot.Languages
	}
	s.render(w, "try", &pageData{Title: "Try " + ff.name, Viewer: v, File: ff.name, Pilot: ff.head.Pilot.ID, Tab: "try", Script: true, Data: langs})
	return nil
}

// simStartRequest starts a simulated chat: with the editor's text when
// given (to try changes before saving), else the saved file.
type simStartRequest struct {
	Text string `json:"text,omitempty"`
	Lang string `json:"lang,omitempty"`
}

// simStart opens a simulated chat and says /start, as a citizen who
// opens the pilot's link does.
func (s *Server) simStart(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	var req simStartRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	data := ff.data
	if req.Text != "" {
		data = []byte(req.Text)
	}
	f, diags := s.load(ff.name, data)
	if f == nil {
		return statusErr(http.StatusUnprocessableEntity, "the flow has errors, so it cannot be tried: line %d: %s", diags.Errors()[0].Pos.Line, diags.Errors()[0].Message)
	}
	if f.Pilot.ID != ff.head.Pilot.ID && !v.local {
		return statusErr(http.StatusForbidden, "the pilot id cannot change here")
	}
	sm, err := s.sims.open(f, ownerOf(v), s.words)
	if err != nil {
		return err
	}
	sm.mu.Lock()
	in := sm.inbound()
	// Without a language chosen, the pilot's first: a citizen whose
	// Telegram speaks none of the pilot's would get the language menu.
	in.Text, in.Lang = "/start "+f.Pilot.ID, cmp.Or(req.Lang, f.DefaultLanguage())
	err = sm.svc.Handle(r.Context(), in)
	sm.mu.Unlock()
	if err != nil {
		return fmt.Errorf("start the simulated chat: %w", err)
	}
	sm.mu.Lock()
	rep, err := sm.reply(r.Context(), "")
	sm.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// simAct applies what the person did in a simulated chat.
func (s *Server) simAct(w http.ResponseWriter, r *http.Request, v *viewer) error {
	sm := s.sims.get(r.PathValue("id"), ownerOf(v))
	if sm == nil {
		return statusErr(http.StatusGone, "this simulated chat has ended (it was idle too long, or the studio restarted); start again")
	}
	var a simAction
	if err := readJSON(r, &a); err != nil {
		return err
	}
	rep, err := sm.act(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
