package flow_test

import (
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

// The wire format is stored in messages already sent: a button pressed
// weeks after it was sent must still be read, so these strings never change.
func TestCallbackWire(t *testing.T) {
	for _, tc := range []struct {
		c    flow.Callback
		want string
	}{
		{flow.Callback{Kind: flow.CallbackFlow, Version: "abcdef123456", Node: "ask_reason", Option: "staff"}, "abcdef:ask_reason:staff"},
		{flow.Callback{Kind: flow.CallbackFlow, Version: "abcdef", Node: "ask", Option: "_skip"}, "abcdef:ask:_skip"},
		{flow.Callback{Kind: flow.CallbackFlow, Version: "abcdef", Node: "weigh", Option: "agree", Arg: "i42"}, "abcdef:weigh:agree:i42"},
		{flow.Callback{Kind: flow.CallbackPilot, Arg: "turku"}, "P:turku"},
		{flow.Callback{Kind: flow.CallbackLanguage, Arg: "fi"}, "L:fi"},
		{flow.Callback{Kind: flow.CallbackForget, Option: flow.ForgetYes}, "F:yes"},
		{flow.Callback{Kind: flow.CallbackForget, Option: flow.ForgetNo}, "F:no"},
		{flow.Callback{Kind: flow.CallbackForget, Option: flow.ForgetYes, Arg: "1772445600"}, "F:yes:1772445600"},
		{flow.Callback{Kind: flow.CallbackDialogue, Arg: "turku", Option: flow.DialogueGo}, "D:turku:go"},
		{flow.Callback{Kind: flow.CallbackDialogue, Arg: "hull", Option: flow.DialogueOver}, "D:hull:over"},
		{flow.Callback{Kind: flow.CallbackDialogue, Arg: "voru", Option: flow.DialogueStay}, "D:voru:stay"},
		{flow.Callback{Kind: flow.CallbackHelp}, flow.HelpData},
		{flow.Callback{Kind: flow.CallbackHelp}, "H"},
		{flow.Callback{Kind: flow.CallbackChosen}, flow.ChosenData},
		{flow.Callback{Kind: flow.CallbackChosen}, "✓"},
		{flow.Callback{Kind: flow.CallbackSupport, Arg: "i42"}, "S:i42"},
		{flow.Callback{Kind: flow.CallbackVote, Arg: "i42", Option: flow.VoteDisagree}, "V:i42:disagree"},
		{flow.Callback{Kind: flow.CallbackModerate, Arg: "i42", Option: flow.ModerateApprove}, "M:i42:approve"},
		{flow.Callback{Kind: flow.CallbackOnIt, Arg: "3f9a12bc"}, "A:3f9a12bc"},
		{flow.Callback{Kind: flow.CallbackModerate, Arg: "reggio_emilia.k3x9q2", Option: flow.ModerateImpossible}, "M:reggio_emilia.k3x9q2:impossible"},
		{flow.Callback{Kind: flow.CallbackModerate, Arg: "turku.k3x9q2", Option: flow.ModerateNoNote}, "M:turku.k3x9q2:nonote"},
		{flow.Callback{Kind: flow.CallbackNews, Arg: "turku", Option: flow.NewsSend}, "N:turku:send"},
		{flow.Callback{Kind: flow.CallbackNews, Arg: "turku", Option: flow.NewsCancel}, "N:turku:cancel"},
		{flow.Callback{Kind: flow.CallbackOnIt, Arg: "turku.3f9a12bc"}, "A:turku.3f9a12bc"},
		{flow.Callback{Kind: flow.CallbackResume, Arg: "turku"}, "R:turku"},
		{flow.Callback{Kind: flow.CallbackResume}, "R:"},
	} {
		got := tc.c.Encode()
		if got != tc.want {
			t.Errorf("%+v encodes as %q, want %q", tc.c, got, tc.want)
			continue
		}
		back, ok := flow.ParseCallback(got)
		want := tc.c
		if len(want.Version) > 6 {
			want.Version = want.Version[:6]
		}
		if !ok || back != want {
			t.Errorf("ParseCallback(%q) = %+v, %v; want %+v", got, back, ok, want)
		}
	}
}

func TestParseCallbackRefuses(t *testing.T) {
	for _, data := range []string{
		"", "?", "garbage", ":", "H:", "✓:x", "HH",
		"abcdef", "abcdef:ask", "abcdef::staff", "abcdef:ask:", "abcdef:ask:staff:", "abcdef:ask:staff:x:y",
		"abcde:ask:staff", "abcdefg:ask:staff", ":ask:staff", "abcdefask:staff",
		"F:", "F:maybe", "F:yes:no", "F:yes:", "F:yes:12:3",
		"D:", "D:turku", "D:turku:", "D:turku:leave", "D::go",
		"S:", "S:a:b", "A:", "R", "R:a:b",
		"V:i42", "V:i42:", "V:i42:maybe", "V::agree",
		"M:i42:delete", "M:i42", "N:turku", "N:turku:maybe", "N::send",
		"P:" + strings.Repeat("x", 63),
	} {
		if c, ok := flow.ParseCallback(data); ok || c != (flow.Callback{}) {
			t.Errorf("ParseCallback(%q) = %+v, %v; want refused", data, c, ok)
		}
	}
	if got := (flow.Callback{}).Encode(); got != "?" {
		t.Errorf("an unknown callback encodes as %q", got)
	}
}

// The host's menus take whatever follows the tag: an unknown pilot or
// language is answered as a stale press, not as garbage.
func TestParseCallbackMenus(t *testing.T) {
	for data, want := range map[string]flow.Callback{
		"P:":      {Kind: flow.CallbackPilot},
		"P:a:b":   {Kind: flow.CallbackPilot, Arg: "a:b"},
		"L:xx":    {Kind: flow.CallbackLanguage, Arg: "xx"},
		"L:pt-br": {Kind: flow.CallbackLanguage, Arg: "pt-br"},
	} {
		if c, ok := flow.ParseCallback(data); !ok || c != want {
			t.Errorf("ParseCallback(%q) = %+v, %v; want %+v", data, c, ok, want)
		}
	}
}

func TestCallbackOverflow(t *testing.T) {
	c := flow.Callback{Kind: flow.CallbackFlow, Version: "abcdef", Node: strings.Repeat("n", 28), Option: strings.Repeat("o", 28)}
	if c.Overflow() != 0 || len(c.Encode()) != flow.MaxButtonData {
		t.Errorf("%d bytes: overflow %d, want 0", len(c.Encode()), c.Overflow())
	}
	c.Option += "oo"
	if c.Overflow() != 2 {
		t.Errorf("%d bytes: overflow %d, want 2", len(c.Encode()), c.Overflow())
	}
	if _, ok := flow.ParseCallback(c.Encode()); ok {
		t.Error("data longer than Telegram allows was accepted")
	}
}

func TestCallbackSkip(t *testing.T) {
	skip, _ := flow.ParseCallback(flow.ButtonData("abcdef", "ask", "_skip"))
	other, _ := flow.ParseCallback(flow.ButtonData("abcdef", "ask", "staff"))
	if !skip.Skip() || other.Skip() || (flow.Callback{Kind: flow.CallbackForget, Option: "_skip"}).Skip() {
		t.Error("Skip is true only for the Skip button of a flow question")
	}
}

// FuzzParseCallback: parsing never panics, and whatever it accepts is
// written back byte for byte.
//
//	go test ./bot/flow -run XXX -fuzz FuzzParseCallback -fuzztime 30s
func FuzzParseCallback(f *testing.F) {
	for _, s := range []string{"abcdef:ask:staff", "abcdef:weigh:agree:i1", "P:turku", "L:fi", "F:yes", "H", "✓", "S:i1", "V:i1:pass", "M:i1:edit", "A:r", "?", "", "::", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		c, ok := flow.ParseCallback(data)
		if !ok {
			if c != (flow.Callback{}) {
				t.Fatalf("refused %q but returned %+v", data, c)
			}
			return
		}
		if c.Kind == flow.CallbackUnknown {
			t.Fatalf("accepted %q as unknown", data)
		}
		if got := c.Encode(); got != data {
			t.Fatalf("ParseCallback(%q) = %+v, which encodes as %q", data, c, got)
		}
	})
}

