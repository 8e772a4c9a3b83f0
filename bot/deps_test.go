package bot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the layering of docs/architecture.md: the
// flow engine imports no project package, the conversation service knows
// neither Telegram nor Redis, and nothing imports the command.
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/cosie/cosiebot"
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{mod + "/bot/flow", []string{mod + "/"}},
		{mod + "/bot", []string{"github.com/go-telegram/bot", "github.com/redis/go-redis", mod + "/bot/telegram", mod + "/bot/redisstore", mod + "/bot/schedule", mod + "/cmd"}},
		{mod + "/locales", []string{mod + "/bot", mod + "/flows"}},
		{mod + "/bot/telegram", []string{mod + "/bot/redisstore", mod + "/bot/schedule", mod + "/cmd"}},
		{mod + "/bot/redisstore", []string{mod + "/bot/telegram", mod + "/bot/schedule", mod + "/cmd"}},
		{mod + "/bot/schedule", []string{mod + "/bot/telegram", mod + "/bot/redisstore", mod + "/cmd"}},
	}
	for _, r := range rules {
		for _, d := range deps(r.pkg) {
			if d == r.pkg {
				continue
			}
			for _, f := range r.forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s must not depend on %s", r.pkg, d)
				}
			}
		}
	}
}
