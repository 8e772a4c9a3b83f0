package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestStudioCommand starts `cosiebot studio` on a folder of flows, opens
// its pilots page and stops it.
func TestStudioCommand(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "flows", "turku.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "turku.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"studio", "--addr", "127.0.0.1:0", "--flows", dir}, func(string) string { return "" }, strings.NewReader(""), &out, &errs)
	}()
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)
	deadline := time.Now().Add(10 * time.Second)
	for url.FindString(out.String()) == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the studio did not start:\n%s\n%s", out.String(), errs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.Get(url.FindString(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "Turun nuorten palvelut") {
		t.Errorf("the pilots page: %d\n%s", res.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("stopping the studio: %v", err)
	}
	if !strings.Contains(errs.String(), "REDIS_URL is not set") {
		t.Errorf("no word about the missing answers store:\n%s", errs.String())
	}
}

// TestStudioRemoteNeedsLogin: a studio on another address needs the bot's
// token, for the Telegram login.
func TestStudioRemoteNeedsLogin(t *testing.T) {
	var out, errs syncBuffer
	err := run(context.Background(), []string{"studio", "--addr", "0.0.0.0:0"}, func(string) string { return "" }, strings.NewReader(""), &out, &errs)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") {
		t.Errorf("got %v", err)
	}
}
