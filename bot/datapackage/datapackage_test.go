package datapackage_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/datapackage"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestShippedPackages: after a test run of every shipped pilot (and a
// pilot with peer invitations), each export is a data package that matches
// its own schemas, holds no Telegram id or name, and validates with
// Frictionless's reference implementation.
func TestShippedPackages(t *testing.T) {
	fs, words := loadShipped(t)
	dirs := packages(t, fs, words, 14)
	for pilot, dir := range dirs {
		if err := datapackage.Check(dir); err != nil {
			t.Errorf("%s: %v", pilot, err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			for chat := 5001; chat <= 5001+14*len(fs); chat++ {
				if bytes.Contains(data, []byte(","+strconv.Itoa(chat)+",")) || bytes.Contains(data, []byte("Zebulon")) {
					t.Errorf("%s/%s holds a Telegram id or a first name", pilot, e.Name())
				}
			}
		}
	}
	peers := readCSV(t, filepath.Join(dirs["peers"], "participants.csv"))
	waves, weighted, withdrawn := map[string]int{}, 0, 0
	for _, row := range peers[1:] {
		waves[row[2]]++
		if row[8] != "" {
			weighted++
		}
		if row[9] == "true" {
			withdrawn++
		}
	}
	if waves["1"] == 0 || waves["2"] == 0 || weighted == 0 || withdrawn != 1 {
		t.Errorf("peers: people by wave %v, %d weighted, %d withdrawn; want waves 1 and 2, weights and one withdrawn place:\n%v", waves, weighted, withdrawn, peers)
	}
	validateWithFrictionless(t, slices.Sorted(mapValues(dirs))...)
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// TestGolden: the descriptor and codebook of the peers pilot after a test
// run (go test -update to rewrite them).
func TestGolden(t *testing.T) {
	fs, words := loadShipped(t)
	dirs := packages(t, fs[len(fs)-1:], words, 6)
	for _, name := range []string{datapackage.DescriptorFile, datapackage.CodebookFile, "participants.csv"} {
		got, err := os.ReadFile(filepath.Join(dirs["peers"], name))
		if err != nil {
			t.Fatal(err)
		}
		got = maskWithdrawn(t, dirs["peers"], got)
		golden := filepath.Join("testdata", "peers."+name+".golden")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s changed (go test -update if intended):\n%s", name, got)
		}
	}
}

// maskWithdrawn replaces the random ids of withdrawn places.
func maskWithdrawn(t *testing.T, dir string, data []byte) []byte {
	for _, row := range readCSV(t, filepath.Join(dir, "participants.csv"))[1:] {
		if row[9] == "true" {
			data = bytes.ReplaceAll(data, []byte(row[0]), []byte("(a random id)"))
		}
	}
	return data
}

// TestCheckFindsProblems: Check reports each way a CSV can disagree with
// its schema, with the file and line.
func TestCheckFindsProblems(t *testing.T) {
	fs, words := loadShipped(t)
	dirs := packages(t, fs[len(fs)-1:], words, 6)
	for _, tc := range []struct {
		name, file string
		edit       func(rows [][]string)
		want       string
	}{
		{"wrong type", "participants.csv", func(r [][]string) { r[1][2] = "two" }, `participants.csv:2: wave: "two" is not an integer`},
		{"negative", "participants.csv", func(r [][]string) { r[1][2] = "-1" }, "participants.csv:2: wave: -1 is out of bounds"},
		{"enum", "dialogues.csv", func(r [][]string) { r[1][6] = "pizza" }, `dialogues.csv:2: use: "pizza" is not one of`},
		{"required", "dialogues.csv", func(r [][]string) { r[1][1] = "" }, "dialogues.csv:2: participant: a value is required"},
		{"datetime", "answers.csv", func(r [][]string) { r[1][2] = "2026-03-02 10:00" }, "answers.csv:2: at: "},
		{"primary key", "dialogues.csv", func(r [][]string) { r[2][0] = r[1][0] }, "dialogues.csv:3: the primary key repeats line 2"},
		{"foreign key", "answers.csv", func(r [][]string) { r[1][0] = "nobody-1" }, `answers.csv:2: dialogue "nobody-1" is not in dialogues.csv`},
		{"self reference", "participants.csv", func(r [][]string) { r[1][1] = "nobody" }, `participants.csv:2: recruiter "nobody" is not in participants.csv`},
		{"header", "votes.csv", func(r [][]string) { r[0][2] = "choice" }, `votes.csv: header column 3 should be "vote"`},
		{"boolean", "participants.csv", func(r [][]string) { r[1][9] = "yes" }, `withdrawn: "yes" is not true or false`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, dirs["peers"], dir)
			rows := readCSV(t, filepath.Join(dir, tc.file))
			tc.edit(rows)
			writeCSV(t, filepath.Join(dir, tc.file), rows)
			err := datapackage.Check(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check: %v\nwant %q", err, tc.want)
			}
		})
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// validateWithFrictionless runs .ci/validate-datapackage.mjs on the
// packages. In CI (CI or COSIE_CI set) node and the npm package must be
// installed (cd .ci && npm ci); elsewhere the check is skipped with that
// advice, so that go test passes with only Go installed.
func validateWithFrictionless(t *testing.T, dirs ...string) {
	t.Helper()
	ci := filepath.Join("..", "..", ".ci")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(ci, "node_modules", "datapackage"))
	}
	if err != nil {
		const advice = "Frictionless's datapackage is not installed, so the data packages are not validated with it: apt-get install -y nodejs npm && cd .ci && npm ci"
		if os.Getenv("CI") != "" || os.Getenv("COSIE_CI") != "" {
			t.Fatal(advice)
		}
		t.Skip(advice + " (this check runs in CI)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, append([]string{filepath.Join(ci, "validate-datapackage.mjs")}, dirs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("datapackage (Frictionless) finds problems: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "valid: "); n != len(dirs) {
		t.Fatalf("datapackage validated %d of %d packages:\n%s", n, len(dirs), out)
	}
	t.Logf("%s", out)
}

// BenchmarkExport: building and writing the data package of a pilot with
// 300 people in invitation chains (their answers, chains and weights).
func BenchmarkExport(b *testing.B) {
	fs, words := loadShipped(b)
	r := newRun(b, fs[len(fs)-1:], words)
	for chat := range int64(300) {
		r.citizen(fs[len(fs)-1], 7000+chat)
	}
	dir := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		ds, err := bot.BuildDataset(r.ctx, r.store, fs[len(fs)-1], bot.DatasetOptions{Key: testKey, Words: words, Now: r.clock.Now()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := datapackage.Write(dir, ds); err != nil {
			b.Fatal(err)
		}
	}
}
