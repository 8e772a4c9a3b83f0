package flow_test

import (
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

const boundsFlow = `
pilot:
  id: demo
  name: Demo
  languages: [en]
  timezone: Europe/Helsinki
  retention_days: 30
  help: Help.
nodes:
  - id: welcome
    type: consent
    text: Hi!
  - id: any
    type: number
    result: any
    text: Any number?
  - id: small
    type: number
    result: small
    min: 0
    text: How many?
  - id: bye
    type: end
    text: Thanks!
`

// TestNumberBounds: a number node without min or max takes numbers within
// ±1e9 only, so that no typed number can make a sum overflow, and a flow
// cannot set wider bounds.
func TestNumberBounds(t *testing.T) {
	f := load(t, boundsFlow)
	c := newConv(t, f, "en")
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	c.wantAt("any")
	for _, typed := range []string{"9223372036854770", "10000000000", "-1000000000.5", "99999999999999999999"} {
		c.say(typed)
		c.wantAt("any")
		if len(effects(c.res, flow.EffAnswer)) != 0 || !strings.Contains(c.last(), "reask.range") {
			t.Fatalf("%q: %+v, want the range asked again", typed, c.res)
		}
	}
	// Exponents are not how people write numbers: asked again as not a number.
	for _, typed := range []string{"1e10", "1e308"} {
		c.say(typed)
		c.wantAt("any")
		if len(effects(c.res, flow.EffAnswer)) != 0 || !strings.Contains(c.last(), "reask.number") {
			t.Fatalf("%q: %+v, want a number asked for again", typed, c.res)
		}
	}
	c.say("-1000000000")
	c.wantAt("small")
	c.say("1000000001")
	if !strings.Contains(c.last(), "reask.range map[Max:1,000,000,000 Min:0]") {
		t.Fatalf("a node with only min re-asks with %q", c.last())
	}
	c.say("1000000000")
	c.wantAt("bye")

	for _, bad := range []string{"min: -1e12", "max: 1e10"} {
		src := strings.Replace(boundsFlow, "    min: 0\n", "    "+bad+"\n", 1)
		_, diags := flow.Load("demo.yaml", []byte(src), flow.Options{})
		if !diags.HasErrors() || !strings.Contains(diags.String(), "numbers must lie between -1000000000 and 1000000000") {
			t.Errorf("%s: %v", bad, diags)
		}
	}
}
