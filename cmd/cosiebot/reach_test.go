package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/deeplink"
	"github.com/cosie/cosiebot/bot/poster/postertest"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// reachEnv runs cosiebot's commands on the flows in dir and the test's Redis.
func reachEnv(t *testing.T, db testDB, flows string) func(args ...string) (string, string) {
	env := db.env(map[string]string{"REDIS_URL": db.url, "COSIE_PSEUDONYM_KEY": testKey, "COSIE_FLOWS_DIR": flows})
	return func(args ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("cosiebot %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String(), errOut.String()
	}
}

// flowsDir copies flow files into a folder of their own.
func flowsDir(t *testing.T, files ...string) string {
	dir := t.TempDir()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestPosterToDigest: a printed poster's QR code, read from its PNG as a
// phone would (zbarimg), opens the pilot with the poster's source, and the
// digest and the data package count the dialogue under that source.
func TestPosterToDigest(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 11)
	flows := flowsDir(t, "testdata/flows/quick.yaml")
	out := t.TempDir()
	stdout, stderr, err := runQR(t, map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "TELEGRAM_API_URL": fake.URL(), "COSIE_FLOWS_DIR": flows},
		"--pilot", "quick", "--source", "library", "--out", out, "--format", "svg")
	if err != nil {
		t.Fatalf("qr: %v\n%s", err, stderr)
	}
	scanned := postertest.Scan(t, listed(t, stdout)["quick-library-qr.png"])
	link, err := url.Parse(scanned)
	if err != nil || link.Host != "t.me" || link.Path != "/"+telegramtest.BotUsername {
		t.Fatalf("the poster's code reads %q", scanned)
	}
	payload := link.Query().Get("start")

	srv := startServe(t, serveEnv(fake, db.url, db.env(map[string]string{"COSIE_FLOWS_DIR": flows})))
	c := newCitizen(t, fake, 4101, "en")
	c.say("/start " + payload) // what Telegram sends when the link is opened
	c.expect("Hello! A quick test survey.")
	c.press("✅")
	c.expect("Question 1")
	c.press("🙂")
	c.expect("Question 2")
	other := newCitizen(t, fake, 4102, "en")
	other.say("/start quick") // a plain link
	other.expect("Hello! A quick test survey.")
	other.press("✅")
	other.expect("Question 1")
	srv.stop()

	cmd := reachEnv(t, db, flows)
	digest, _ := cmd("digest", "--pilot", "quick", "--since", "7d", "--lang", "en")
	section := digest[strings.Index(digest, "📍"):]
	for _, want := range []string{"📍 Where people came from:\n  library   ██████████ 1\n  no source ██████████ 1"} {
		if !strings.Contains(section, want) {
			t.Errorf("the digest's section lacks %q:\n%s", want, section)
		}
	}
	dir := filepath.Join(t.TempDir(), "quick")
	cmd("export", "--pilot", "quick", "--format", "datapackage", "-o", dir)
	rows := readCSVFile(t, filepath.Join(dir, "dialogues.csv"))
	if len(rows) != 2 || rows[1][5] != "library" {
		t.Errorf("dialogues.csv: %q, want the poster's dialogue from the library", rows)
	}
}

