package main

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDockerignore: `COPY . .` in the Dockerfile copies the build context,
// so .dockerignore must keep secrets, version control and local data out,
// and must keep in what the build needs.
func TestDockerignore(t *testing.T) {
	f, err := os.Open("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var patterns []*regexp.Regexp
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			t.Fatalf("exception %q: this test does not read exceptions; list what to leave out instead", line)
		}
		patterns = append(patterns, ignoreRE(line))
	}
	ignored := func(path string) bool {
		// A pattern that matches a folder leaves out everything in it.
		for p := path; p != "."; {
			for _, re := range patterns {
				if re.MatchString(p) {
					return true
				}
			}
			i := strings.LastIndex(p, "/")
			if i < 0 {
				break
			}
			p = p[:i]
		}
		return false
	}
	for _, out := range []string{
		"secrets/telegram-token", "secrets/pseudonym.key", ".git/config", ".env", "deploy/.env",
		"cosiebot", "dump.rdb", "data/appendonlydir/appendonly.aof.1.incr.aof", "turku-20260302.csv",
		"bot/testdata/fuzz/FuzzHandleTyped/0a1b", ".ci/run", "bot-token.txt",
	} {
		if !ignored(out) {
			t.Errorf("%s would be copied into the build", out)
		}
	}
	for _, in := range []string{
		"go.mod", "go.sum", "cmd/cosiebot/main.go", "bot/turn.go", "bot/redisstore/alerts.go",
		"flows/turku.yaml", "flows/schema/flow.schema.json", "locales/active.fi.yaml",
		"bot/safeguard/lexicon/fi.yaml", "bot/poster/fonts/NotoSans.woff2", "bot/telegram/client.go",
		"bot/safeguard/pattern.go", "bot/flow/syntax.go",
	} {
		if ignored(in) {
			t.Errorf("%s is needed by the build but left out", in)
		}
	}
}

// ignoreRE turns a .dockerignore pattern into a regular expression: *
// and ? within a name, ** across folders, a leading / for the top.
func ignoreRE(p string) *regexp.Regexp {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch {
		case strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case p[i] == '*':
			b.WriteString("[^/]*")
		case p[i] == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
