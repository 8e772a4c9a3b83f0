package flow

import (
	"slices"
	"strings"
)

// Callback is the data of an inline button: what Telegram sends back when
// someone presses it. Every button the bot makes, in a flow or of its own,
// is a Callback, and this file is the only place that knows how one is
// written: Encode and ParseCallback are each other's inverse.
//
// A flow button binds the press to a flow version and a node, so that a
// stale, repeated or forged press is recognised:
// "<version 6>:<node>:<option>[:<arg>]". The host's buttons start with one
// letter and a colon ("P:turku", "L:fi", "F:yes"), or are one sign ("H",
// "✓"). Telegram allows at most MaxButtonData bytes.
// Co-creation buttons: "S:<idea>" support, "V:<idea>:<vote>",
// "M:<pilot>.<idea>:<action>" moderate (a coordinator may have several
// pilots), "N:<pilot>:send|cancel" a coordinator's update.
type Callback struct {
	Kind    CallbackKind
	Version string // flow: the first 6 characters of the flow version
	Node    string // flow: the node the button belongs to
	// Option is what was chosen: a flow node's option; yes or no (forget);
	// agree, disagree or pass (vote); approve, reject, edit, a new status
	// or nonote (moderate); send or cancel (news).
	Option string
	// Arg is what the button is about: a pilot id (pilot, dialogue,
	// resume), a language (language), an idea id (support, vote,
	// moderate), an alert reference (on it); on a flow button, what its
	// option is about, such as the idea being weighed ("" for the node
	// kinds there are today).
	Arg string
}

// CallbackKind says whose button it is and what it does.
type CallbackKind uint8

// The kinds of button.
const (
	// CallbackUnknown is data the bot cannot read: not made by it, damaged,
	// or missing (a game button). It is answered as a stale press.
	CallbackUnknown  CallbackKind = iota
	CallbackFlow                  // an answer at a flow node: Version, Node, Option, Arg
	CallbackPilot                 // the pilot menu: Arg is the pilot id
	CallbackLanguage              // the language menu: Arg is the language
	CallbackForget                // confirm /forget: Option is yes or no, Arg until when (unix seconds)
	CallbackHelp                  // "I need help now" (safeguarding)
	CallbackChosen                // the mark left on an answered question; does nothing
	CallbackSupport               // support an idea: Arg is the idea id
	CallbackVote                  // weigh an idea: Arg is the idea id, Option agree, disagree or pass
	CallbackModerate              // a coordinator moderates an idea: Arg is the idea id, Option approve, reject or edit
	CallbackOnIt                  // a coordinator takes a safeguarding alert: Arg is the alert reference
	// CallbackNews confirms (send) or drops (cancel) a coordinator's
	// update to everyone who agreed to hear back: Arg is the pilot id.
	CallbackNews
	// CallbackDialogue chooses what happens to a pilot's dialogue when a
	// citizen comes back or opens another pilot: Arg is the pilot, Option
	// go (go there, where the dialogue stood), over (start it over) or stay
	// (stay there: its current question again).
	CallbackDialogue
	// CallbackResume carries on with a dialogue paused after a crisis or a
	// request for help ("Continue when you are ready"): Arg is the pilot,
	// "" before any pilot was chosen.
	CallbackResume
)

// MaxButtonData is Telegram's limit on callback data, in bytes.
const MaxButtonData = 64

// HelpData is the data of the "I need help now" button.
const HelpData = tagHelp

// ChosenData is the data of the mark that replaces an answered question's
// keyboard.
const ChosenData = tagChosen

// The wire tags. Flow buttons have none: they start with the version.
const (
	tagPilot    = "P"
	tagLanguage = "L"
	tagForget   = "F"
	tagHelp     = "H"
	tagChosen   = "✓"
	tagSupport  = "S"
	tagVote     = "V"
	tagModerate = "M"
	tagOnIt     = "A"
	tagDialogue = "D"
	tagNews     = "N"
	tagResume   = "R"
	tagUnknown  = "?"
	sep         = ":"
)

