package studio

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestIndex(t *testing.T) {
	t.Parallel()
	st := newTestStudio(t, studioOptions{})
	code, body := st.get(t, "/")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d", code)
	}
	for _, want := range []string{"Turun nuorten palvelut", "/flows/hull.yaml", "/results/turku", "No errors"} {
		if !strings.Contains(body, want) {
			t.Errorf("the pilots page lacks %q", want)
		}
	}
	// A broken file is listed with its first problem.
	path := filepath.Join(st.dir, "voru.yaml")
	text := strings.Replace(st.file(t, "voru.yaml"), "type: rating", "type: ratting", 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	_, body = st.get(t, "/")
	if !strings.Contains(body, "error(s)") || !strings.Contains(body, "ratting") {
		t.Errorf("the broken flow is not marked:\n%s", body)
	}
}

// TestCheck: the editor's text is checked as `cosiebot check` does, with
// each problem on its line, and drawn when it loads.
func TestCheck(t *testing.T) {
	t.Parallel()
	st := newTestStudio(t, studioOptions{})
	text := st.file(t, "turku.yaml")
	var ok checkResponse
	if code := st.post(t, "/flows/turku.yaml/check", checkRequest{Text: text}, &ok); code != 200 || len(ok.Diagnostics) != 0 || !strings.Contains(ok.Picture, `data-node="ask_reason"`) {
		t.Fatalf("a good flow: %d %+v", code, ok.Diagnostics)
	}
	broken := strings.Replace(text, "type: rating", "type: ratting", 1)
	var bad checkResponse
	st.post(t, "/flows/turku.yaml/check", checkRequest{Text: broken}, &bad)
	if len(bad.Diagnostics) == 0 || bad.Picture != "" {
		t.Fatalf("a broken flow: %+v", bad)
	}
	if d := bad.Diagnostics[0]; d.Line != lineOf(t, text, "type: rating") || d.Severity != "error" || !strings.Contains(d.Message, "ratting") {
		t.Errorf("the problem is %+v, want it on line %d", d, lineOf(t, text, "type: rating"))
	}
}

// TestSave: a save writes the file and keeps the old one; a flow with
// errors, or a file changed meanwhile, is not saved.
func TestSave(t *testing.T) {
	t.Parallel()
	st := newTestStudio(t, studioOptions{})
	old := st.file(t, "turku.yaml")
	changed := strings.Replace(old, "Question 1 of 4: Overall", "Question 1 of 4: All in all", 1)
	var res struct {
		Version     string     `json:"version"`
		Error       string     `json:"error"`
		Diagnostics []diagJSON `json:"diagnostics"`
	}
	if code := st.post(t, "/flows/turku.yaml/save", saveRequest{Text: changed, Version: version([]byte(old))}, &res); code != 200 {
		t.Fatalf("save: %d %s", code, res.Error)
	}
	if st.file(t, "turku.yaml") != changed || res.Version != version([]byte(changed)) {
		t.Fatal("the file was not saved")
	}
	kept, _ := filepath.Glob(filepath.Join(st.dir, historyDir, "turku.yaml.*"))
	if len(kept) != 1 {
		t.Fatalf("previous versions kept: %v", kept)
	}
	if data, _ := os.ReadFile(kept[0]); string(data) != old {
		t.Error("the kept version is not the previous one")
	}
	if tmp, _ := filepath.Glob(filepath.Join(st.dir, ".*.tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	// Saved against an old version: refused.
	if code := st.post(t, "/flows/turku.yaml/save", saveRequest{Text: old, Version: version([]byte(old))}, &res); code != http.StatusConflict || !strings.Contains(res.Error, "changed on disk") {
		t.Errorf("a stale save: %d %s", code, res.Error)
	}
	// With errors: refused, with the problems.
	broken := strings.Replace(changed, "type: rating", "type: ratting", 1)
	if code := st.post(t, "/flows/turku.yaml/save", saveRequest{Text: broken, Version: res.Version}, &res); code != http.StatusUnprocessableEntity || len(res.Diagnostics) == 0 {
		t.Errorf("a broken save: %d %+v", code, res)
	}
	if st.file(t, "turku.yaml") != changed {
		t.Error("a broken flow was written")
	}
}

func TestReadOnly(t *testing.T) {
	t.Parallel()
	st := newTestStudio(t, studioOptions{readOnly: true})
	code, body := st.get(t, "/flows/turku.yaml")
	if code != 200 || strings.Contains(body, `id="save"`) {
		t.Errorf("the shipped flows are shown with a save button (%d)", code)
	}
	var res map[string]any
	text, _ := st.get(t, "/flows/turku.yaml/picture.svg")
	_ = text
	if code := st.post(t, "/flows/turku.yaml/save", saveRequest{Text: "x", Version: "y"}, &res); code != http.StatusConflict && code != http.StatusUnprocessableEntity {
		t.Errorf("saving a shipped flow: %d", code)
	}
}

// TestRequestsRefused: writes without the form token, paths out of the
// folder, and a local studio reached under another name are refused.
func TestRequestsRefused(t *testing.T) {
	t.Parallel()
	st := newTestStudio(t, studioOptions{})
	token := st.csrf
	st.csrf = "wrong"
	var res map[string]string
	if code := st.post(t, "/flows/turku.yaml/check", checkRequest{Text: "x"}, &res); code != http.StatusForbidden {
		t.Errorf("no form token: %d", code)
	}
	st.csrf = token
	for _, path := range []string{"/flows/..%2Fgo.mod", "/flows/.history", "/flows/nothing.yaml", "/flows/turku.test.yaml", "/static/..%2Fstudio.go"} {
		if code, _ := st.get(t, path); code != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, code)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, st.URL+"/", nil)
	req.Host = "evil.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a local studio under another name: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodPost, st.URL+"/flows/turku.yaml/check", strings.NewReader(`{"text":""}`))
	req.Header.Set("X-CSRF-Token", token)
	req.Header.Set("Origin", "http://evil.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a write from another site: %d", resp.StatusCode)
	}
}