// FuzzCallbackRoundTrip: a callback with well-formed fields comes back
// unchanged from its encoding, and nothing that encodes parses as
// something else.
//
//	go test ./bot/flow -run XXX -fuzz FuzzCallbackRoundTrip -fuzztime 30s
func FuzzCallbackRoundTrip(f *testing.F) {
	f.Add(uint8(flow.CallbackFlow), "abcdef123", "ask", "staff", "")
	f.Add(uint8(flow.CallbackFlow), "abcdef", "weigh", "agree", "i9")
	f.Add(uint8(flow.CallbackPilot), "", "", "", "turku")
	f.Add(uint8(flow.CallbackVote), "", "", "pass", "i9")
	f.Add(uint8(flow.CallbackForget), "", "", "no", "")
	f.Fuzz(func(t *testing.T, kind uint8, version, node, option, arg string) {
		c := flow.Callback{Kind: flow.CallbackKind(kind % 12), Version: version, Node: node, Option: option, Arg: arg}
		data := c.Encode()
		back, ok := flow.ParseCallback(data)
		if ok && back.Encode() != data {
			t.Fatalf("%+v encodes as %q, read back as %+v", c, data, back)
		}
		want, wellFormed := normal(c)
		if !wellFormed || c.Overflow() > 0 {
			return
		}
		if !ok || back != want {
			t.Fatalf("%+v encodes as %q, read back as %+v, %v", c, data, back, ok)
		}
	})
}

