package flow_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

const inviteFlow = `
pilot:
  id: test
  name: Test service
  languages: [en]
  timezone: Europe/Helsinki
  retention_days: 30
  help: Help text
nodes:
  - id: hello
    type: consent
    text: Hello
  - id: network
    type: number
    result: network_size
    min: 0
    text: How many people do you know who come here?
  - id: pass_on
    type: invite
    links: 2
    network: network_size
    text: Pass these on to people you know.
  - id: bye
    type: end
    text: Bye!
`

// TestInviteStep: an invite node sends its text with the number of links
// for the host to add, and goes on at once, in the order the citizen
// reads the messages.
func TestInviteStep(t *testing.T) {
	f, diags := flow.Load("invite.yaml", []byte(inviteFlow), flow.Options{Languages: []string{"en"}})
	if f == nil || diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	if !f.Invites() || f.NetworkResult() != "network_size" {
		t.Fatalf("Invites %v, NetworkResult %q", f.Invites(), f.NetworkResult())
	}
	e := flow.Engine{Words: words{}}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	res := e.Step(f, flow.State{}, flow.Input{Kind: flow.InStart}, now)
	res = e.Step(f, res.State, flow.Input{Kind: flow.InButton, Data: res.Messages[0].Buttons[0][0].Data}, now)
	res = e.Step(f, res.State, flow.Input{Kind: flow.InText, Text: "12"}, now)
	want := []flow.Message{
		{Text: "Pass these on to people you know.", Invite: 2},
		{Text: "Bye!"},
	}
	if !reflect.DeepEqual(res.Messages, want) {
		t.Fatalf("messages %+v\nwant %+v", res.Messages, want)
	}
	if !res.State.Done || res.Effects[0].Answer == nil || res.Effects[0].Answer.Value != "12" {
		t.Errorf("state %+v effects %+v", res.State, res.Effects)
	}
}

// TestInviteDefaults: three links unless the file says otherwise; no
// network question is fine (the sample then cannot be weighted).
func TestInviteDefaults(t *testing.T) {
	f := mustLoadFlow(t, `
pilot:
  id: test
  name: Test service
  languages: [en]
  timezone: Europe/Helsinki
  retention_days: 30
  help: Help text
nodes:
  - id: hello
    type: consent
    text: Hello
  - id: pass_on
    type: invite
    text: Pass these on.
  - id: bye
    type: end
    text: Bye!
`)
	if n := f.Node("pass_on"); n.Links != flow.DefaultLinks || n.Network != "" || f.NetworkResult() != "" {
		t.Errorf("links %d network %q", n.Links, n.Network)
	}
}

func mustLoadFlow(t *testing.T, src string) *flow.Flow {
	t.Helper()
	f, diags := flow.Load("test.yaml", []byte(src), flow.Options{Languages: []string{"en"}})
	if f == nil || diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	return f
}
