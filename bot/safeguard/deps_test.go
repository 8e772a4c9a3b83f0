package safeguard

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoProjectPackage keeps the package pure: the conversation
// service and the flow checker use it, never the other way round.
func TestImportsNoProjectPackage(t *testing.T) {
	const self = "github.com/cosie/cosiebot/bot/safeguard"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", self).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, d := range strings.Fields(string(out)) {
		if d != self && strings.HasPrefix(d, "github.com/cosie/cosiebot/") {
			t.Errorf("%s must not import %s", self, d)
		}
	}
}