// TestInvitationWaves: three waves of peer invitations on the fake Bot
// API. Each coupon brings one person (two tapping one link at once bring
// one), the chains and waves are right in the data package, and the RDS-II
// weights are those computed by hand below.
//
// The tree (network size d, "?" when missing):
//
//	wave 0   A d=2                      B d=4 (from a poster)
//	         ├── C d=4 ── F d=8          └── E d=0 (?) ── H d=2
//	wave 1   └── D d=8 ── G d=4 ── I d=4
//	                  └── K or L (?, tapped at once, answered nothing)
//	wave 2: F, G, H, K/L; wave 3: I. J taps C's used link: not counted.
//
// Known sizes A2 B4 C4 D8 F8 G4 H2 I4, sorted 2 2 4 4 4 4 8 8: median 4,
// given to E and K/L. 1/d: A,H 1/2; B,C,E,G,I,K 1/4; D,F 1/8; sum 11/4.
// n = 10, so w = 10·(1/d)·4/11 = 40/(11d): d=2 20/11, d=4 10/11, d=8 5/11
// (sum 2·20/11 + 6·10/11 + 2·5/11 = 10).
func TestInvitationWaves(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	db := testRedis(t, 12)
	flows := flowsDir(t, "testdata/reach/peers.yaml")
	srv := startServe(t, serveEnv(fake, db.url, db.env(map[string]string{"COSIE_FLOWS_DIR": flows})))

	people := map[string]*citizen{}
	links := map[string][]string{}
	join := func(name string, chat int64, start, network string) {
		t.Helper()
		c := newCitizen(t, fake, chat, "en")
		people[name] = c
		c.say("/start " + start)
		c.expect("Two quick questions")
		c.press("✅")
		c.expect("What do you use most?")
		c.press("Food bank")
		c.expect("How many people")
		c.say(network)
		inv := c.expectOr(srv, "Please pass these links on")
		c.expect("Thank you!")
		links[name] = shared(t, inv)
	}
	join("A", 5001, "peers", "2")
	join("B", 5002, "peersSlibrary", "4")
	join("C", 5003, links["A"][0], "4")
	join("D", 5004, links["A"][1], "8")
	join("E", 5005, links["B"][0], "0")
	join("F", 5006, links["C"][0], "8")
	join("G", 5007, links["D"][0], "4")
	join("H", 5008, links["E"][0], "2")
	join("I", 5009, links["G"][0], "4") // wave 3
	j := newCitizen(t, fake, 5010, "en")
	j.say("/start " + links["A"][0]) // C used it
	j.expect("Two quick questions")
	k, l := newCitizen(t, fake, 5011, "en"), newCitizen(t, fake, 5012, "en")
	k.say("/start " + links["D"][1])
	l.say("/start " + links["D"][1])
	k.expect("Two quick questions")
	l.expect("Two quick questions")
	srv.stop()

	cmd := reachEnv(t, db, flows)
	digest, _ := cmd("digest", "--pilot", "peers", "--since", "7d", "--lang", "en")
	for _, want := range []string{"📨 Invitations: 18 given, 8 brought someone new, 2 not counted", "wave 1 ", "wave 2 ", "wave 3 "} {
		if !strings.Contains(digest, want) {
			t.Errorf("digest lacks %q:\n%s", want, digest)
		}
	}
	dir := filepath.Join(t.TempDir(), "peers")
	cmd("export", "--pilot", "peers", "--format", "datapackage", "-o", dir)
	rows := readCSVFile(t, filepath.Join(dir, "participants.csv"))
	got := map[string][]string{}
	for _, row := range rows[1:] {
		got[row[0]] = row
	}
	pid := func(c *citizen) string {
		return bot.PilotPseudonym([]byte(testKey), "peers", bot.ChatKey([]byte(testKey), c.chat))
	}
	kl := k
	if _, ok := got[pid(l)]; ok {
		kl = l
	}
	people["K"] = kl
	for _, tc := range []struct {
		who, recruiter string
		wave           int
		weight         float64
	}{
		{"A", "", 0, 20.0 / 11}, {"B", "", 0, 10.0 / 11},
		{"C", "A", 1, 10.0 / 11}, {"D", "A", 1, 5.0 / 11}, {"E", "B", 1, 10.0 / 11},
		{"F", "C", 2, 5.0 / 11}, {"G", "D", 2, 10.0 / 11}, {"H", "E", 2, 20.0 / 11}, {"K", "D", 2, 10.0 / 11},
		{"I", "G", 3, 10.0 / 11},
	} {
		row, ok := got[pid(people[tc.who])]
		if !ok {
			t.Errorf("%s is not in participants.csv", tc.who)
			continue
		}
		rec := ""
		if tc.recruiter != "" {
			rec = pid(people[tc.recruiter])
		}
		w, err := strconv.ParseFloat(row[8], 64)
		if row[1] != rec || row[2] != strconv.Itoa(tc.wave) || err != nil || math.Abs(w-tc.weight) > 1e-9 {
			t.Errorf("%s: recruiter %q wave %s weight %s; want %q, %d, %v", tc.who, row[1], row[2], row[8], rec, tc.wave, tc.weight)
		}
	}
	if len(got) != 10 {
		t.Errorf("%d participants, want 10 (J and the second tapper are not in the chains):\n%q", len(got), rows)
	}
	if row := got[pid(people["B"])]; row[3] != "library" || row[5] != "2" || row[6] != "1" {
		t.Errorf("B: %q, want from the library, 2 links given, 1 used", row)
	}
}

// shared reads the invitation payloads behind a message's share buttons.
func shared(t *testing.T, m telegramtest.Sent) []string {
	t.Helper()
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			u, err := url.Parse(b.URL)
			if err != nil || u.Host != "t.me" || u.Path != "/share/url" {
				t.Fatalf("button %+v is not a share link", b)
			}
			link, err := url.Parse(u.Query().Get("url"))
			if err != nil {
				t.Fatal(err)
			}
			p := link.Query().Get("start")
			if s, ok := deeplink.Parse(p); !ok || s.Coupon == "" || !strings.Contains(m.Text, p) {
				t.Fatalf("share link %q: payload %q", b.URL, p)
			}
			out = append(out, p)
		}
	}
	return out
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (c *citizen) expectOr(srv *server, text string) telegramtest.Sent {
	c.t.Helper()
	msgs := c.fake.WaitSentTo(c.t, c.chat, c.seen+1, wait)
	m := msgs[c.seen]
	c.seen++
	if !strings.Contains(m.Text, text) {
		c.t.Fatalf("chat %d: next message %q does not contain %q\n%s", c.chat, m.Text, text, srv.logs)
	}
	return m
}