// normal is c with only the fields its kind uses, and whether those fields
// are well formed.
func normal(c flow.Callback) (flow.Callback, bool) {
	word := func(s string) bool { return s != "" && !strings.Contains(s, ":") }
	oneOf := func(s string, list ...string) bool {
		for _, x := range list {
			if s == x {
				return true
			}
		}
		return false
	}
	switch c.Kind {
	case flow.CallbackFlow:
		if len(c.Version) < 6 || strings.Contains(c.Version[:6], ":") {
			return c, false
		}
		n := flow.Callback{Kind: c.Kind, Version: c.Version[:6], Node: c.Node, Option: c.Option, Arg: c.Arg}
		return n, word(c.Node) && word(c.Option) && (c.Arg == "" || word(c.Arg))
	case flow.CallbackPilot, flow.CallbackLanguage:
		return flow.Callback{Kind: c.Kind, Arg: c.Arg}, true
	case flow.CallbackForget:
		digits := c.Arg == "" || strings.Trim(c.Arg, "0123456789") == ""
		return flow.Callback{Kind: c.Kind, Option: c.Option, Arg: c.Arg}, digits && oneOf(c.Option, flow.ForgetYes, flow.ForgetNo)
	case flow.CallbackDialogue:
		return flow.Callback{Kind: c.Kind, Arg: c.Arg, Option: c.Option}, word(c.Arg) && oneOf(c.Option, flow.DialogueGo, flow.DialogueOver, flow.DialogueStay)
	case flow.CallbackHelp, flow.CallbackChosen:
		return flow.Callback{Kind: c.Kind}, true
	case flow.CallbackSupport, flow.CallbackOnIt:
		return flow.Callback{Kind: c.Kind, Arg: c.Arg}, word(c.Arg)
	case flow.CallbackResume:
		return flow.Callback{Kind: c.Kind, Arg: c.Arg}, c.Arg == "" || word(c.Arg)
	case flow.CallbackVote:
		return flow.Callback{Kind: c.Kind, Arg: c.Arg, Option: c.Option}, word(c.Arg) && oneOf(c.Option, flow.VoteAgree, flow.VoteDisagree, flow.VotePass)
	case flow.CallbackModerate:
		return flow.Callback{Kind: c.Kind, Arg: c.Arg, Option: c.Option}, word(c.Arg) && oneOf(c.Option, flow.ModerateApprove, flow.ModerateReject, flow.ModerateEdit)
	}
	return c, false
}
