package flow

import "strings"

// Button data is what Telegram sends back when a citizen presses a button.
// It binds the press to a flow version and a node, so that a stale, repeated
// or forged press is recognised: "<version 6>:<node>:<option>". Telegram
// allows at most 64 bytes.

// MaxButtonData is Telegram's limit on callback data, in bytes.
const MaxButtonData = 64

// Reserved option values for the buttons the bot adds itself.
const (
	optSkip     = "_skip"
	optRestart  = "_restart"
	optDontKnow = "_dk"
	optYes      = "yes"
	optNo       = "no"
)

const versionPrefix = 6

// ButtonData encodes a button press on node for flow version.
func ButtonData(version, node, option string) string {
	if len(version) > versionPrefix {
		version = version[:versionPrefix]
	}
	return version + ":" + node + ":" + option
}

// ParseButtonData splits button data made by ButtonData.
func ParseButtonData(data string) (version, node, option string, ok bool) {
	version, rest, ok1 := strings.Cut(data, ":")
	node, option, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || len(version) != versionPrefix || node == "" || option == "" {
		return "", "", "", false
	}
	return version, node, option, true
}

// IsFlowButton reports whether data looks like flow button data rather than
// one of the host's own buttons.
func IsFlowButton(data string) bool {
	_, _, _, ok := ParseButtonData(data)
	return ok
}
