package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/ideas"
)

// IdeaStatus is where an idea is: waiting for a coordinator (pending, or
// held when screening found personal data or abuse), rejected, or on the
// board with what the service did about it ("you said, we did").
type IdeaStatus string

// The statuses, in the order coordinators see them.
const (
	IdeaPending     IdeaStatus = "pending"
	IdeaHeld        IdeaStatus = "held"
	IdeaReceived    IdeaStatus = "received" // approved: on the board
	IdeaConsidering IdeaStatus = "considering"
	IdeaAccepted    IdeaStatus = "accepted"
	IdeaDone        IdeaStatus = "done"
	IdeaImpossible  IdeaStatus = "impossible"
	IdeaRejected    IdeaStatus = "rejected"
)

// IdeaStatuses lists every status in that order.
var IdeaStatuses = []IdeaStatus{IdeaPending, IdeaHeld, IdeaReceived, IdeaConsidering, IdeaAccepted, IdeaDone, IdeaImpossible, IdeaRejected}

// OnBoard reports whether an idea with this status is approved: others can
// see, support and weigh it.
func (s IdeaStatus) OnBoard() bool {
	switch s {
	case IdeaReceived, IdeaConsidering, IdeaAccepted, IdeaDone, IdeaImpossible:
		return true
	}
	return false
}

// Waiting reports whether an idea with this status waits for a coordinator.
func (s IdeaStatus) Waiting() bool { return s == IdeaPending || s == IdeaHeld }

// Idea is one citizen's idea as stored. Author is a pseudonym: it is never
// shown or exported.
type Idea struct {
	ID           string
	Pilot        string
	Text         string // as approved (a coordinator may have shortened or anonymised it)
	Lang         string
	Author       string
	Media        *flow.Media // a voice note, until a coordinator types what it says
	Status       IdeaStatus
	Reasons      string // screening codes, comma separated ("phone,name")
	Created      time.Time
	Approved     time.Time
	Translations map[string]string // by language, added by coordinators
	Note         string            // the coordinator's note with the status
	Edited       bool              // a coordinator changed the text before approving it
	Votes        ideas.Votes
	Supports     int
}

// TextIn is the idea's text in lang: its own, or a coordinator's
// translation; false when there is neither.
func (i Idea) TextIn(lang string) (string, bool) {
	if lang == i.Lang && i.Text != "" {
		return i.Text, true
	}
	t, ok := i.Translations[lang]
	return t, ok && t != ""
}

// Languages are the languages the idea can be shown in.
func (i Idea) Languages() []string {
	out := []string{i.Lang}
	for l := range i.Translations {
		out = append(out, l)
	}
	slices.Sort(out[1:])
	return out
}

// IdeaOpKind names what an IdeaOp does.
type IdeaOpKind string

// The operations on ideas a commit can carry. Citizens' ops act for the
// commit's User; coordinators' ops name the idea.
const (
	OpPropose   IdeaOpKind = "propose"   // a new idea: ID, Text or Media, Lang, Status (pending or held), Reason, At
	OpSupport   IdeaOpKind = "support"   // the user supports idea ID
	OpVote      IdeaOpKind = "vote"      // the user weighs idea ID: Vote
	OpSeen      IdeaOpKind = "seen"      // the user was shown idea ID
	OpHearBack  IdeaOpKind = "hear"      // the user agrees (Yes, with Chat and Lang) or not to hear back
	OpApprove   IdeaOpKind = "approve"   // put idea ID on the board, with Text when edited; its author is told at Due
	OpReject    IdeaOpKind = "reject"    // take idea ID off the board, or refuse it
	OpStatus    IdeaOpKind = "status"    // give idea ID Status and Note; who agreed to hear back is told at Due
	OpTranslate IdeaOpKind = "translate" // Text is idea ID in Lang
	OpNews      IdeaOpKind = "news"      // an update (Text) with id ID for everyone who agreed to hear back, at Due
	OpNewsDone  IdeaOpKind = "newsdone"  // the scheduled message Member was sent (or dropped)
	OpNoticed   IdeaOpKind = "noticed"   // coordinators were told about the ideas waiting, at At
)

// The stored votes.
const (
	voteAgree    = "a"
	voteDisagree = "d"
	votePass     = "p"
)

// IdeaOp is one change to the ideas of the commit's pilot, applied in the
// commit's script after its checks, so a turn's idea, vote or support is
// stored with the turn or not at all.
type IdeaOp struct {
	Op     IdeaOpKind  `json:"op"`
	ID     string      `json:"id,omitempty"`
	Text   string      `json:"t,omitempty"`
	Lang   string      `json:"l,omitempty"`
	Media  *flow.Media `json:"m,omitempty"`
	Status IdeaStatus  `json:"s,omitempty"`
	Reason string      `json:"r,omitempty"`
	Note   string      `json:"n,omitempty"`
	Vote   string      `json:"v,omitempty"` // a, d or p
	Yes    bool        `json:"y,omitempty"`
	Chat   string      `json:"c,omitempty"` // a chat id, in decimal (Lua numbers are doubles)
	At     int64       `json:"at,omitempty"`
	Due    int64       `json:"due,omitempty"`
	Member string      `json:"mb,omitempty"`
}