// TestSimulator chats through Turku's flow to its end and to its
// follow-up, as `cosiebot chat` would, and names the node of each reply.
func TestSimulator(t *testing.T) {
	t.Parallel()
	st := newTestStudio(t, studioOptions{})
	var r simReply
	if code := st.post(t, "/flows/turku.yaml/sim", simStartRequest{Lang: "en"}, &r); code != 200 {
		t.Fatalf("start: %d", code)
	}
	act := func(a simAction) simReply {
		t.Helper()
		var next simReply
		if code := st.post(t, "/sim/"+r.ID, a, &next); code != 200 {
			t.Fatalf("%+v: %d", a, code)
		}
		return next
	}
	press := func(rep simReply, label string) simReply {
		t.Helper()
		for _, m := range rep.Messages {
			for _, row := range m.Buttons {
				for _, b := range row {
					if strings.Contains(b.Text, label) {
						return act(simAction{Press: b.Data, Message: m.ID})
					}
				}
			}
		}
		t.Fatalf("no button %q in %+v", label, rep.Messages)
		return simReply{}
	}
	node := func(rep simReply, want string) {
		t.Helper()
		for _, m := range rep.Messages {
			if m.Node == want && !m.Own && m.Line > 0 {
				return
			}
		}
		t.Errorf("no reply from node %s: %+v", want, rep.Messages)
	}
	node(r, "welcome")
	r2 := press(r, "I agree")
	node(r2, "ask_experience")
	r3 := press(r2, "Good")
	node(r3, "ask_reason")
	r4 := act(simAction{Lang: "sv"}) // switch language mid-way
	if r4.Lang != "sv" {
		t.Errorf("language after switching: %q", r4.Lang)
	}
	r5 := press(r3, "The staff")
	node(r5, "ask_idea")
	r6 := act(simAction{Say: "Mer öppet på kvällarna"})
	node(r6, "ask_followup_ok")
	r7 := press(r6, "Ja")
	if r7.Done || !strings.Contains(r7.Clock, "Mon 2 Mar 2026") {
		t.Errorf("after yes to the follow-up: %+v", r7)
	}
	r8 := act(simAction{Wait: "14d"})
	node(r8, "ask_helped")
	if !strings.Contains(r8.Note, "later: Mon 16 Mar 2026") {
		t.Errorf("the wait's note: %q", r8.Note)
	}
	r9 := press(r8, "Mycket bra")
	r10 := act(simAction{Say: "Jag har ett jobb nu"})
	if !r10.Done {
		t.Errorf("the dialogue did not end: %+v %+v", r9, r10)
	}
	// Another tab's chat is another chat; an unknown one has ended.
	var other simReply
	st.post(t, "/flows/turku.yaml/sim", simStartRequest{}, &other)
	if other.ID == r.ID || other.Lang != "fi" {
		t.Errorf("a second chat: %+v", other)
	}
	if code := st.post(t, "/sim/nope", simAction{Say: "hi"}, nil); code != http.StatusGone {
		t.Errorf("an unknown chat: %d", code)
	}
	// A broken text cannot be tried.
	if code := st.post(t, "/flows/turku.yaml/sim", simStartRequest{Text: "pilot: ["}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("a broken flow: %d", code)
	}
}