const versionPrefix = 6

// The options of the host's buttons that have a fixed set.
const (
	ForgetYes       = "yes"
	ForgetNo        = "no"
	VoteAgree       = "agree"
	VoteDisagree    = "disagree"
	VotePass        = "pass"
	ModerateApprove = "approve"
	ModerateReject  = "reject"
	ModerateEdit    = "edit"
	DialogueGo      = "go"
	DialogueOver    = "over"
	DialogueStay    = "stay"
	// The statuses a coordinator gives an approved idea ("you said, we
	// did"), and the answer to "add a note?".
	ModerateConsidering = "considering"
	ModerateAccepted    = "accepted"
	ModerateDone        = "done"
	ModerateImpossible  = "impossible"
	ModerateNoNote      = "nonote"
	NewsSend            = "send"
	NewsCancel          = "cancel"
)

// moderateOptions are the options of a moderation button.
var moderateOptions = []string{ModerateApprove, ModerateReject, ModerateEdit,
	ModerateConsidering, ModerateAccepted, ModerateDone, ModerateImpossible, ModerateNoNote}

// fixedOption reports whether opt is one of the options of a host button
// of kind k.
func fixedOption(k CallbackKind, opt string) bool {
	switch k {
	case CallbackForget:
		return opt == ForgetYes || opt == ForgetNo
	case CallbackVote:
		return opt == VoteAgree || opt == VoteDisagree || opt == VotePass
	case CallbackModerate:
		return slices.Contains(moderateOptions, opt)
	case CallbackNews:
		return opt == NewsSend || opt == NewsCancel
	case CallbackDialogue:
		return opt == DialogueGo || opt == DialogueOver || opt == DialogueStay
	}
	return false
}

// Reserved option values for the buttons the bot adds to flow nodes.
const (
	optSkip     = "_skip"
	optRestart  = "_restart"
	optDontKnow = "_dk"
	optYes      = "yes"
	optNo       = "no"
)

// Encode writes the callback as button data. A flow callback's version is
// cut to its first 6 characters. Overflow says whether it fits in a button.
func (c Callback) Encode() string {
	switch c.Kind {
	case CallbackFlow:
		v := c.Version
		if len(v) > versionPrefix {
			v = v[:versionPrefix]
		}
		s := v + sep + c.Node + sep + c.Option
		if c.Arg != "" {
			s += sep + c.Arg
		}
		return s
	case CallbackPilot:
		return tagPilot + sep + c.Arg
	case CallbackLanguage:
		return tagLanguage + sep + c.Arg
	case CallbackForget:
		if c.Arg != "" {
			return tagForget + sep + c.Option + sep + c.Arg
		}
		return tagForget + sep + c.Option
	case CallbackHelp:
		return tagHelp
	case CallbackChosen:
		return tagChosen
	case CallbackSupport:
		return tagSupport + sep + c.Arg
	case CallbackVote:
		return tagVote + sep + c.Arg + sep + c.Option
	case CallbackModerate:
		return tagModerate + sep + c.Arg + sep + c.Option
	case CallbackOnIt:
		return tagOnIt + sep + c.Arg
	case CallbackDialogue:
		return tagDialogue + sep + c.Arg + sep + c.Option
	case CallbackNews:
		return tagNews + sep + c.Arg + sep + c.Option
	case CallbackResume:
		return tagResume + sep + c.Arg
	}
	return tagUnknown
}

// Overflow is how many bytes the encoded callback is over Telegram's limit;
// 0 when it fits.
func (c Callback) Overflow() int { return overflow(c.Encode()) }

// overflow is the one place the limit is checked.
func overflow(data string) int { return max(0, len(data)-MaxButtonData) }

// Skip reports whether the button is the Skip button of a flow question.
func (c Callback) Skip() bool { return c.Kind == CallbackFlow && c.Option == optSkip }

