// Package postertest reads QR codes back in tests, with zbarimg (Debian's
// zbar-tools), the way a phone would: from the pixels.
package postertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Scan returns the text of the one QR code in the PNG image.
//
// The rule when zbarimg is missing: in CI (the environment variable CI or
// COSIE_CI is set) the test fails and says what to install; on a
// developer's machine it is skipped with the same advice, so that `go test
// ./...` passes with only Go installed while CI never skips the check.
func Scan(tb testing.TB, png []byte) string {
	tb.Helper()
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		const advice = "zbarimg is not installed, so QR codes cannot be read back: apt-get install -y zbar-tools"
		if os.Getenv("CI") != "" || os.Getenv("COSIE_CI") != "" {
			tb.Fatal(advice)
		}
		tb.Skip(advice + " (this check runs in CI)")
	}
	file := filepath.Join(tb.TempDir(), "code.png")
	if err := os.WriteFile(file, png, 0o600); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("zbarimg found no QR code: %v %s", err, stderr.String())
	}
	out := strings.TrimSuffix(stdout.String(), "\n")
	if strings.Contains(out, "\n") {
		tb.Fatalf("zbarimg found more than one code: %q", out)
	}
	return out
}