// TestTranslations: the table lists each text in each language, and an
// edit changes the text and is checked.
func TestTranslations(t *testing.T) {
	t.Parallel()
	st := newTestStudio(t, studioOptions{})
	code, body := st.get(t, "/flows/hull.yaml/texts")
	if code != 200 || !strings.Contains(body, "data-table=") {
		t.Fatalf("the table page: %d", code)
	}
	text := st.file(t, "turku.yaml")
	line := lineOf(t, text, "Kysymys 1/4") // the text starts at its first language
	var res textEditReply
	req := textEdit{Text: text, Line: line, Col: 7, Lang: "en", Value: "First question: how was it?"}
	if code := st.post(t, "/flows/turku.yaml/texts", req, &res); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	if !strings.Contains(res.Text, `en: "First question: how was it?"`) || res.Table == nil || len(res.Diagnostics) != 0 {
		t.Errorf("after the edit: %+v\n%s", res.Diagnostics, res.Text)
	}
	// A wrong position, and removing the first language, are refused.
	req.Line = 1
	if code := st.post(t, "/flows/turku.yaml/texts", req, &res); code != http.StatusUnprocessableEntity {
		t.Errorf("no text there: %d", code)
	}
	req.Line, req.Lang, req.Value = line, "fi", ""
	if code := st.post(t, "/flows/turku.yaml/texts", req, &res); code != http.StatusUnprocessableEntity {
		t.Errorf("removing the first language: %d", code)
	}
}

// TestScenarios: the pilot's scenario tests pass, and a changed question
// shows what was expected and what the bot said.
func TestScenarios(t *testing.T) {
	t.Parallel()
	st := newTestStudio(t, studioOptions{})
	code, body := st.get(t, "/flows/turku.yaml/tests")
	if code != 200 || !strings.Contains(body, "passed, 0 failed") {
		t.Fatalf("tests page: %d\n%s", code, body)
	}
	text := strings.Replace(st.file(t, "turku.yaml"), "Kysymys 1/4", "Ensimmäinen kysymys", 1)
	var rep testReport
	if code := st.post(t, "/flows/turku.yaml/tests", checkRequest{Text: text}, &rep); code != 200 || len(rep.Failures) == 0 {
		t.Fatalf("a changed flow: %d %+v", code, rep)
	}
	f := rep.Failures[0]
	var want, got bool
	for _, l := range f.Lines {
		want = want || l.Kind == "want" && strings.Contains(l.Text, "Kysymys 1/4")
		got = got || l.Kind == "got" && strings.Contains(l.Text, "Ensimmäinen kysymys")
	}
	if !want || !got || f.Line == 0 {
		t.Errorf("the difference is not shown: %+v", f)
	}
	var none testReport
	st.post(t, "/flows/voru.yaml/tests", checkRequest{}, &none)
	if none.Missing || none.Passed == 0 {
		t.Errorf("voru's tests: %+v", none)
	}
}

// TestResults: the results page draws the figures of the digest as
// charts, and the downloads are the export's; no citizen's Telegram id
// or name appears anywhere.
func TestResults(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 22, 20, 0, 0, 0, time.UTC)
	store := answerStore(t, "turku", 12, now)
	st := newTestStudio(t, studioOptions{reports: store, now: func() time.Time { return now }})
	pages := map[string]string{}
	for _, path := range []string{"/results/turku", "/results/turku?days=0&lang=fi", "/results/turku/answers.csv", "/results/turku/figures.csv?days=7"} {
		code, body := st.get(t, path)
		if code != 200 {
			t.Fatalf("GET %s: %d\n%s", path, code, body)
		}
		pages[path] = body
		for c := range 12 {
			if strings.Contains(body, strconv.Itoa(firstCitizen+c)) {
				t.Errorf("%s shows a citizen's Telegram id", path)
			}
		}
		if strings.Contains(body, "Zebulon") {
			t.Errorf("%s shows a citizen's name", path)
		}
	}
	page := pages["/results/turku"]
	for _, want := range []string{"Completion", "Answered of asked, per question", "Answers: overall_experience", "Average over time: overall_experience", "Languages", "Follow-ups", "Dialogues started per day"} {
		if !strings.Contains(page, "<figcaption>"+want) {
			t.Errorf("the results page has no chart %q", want)
		}
	}
	if n := strings.Count(page, `<svg xmlns="http://www.w3.org/2000/svg" class="chart"`); n < 8 {
		t.Errorf("%d charts", n)
	}
	if csv := pages["/results/turku/answers.csv"]; !strings.HasPrefix(csv, "\uFEFFdialogue,participant,started") || strings.Count(csv, "\n") != 13 {
		t.Errorf("answers.csv:\n%s", csv)
	}
	if !strings.Contains(pages["/results/turku/figures.csv?days=7"], "participants,started,,6") {
		t.Errorf("figures.csv:\n%s", pages["/results/turku/figures.csv?days=7"])
	}
	// Without a store, the page says how to get one.
	bare := newTestStudio(t, studioOptions{})
	if _, body := bare.get(t, "/results/turku"); !strings.Contains(body, "REDIS_URL") {
		t.Error("no word about the missing store")
	}
	if code, _ := bare.get(t, "/results/nowhere"); code != http.StatusNotFound {
		t.Errorf("an unknown pilot: %d", code)
	}
}