// ParseCallback reads button data made by Encode. It reports false, with
// CallbackUnknown, for anything else: data from another bot or version of
// this one, forged or damaged data, or data longer than Telegram allows.
func ParseCallback(data string) (Callback, bool) {
	if overflow(data) > 0 {
		return Callback{}, false
	}
	tag, rest, hasRest := strings.Cut(data, sep)
	var c Callback
	ok := false
	switch {
	case len(tag) == versionPrefix && hasRest:
		c, ok = parseFlow(tag, rest)
	case !hasRest && tag == tagHelp:
		c, ok = Callback{Kind: CallbackHelp}, true
	case !hasRest && tag == tagChosen:
		c, ok = Callback{Kind: CallbackChosen}, true
	case !hasRest:
	case tag == tagPilot:
		// The rest, whatever it is: an unknown pilot is answered as stale.
		c, ok = Callback{Kind: CallbackPilot, Arg: rest}, true
	case tag == tagLanguage:
		c, ok = Callback{Kind: CallbackLanguage, Arg: rest}, true
	case tag == tagForget:
		opt, until, timed := strings.Cut(rest, sep)
		c, ok = Callback{Kind: CallbackForget, Option: opt, Arg: until}, fixedOption(CallbackForget, opt) && (!timed || digits(until))
	case tag == tagSupport:
		c, ok = Callback{Kind: CallbackSupport, Arg: rest}, word(rest)
	case tag == tagOnIt:
		c, ok = Callback{Kind: CallbackOnIt, Arg: rest}, word(rest)
	case tag == tagResume:
		// "R:" is the lobby's: no pilot chosen yet.
		c, ok = Callback{Kind: CallbackResume, Arg: rest}, rest == "" || word(rest)
	case tag == tagVote:
		c, ok = parsePair(CallbackVote, rest)
	case tag == tagModerate:
		c, ok = parsePair(CallbackModerate, rest)
	case tag == tagDialogue:
		c, ok = parsePair(CallbackDialogue, rest)
	case tag == tagNews:
		c, ok = parsePair(CallbackNews, rest)
	}
	if !ok {
		return Callback{}, false
	}
	return c, true
}

// parseFlow reads "<node>:<option>[:<arg>]" after the version.
func parseFlow(version, rest string) (Callback, bool) {
	node, rest, ok := strings.Cut(rest, sep)
	if !ok || !word(node) {
		return Callback{}, false
	}
	opt, arg, hasArg := strings.Cut(rest, sep)
	if !word(opt) || hasArg && !word(arg) {
		return Callback{}, false
	}
	return Callback{Kind: CallbackFlow, Version: version, Node: node, Option: opt, Arg: arg}, true
}

// parsePair reads "<arg>:<option>", with one of kind's fixed options.
func parsePair(kind CallbackKind, rest string) (Callback, bool) {
	arg, opt, ok := strings.Cut(rest, sep)
	if !ok || !word(arg) || !fixedOption(kind, opt) {
		return Callback{}, false
	}
	return Callback{Kind: kind, Arg: arg, Option: opt}, true
}

// digits reports whether s is a whole number written in digits.
func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// word reports whether s can be one field: not empty, no separator.
func word(s string) bool { return s != "" && !strings.Contains(s, sep) }

// ButtonData encodes a press of option on node for flow version.
func ButtonData(version, node, option string) string {
	return Callback{Kind: CallbackFlow, Version: version, Node: node, Option: option}.Encode()
}

// ParseButtonData reads flow button data; it reports false for anything
// else, and for a flow button with an Arg.
func ParseButtonData(data string) (version, node, option string, ok bool) {
	c, ok := ParseCallback(data)
	if !ok || c.Kind != CallbackFlow || c.Arg != "" {
		return "", "", "", false
	}
	return c.Version, c.Node, c.Option, true
}

// IsFlowButton reports whether data is flow button data rather than one of
// the host's own buttons.
func IsFlowButton(data string) bool {
	c, _ := ParseCallback(data)
	return c.Kind == CallbackFlow
}