// ideaIDPattern is what an idea or update id looks like: short, so that
// "M:<pilot>.<id>:impossible" fits Telegram's 64 bytes of button data.
var ideaIDPattern = regexp.MustCompile(`^[a-z0-9]{1,12}$`)

// ValidIdeaID reports whether id can name an idea.
func ValidIdeaID(id string) bool { return ideaIDPattern.MatchString(id) }

// Check reports what is wrong with an op before anything is written.
func (op IdeaOp) Check() error {
	switch op.Op {
	case OpHearBack, OpNoticed, OpNewsDone:
		return nil
	case OpPropose, OpSupport, OpVote, OpSeen, OpApprove, OpReject, OpStatus, OpTranslate, OpNews:
	default:
		return fmt.Errorf("idea operation %q: unknown", op.Op)
	}
	if !ValidIdeaID(op.ID) {
		return fmt.Errorf("idea operation %s: bad id %q", op.Op, op.ID)
	}
	switch {
	case op.Op == OpVote && op.Vote != voteAgree && op.Vote != voteDisagree && op.Vote != votePass:
		return fmt.Errorf("idea operation vote: bad vote %q", op.Vote)
	case (op.Op == OpPropose || op.Op == OpStatus) && !slices.Contains(IdeaStatuses, op.Status):
		return fmt.Errorf("idea operation %s: bad status %q", op.Op, op.Status)
	}
	return nil
}

// NewsDue is a scheduled message to one citizen about ideas, claimed for
// sending.
type NewsDue struct {
	Member string // as stored, to remove it once sent
	User   string
	Idea   string // the idea the message is about, or ""
	News   string // the coordinator's update, or ""
}

// MyIdeas is what /mydata shows of a citizen's part in co-creation.
type MyIdeas struct {
	Ideas    []Idea
	Votes    int
	Supports int
	HearBack bool
}

// IdeaStore keeps ideas, votes, supports, consent to hear back and the
// updates waiting to be sent. The Redis store implements it; every write
// goes through Commit (Commit.Ideas).
type IdeaStore interface {
	// Idea returns one idea, or nil.
	Idea(ctx context.Context, pilot, id string) (*Idea, error)
	// IdeasWith lists up to max ideas with a status, oldest first, from
	// offset; total is how many there are.
	IdeasWith(ctx context.Context, pilot string, status IdeaStatus, offset, max int) (list []Idea, total int64, err error)
	// IdeaCounts counts a pilot's ideas by status.
	IdeaCounts(ctx context.Context, pilot string) (map[IdeaStatus]int64, error)
	// BoardIdeas returns every approved idea of a pilot.
	BoardIdeas(ctx context.Context, pilot string) ([]Idea, error)
	// IdeasVersion changes whenever the board changes (approved, rejected,
	// translated, forgotten), so replicas know to rebuild their indexes.
	IdeasVersion(ctx context.Context, pilot string) (int64, error)
	// EachCandidate yields the approved ideas in lang, fewest votes first,
	// marked with whether user saw or wrote them, until yield says stop.
	EachCandidate(ctx context.Context, pilot, user, lang string, yield func(ideas.Candidate) bool) error
	// EachVote calls fn for every vote of a pilot.
	EachVote(ctx context.Context, pilot string, fn func(user, idea, vote string) error) error
	// Hearers counts the citizens of a pilot who agreed to hear back.
	Hearers(ctx context.Context, pilot string) (int64, error)
	// HearBack returns a citizen's chat and language if they agreed to hear back.
	HearBack(ctx context.Context, pilot, user string) (chat int64, lang string, ok bool, err error)
	// Audience counts who would hear about an idea's new status.
	Audience(ctx context.Context, pilot, id string) (int, error)
	// ClaimNews leases up to max messages due by now ("you said, we did",
	// updates, "your idea is on the board").
	ClaimNews(ctx context.Context, pilot string, now time.Time, lease time.Duration, max int) ([]NewsDue, error)
	// NewsText returns a coordinator's update.
	NewsText(ctx context.Context, pilot, id string) (string, error)
	// LastNotice is when the coordinators were last told about new ideas.
	LastNotice(ctx context.Context, pilot string) (time.Time, error)
	// WaitingSince lists up to max ideas waiting for a coordinator that
	// came after a time, oldest first, and how many there are.
	WaitingSince(ctx context.Context, pilot string, since time.Time, max int) ([]Idea, int64, error)
	// MyIdeas returns a citizen's ideas, and how many ideas they weighed and support.
	MyIdeas(ctx context.Context, pilot, user string) (MyIdeas, error)
}
