package flow

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestZoneListLoads: every zone the checker may suggest is one the bot can
// load (zones.go and the embedded tz database agree).
func TestZoneListLoads(t *testing.T) {
	names := zones()
	if len(names) < 300 {
		t.Fatalf("only %d zones in zones.go; run go generate ./bot/flow", len(names))
	}
	for _, z := range names {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("zones.go lists %s, which does not load: %v", z, err)
		}
	}
}

// TestZoneMessages compares what the checker says about each timezone with
// testdata/zones.golden (go test ./bot/flow -run ZoneMessages -update).
func TestZoneMessages(t *testing.T) {
	inputs := []string{
		"Europe/Helsinki", "UTC", "Europe/Kiev",
		"Europe/Lisboa", "Europe/Lisbon ", "europe/helsinki", "EUROPE/WARSAW", "Helsinki", "helsinki",
		"Eurpoe/Helsinki", "Europe/Helsiki", "Asia/Helsinki", "America/New York", "new york", "Europe/Wien",
		"Turku", "Europe/Turku", "Reggio Emilia",
		"CET", "EET", "GMT", "EST", "UTC+2", "GMT-1", "+02:00", "Japan", "Local", "Mars/Olympus_Mons", "Finland",
	}
	var b strings.Builder
	for _, in := range inputs {
		loc, msg := checkZone(in)
		switch {
		case msg == "" && loc == nil:
			t.Errorf("%q: neither a zone nor a message", in)
		case msg != "" && loc != nil:
			t.Errorf("%q: both a zone and the message %q", in, msg)
		case msg == "":
			msg = "ok: " + loc.String()
		}
		fmt.Fprintf(&b, "%-20q %s\n", in, msg)
	}
	got := b.String()
	const golden = "testdata/zones.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("zone messages changed (run with -update if intended)\n--- got:\n%s--- want:\n%s", got, want)
	}
}
