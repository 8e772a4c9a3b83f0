package bot_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
)

// ideasEnv is a service with the co-creation test flow and its
// coordinator 9101.
func ideasEnv(t *testing.T) (*env, *citizen) {
	e := newEnv(t, envOptions{flows: append(allShipped(t), testFlow(t, "ideas.yaml"))})
	return e, e.citizen(9101, "en")
}

func (e *env) idea(t *testing.T, id string) *bot.Idea {
	t.Helper()
	i, err := e.store.Idea(e.ctx, "ideas", id)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// onlyIdea returns the pilot's only idea with a status.
func (e *env) onlyIdea(t *testing.T, st bot.IdeaStatus) bot.Idea {
	t.Helper()
	list, total, err := e.store.IdeasWith(e.ctx, "ideas", st, 0, 10)
	if err != nil || total != 1 {
		t.Fatalf("ideas %s: %+v %d %v", st, list, total, err)
	}
	return list[0]
}

// TestIdeaLoop plays the whole loop in one pilot: a citizen shares an idea,
// the coordinator approves it in Telegram, a second citizen (in Swedish,
// through the coordinator's translation) is offered it as similar and
// supports it, a third agrees with it, the coordinator marks it accepted
// with a note, the first two hear about it in their own languages, and the
// digest ranks it.
func TestIdeaLoop(t *testing.T) {
	t.Parallel()
	e, coord := ideasEnv(t)
	anna, ben, cara := e.citizen(701, "fi"), e.citizen(702, "sv"), e.citizen(703, "fi")

	anna.say("/start ideas")
	mustContain(t, anna.press(":welcome:yes"), "Mikä on ideasi?")
	mark := e.rec.mark()
	got := anna.say("Pidemmät aukioloajat iltaisin")
	mustContain(t, got, say(t, "fi", "idea.saved"))
	mustContain(t, got, "Saammeko kertoa")
	card := e.rec.texts(9101, mark)
	if len(card) != 1 || !strings.Contains(card[0], "Pidemmät aukioloajat iltaisin") || !strings.Contains(card[0], "Youth centre") {
		t.Fatalf("the coordinator's card: %q", card)
	}
	anna.press(":ask_idea:yes")
	pending := e.onlyIdea(t, bot.IdeaPending)
	if pending.Author != anna.pseudonym() || pending.Lang != "fi" {
		t.Fatalf("stored idea %+v", pending)
	}

	mustContain(t, coord.press("✅ Approve"), say(t, "en", "mod.approved"))
	if e.fire(); !anyContains(e.rec.texts(701, 0), say(t, "fi", "news.board")) {
		t.Fatalf("anna was not told her idea is on the board: %q", lastTexts(e.rec.texts(701, 0), 2))
	}
	mustContain(t, coord.say("/translate "+pending.ID+" sv Längre öppettider på kvällarna"), say(t, "en", "ideas.translated"))

	ben.say("/start ideas")
	ben.press(":welcome:yes")
	got = ben.say("Längre öppettider på kvällen")
	mustContain(t, got, say(t, "sv", "idea.similar"))
	mustContain(t, got, "1. 💡 Längre öppettider på kvällarna")
	mustContain(t, ben.press("S:"+pending.ID), say(t, "sv", "idea.supported_thanks"))
	ben.press(":ask_idea:yes")

	cara.say("/start ideas")
	cara.press(":welcome:yes")
	got = cara.press(":ask_idea:_skip")
	mustContain(t, got, "Muiden ideoita. Mitä mieltä olet?\n\n💡 Pidemmät aukioloajat iltaisin")
	mustContain(t, cara.press("V:"+pending.ID+":agree"), say(t, "fi", "weigh.thanks"))

	i := e.idea(t, pending.ID)
	if i.Status != bot.IdeaReceived || i.Supports != 1 || i.Votes.Agree != 1 {
		t.Fatalf("on the board: %+v", i)
	}
	coord.press(say(t, "en", "status.accepted"))
	mark = e.rec.mark()
	mustContain(t, coord.say("We open until 21 from May.\nsv: Vi har öppet till 21 från maj.\nfi: Olemme auki klo 21 asti toukokuusta."), "People who will be told: 2")
	e.fire()
	annaNews, benNews := e.rec.texts(701, mark), e.rec.texts(702, mark)
	if len(annaNews) != 1 || !strings.Contains(annaNews[0], say(t, "fi", "news.idea")) || !strings.Contains(annaNews[0], "Tila: Hyväksytty") ||
		!strings.Contains(annaNews[0], "Olemme auki klo 21") || strings.Contains(annaNews[0], "We open") {
		t.Fatalf("anna's news: %q", annaNews)
	}
	if len(benNews) != 1 || !strings.Contains(benNews[0], "Längre öppettider på kvällarna") || !strings.Contains(benNews[0], "Vi har öppet till 21") {
		t.Fatalf("ben's news: %q", benNews)
	}
	if got := e.rec.texts(703, mark); len(got) != 0 {
		t.Fatalf("cara did not ask to hear back, yet got %q", got)
	}

	digest := e.command(9101, "en", "/digest ideas")
	if text := digest[0].Msg.Text; !strings.Contains(text, "Most agreed:\n1. 💡 Pidemmät aukioloajat iltaisin") || !strings.Contains(text, "👍 1 · 👎 0 · 🤷 0 · ✋ 1") {
		t.Fatalf("the digest does not rank the idea:\n%s", text)
	}
}

// TestIdeaHeldAndEdited: an idea with a phone number is held with the
// reason; the coordinator edits it and the edited text goes on the board.
func TestIdeaHeldAndEdited(t *testing.T) {
	t.Parallel()
	e, coord := ideasEnv(t)
	anna := e.citizen(711, "en")
	anna.say("/start ideas")
	anna.press(":welcome:yes")
	mark := e.rec.mark()
	anna.say("Call Sarah on 040 123 4567 about a skate park")
	card := e.rec.texts(9101, mark)
	if len(card) != 1 || !strings.Contains(card[0], "⚠️ Held: it may contain") || !strings.Contains(card[0], "a phone number") {
		t.Fatalf("held card: %q", card)
	}
	held := e.onlyIdea(t, bot.IdeaHeld)
	got := coord.press("✏️ Edit")
	mustContain(t, got, say(t, "en", "mod.edit_ask"))
	if strings.Contains(got[len(got)-1], "4567") {
		t.Fatalf("the suggestion keeps the phone number: %q", got)
	}
	mustContain(t, coord.say("A skate park"), say(t, "en", "mod.approved"))
	if i := e.idea(t, held.ID); i.Text != "A skate park" || !i.Edited || i.Status != bot.IdeaReceived {
		t.Fatalf("edited idea %+v", i)
	}
	// The coordinator's next message is theirs again.
	if got := coord.say("hello"); anyContains(got, say(t, "en", "mod.approved")) {
		t.Fatalf("a second approval: %q", got)
	}
}

// TestIdeaBatches: after the first card, new ideas wait and reach the
// coordinator in one batch when the window has passed.
func TestIdeaBatches(t *testing.T) {
	t.Parallel()
	e, _ := ideasEnv(t)
	mark := e.rec.mark()
	for k, text := range []string{"A skate park", "Free wifi", "More board games", "A quiet room"} {
		e.advance(time.Minute)
		c := e.citizen(int64(720+k), "en")
		c.say("/start ideas")
		c.press(":welcome:yes")
		c.say(text)
	}
	if got := e.rec.texts(9101, mark); len(got) != 1 {
		t.Fatalf("cards before the batch: %d", len(got))
	}
	e.fire()
	if got := e.rec.texts(9101, mark); len(got) != 1 {
		t.Fatalf("a batch inside the window: %q", got)
	}
	e.advance(11 * time.Minute)
	e.fire()
	got := e.rec.sent(9101, mark)
	if len(got) != 2 || !strings.Contains(got[1].Msg.Text, "wait for you: 3") || len(got[1].Msg.Buttons) != 3 {
		t.Fatalf("the batch: %+v", got)
	}
	e.fire()
	if n := len(e.rec.sent(9101, mark)); n != 2 {
		t.Fatalf("the batch was sent twice: %d", n)
	}
}

// TestIdeasQuietHoursAndStop: news waits for the end of quiet hours, and
// /stop withdraws the consent to hear back.
func TestIdeasQuietHoursAndStop(t *testing.T) {
	t.Parallel()
	e, coord := ideasEnv(t)
	anna, ben := e.citizen(731, "en"), e.citizen(732, "en")
	for _, c := range []*citizen{anna, ben} {
		c.say("/start ideas")
		c.press(":welcome:yes")
	}
	anna.say("A skate park behind the library")
	anna.press(":ask_idea:yes")
	ben.say("Table tennis in the hall")
	ben.press(":ask_idea:yes")
	for range 2 {
		coord.press("✅ Approve")
	}
	e.fire()
	id := e.onlyIdea(t, bot.IdeaReceived)
	_ = id
	mustContain(t, ben.say("/stop"), say(t, "en", "stop.done"))
	if got := ben.say("/mydata"); anyContains(got, say(t, "en", "mydata.hearback")) {
		t.Fatalf("/stop did not withdraw: %q", got)
	}
	mustContain(t, anna.say("/mydata"), say(t, "en", "mydata.hearback"))

	e.clock.Set(time.Date(2026, 3, 2, 22, 0, 0, 0, mustLoc("Europe/Helsinki")))
	mark := e.rec.mark()
	coord.press(say(t, "en", "status.done"))
	coord.press(say(t, "en", "mod.no_note"))
	e.fire()
	if got := e.rec.texts(731, mark); len(got) != 0 {
		t.Fatalf("sent in quiet hours: %q", got)
	}
	e.clock.Set(time.Date(2026, 3, 3, 9, 0, 0, 0, mustLoc("Europe/Helsinki")))
	e.fire()
	if got := e.rec.texts(731, mark); len(got) != 1 || !strings.Contains(got[0], "Status: Done") {
		t.Fatalf("after quiet hours: %q", got)
	}
}

// TestIdeasNewsHeld: news of an idea outlives the dialogue (a citizen
// whose dialogue finished gets it), but nobody held gets any: not one who
// sent /stop in the service they are in now, nor one who blocked the bot.
func TestIdeasNewsHeld(t *testing.T) {
	t.Parallel()
	e, coord := ideasEnv(t)
	anna, ben, cara := e.citizen(771, "en"), e.citizen(772, "en"), e.citizen(773, "en")
	for i, c := range []*citizen{anna, ben, cara} {
		e.advance(11 * time.Minute) // each idea gets a card of its own
		c.say("/start ideas")
		c.press(":welcome:yes")
		c.say(fmt.Sprintf("Idea number %d for the youth centre", i+1))
		c.press(":ask_idea:yes")
		if p := c.session().Phase(); p != bot.PhaseFinished || p.Writes() {
			t.Fatalf("citizen %d: phase %v, want finished (the bot writes nothing of the dialogue)", c.id, p)
		}
	}
	mustContain(t, ben.say("/start hull"), "My Direction")
	mustContain(t, ben.say("/stop"), say(t, "en", "stop.done"))
	if err := e.svc.Blocked(e.ctx, cara.id); err != nil {
		t.Fatal(err)
	}
	mark := e.rec.mark()
	pending, _, err := e.store.IdeasWith(e.ctx, "ideas", bot.IdeaPending, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range pending {
		coord.press("M:ideas." + i.ID + ":approve")
	}
	if _, n, err := e.store.IdeasWith(e.ctx, "ideas", bot.IdeaReceived, 0, 10); err != nil || n != 3 {
		t.Fatalf("approved ideas: %d, %v", n, err)
	}
	e.fire()
	if got := e.rec.texts(anna.id, mark); len(got) != 1 || !strings.Contains(got[0], say(t, "en", "news.board")) {
		t.Fatalf("anna, finished: %q", got)
	}
	if got := e.rec.texts(ben.id, mark); len(got) != 0 {
		t.Fatalf("ben stopped in the service he is in now, yet got %q", got)
	}
	if got := e.rec.texts(cara.id, mark); len(got) != 0 {
		t.Fatalf("cara blocked the bot, yet got %q", got)
	}
}

// TestIdeasNews: a pilot-wide update shows how many it reaches, is sent
// only after Send, and reaches only those who asked to hear back.
func TestIdeasNews(t *testing.T) {
	t.Parallel()
	e, coord := ideasEnv(t)
	anna, ben := e.citizen(741, "fi"), e.citizen(742, "en")
	for _, c := range []*citizen{anna, ben} {
		c.say("/start ideas")
		c.press(":welcome:yes")
		c.say("An idea of " + c.name)
	}
	anna.press(":ask_idea:yes")
	ben.press(":ask_idea:no")
	got := coord.say("/news We opened on Sundays.\nfi: Avasimme sunnuntaisin.")
	mustContain(t, got, "People: 1")
	mark := e.rec.mark()
	e.fire()
	if len(e.rec.texts(741, mark)) != 0 {
		t.Fatal("sent before Send")
	}
	mustContain(t, coord.press("📤 Send"), say(t, "en", "news.sent"))
	e.fire()
	if got := e.rec.texts(741, mark); len(got) != 1 || !strings.Contains(got[0], "Avasimme sunnuntaisin.") || strings.Contains(got[0], "We opened") {
		t.Fatalf("anna: %q", got)
	}
	if got := e.rec.texts(742, mark); len(got) != 0 {
		t.Fatalf("ben did not ask to hear back: %q", got)
	}
	if got := coord.press("📤 Send"); len(got) != 0 {
		t.Fatalf("sent twice: %q", got)
	}
}

// TestIdeasForget: /forget removes the citizen's ideas (even approved and
// supported), votes and supports, and the export never holds ids.
func TestIdeasForget(t *testing.T) {
	t.Parallel()
	e, coord := ideasEnv(t)
	anna, ben := e.citizen(751, "en"), e.citizen(752, "en")
	anna.say("/start ideas")
	anna.press(":welcome:yes")
	anna.say("Anna's secret skate park idea")
	anna.press(":ask_idea:yes")
	coord.press("✅ Approve")
	ben.say("/start ideas")
	ben.press(":welcome:yes")
	ben.say("A secret skate park")
	ben.press("Support 1")
	ben.press(":ask_idea:no")

	docs := e.command(9101, "en", "/export ideas")
	var csvDoc []byte
	for _, d := range docs {
		if strings.Contains(d.Name, "-ideas-") {
			csvDoc = d.Data
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvDoc, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "Anna's secret skate park idea" || rows[1][9] != "1" {
		t.Fatalf("ideas export: %q %v", rows, err)
	}
	for _, c := range []*citizen{anna, ben} {
		if bytes.Contains(csvDoc, []byte(c.pseudonym()[:8])) {
			t.Fatal("the export holds a pseudonym")
		}
	}
	anna.say("/forget")
	anna.press(say(t, "en", "forget.yes"))
	list, _ := e.store.BoardIdeas(e.ctx, "ideas")
	if len(list) != 0 {
		t.Fatalf("anna's idea is still on the board: %+v", list)
	}
	if got := ben.say("/mydata"); anyContains(got, "Ideas you support") {
		t.Fatalf("ben still supports a forgotten idea: %q", got)
	}
}

// TestIdeaVoiceAndOwn: a voice idea reaches the coordinator to be typed
// out; Approve asks for the text too. Nobody is offered their own idea as
// similar.
func TestIdeaVoiceAndOwn(t *testing.T) {
	t.Parallel()
	e, coord := ideasEnv(t)
	anna := e.citizen(761, "en")
	anna.say("/start ideas")
	anna.press(":welcome:yes")
	mark := e.rec.mark()
	mustContain(t, anna.voice("voice-761"), say(t, "en", "idea.saved"))
	if card := e.rec.texts(9101, mark); len(card) != 1 || !strings.Contains(card[0], say(t, "en", "mod.voice")) {
		t.Fatalf("the voice card: %q", card)
	}
	mustContain(t, coord.press("✅ Approve"), say(t, "en", "mod.voice"))
	mustContain(t, coord.say("A skate park behind the library"), say(t, "en", "mod.approved"))
	i := e.onlyIdea(t, bot.IdeaReceived)
	if i.Text != "A skate park behind the library" || i.Media != nil {
		t.Fatalf("transcribed idea %+v", i)
	}
	anna.press(":ask_idea:no")
	anna.say("/restart")
	anna.press(":welcome:yes")
	if got := anna.say("A skate park behind the library"); anyContains(got, say(t, "en", "idea.similar")) {
		t.Fatalf("anna is offered her own idea: %q", got)
	}
}

// TestIdeaGroupsInReports: with two camps of citizens, /ideas names two
// opinion groups and the export has each group's votes per idea and the
// common ground.
func TestIdeaGroupsInReports(t *testing.T) {
	t.Parallel()
	e, _ := ideasEnv(t)
	texts := []string{"Skate park", "Quiet room", "Longer hours", "Free wifi", "Board games", "Cooking club", "Cheaper snacks"}
	approve := &bot.Commit{User: "coord", Pilot: "ideas"}
	for k, text := range texts {
		id := fmt.Sprintf("g%d", k)
		if err := e.store.Commit(e.ctx, &bot.Commit{User: "author" + id, Pilot: "ideas", Ideas: []bot.IdeaOp{{Op: bot.OpPropose, ID: id, Text: text, Lang: "en", Status: bot.IdeaPending, At: 1}}}); err != nil {
			t.Fatal(err)
		}
		approve.Ideas = append(approve.Ideas, bot.IdeaOp{Op: bot.OpApprove, ID: id})
	}
	if err := e.store.Commit(e.ctx, approve); err != nil {
		t.Fatal(err)
	}
	// Camp A agrees with ideas 0-2 and disagrees with 3-5, camp B the
	// opposite; everyone agrees with idea 6.
	for c := range 24 {
		camp := c % 2
		var ops []bot.IdeaOp
		for k := range texts {
			v := "a"
			if k < 6 && (k < 3) != (camp == 0) {
				v = "d"
			}
			ops = append(ops, bot.IdeaOp{Op: bot.OpVote, ID: fmt.Sprintf("g%d", k), Vote: v})
		}
		if err := e.store.Commit(e.ctx, &bot.Commit{User: fmt.Sprintf("voter%02d", c), Pilot: "ideas", Ideas: ops}); err != nil {
			t.Fatal(err)
		}
	}
	got := e.command(9101, "en", "/ideas")
	if text := got[0].Msg.Text; !strings.Contains(text, "Opinion groups: 2") || !strings.Contains(text, "Common ground, every group agrees:\n   • 💡 Cheaper snacks") {
		t.Fatalf("/ideas:\n%s", text)
	}
	var buf bytes.Buffer
	if _, err := bot.ExportIdeas(e.ctx, e.store, e.svc.Flows().Get("ideas"), &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Join(rows[0], ",")
	if !strings.HasSuffix(header, "common_ground,group_1_agree,group_1_disagree,group_2_agree,group_2_disagree") {
		t.Fatalf("export header %s", header)
	}
	for _, r := range rows[1:] {
		camps := r[13:]
		switch r[0] {
		case "Cheaper snacks":
			if r[12] != "yes" || strings.Join(camps, " ") != "12 0 12 0" {
				t.Errorf("common ground row %v", r)
			}
		case "Skate park":
			if r[12] != "no" || !(strings.Join(camps, " ") == "12 0 0 12" || strings.Join(camps, " ") == "0 12 12 0") {
				t.Errorf("split row %v", r)
			}
		}
	}
}

// TestIdeasInDataset: the research data package holds the ideas on the
// board and their votes, under per-pilot pseudonyms; ideas still waiting
// for a coordinator (which may name someone) stay out.
func TestIdeasInDataset(t *testing.T) {
	t.Parallel()
	e, _ := ideasEnv(t)
	propose := func(user, id, text string) {
		t.Helper()
		op := bot.IdeaOp{Op: bot.OpPropose, ID: id, Text: text, Lang: "en", Status: bot.IdeaPending, At: 1}
		if err := e.store.Commit(e.ctx, &bot.Commit{User: user, Pilot: "ideas", Ideas: []bot.IdeaOp{op}}); err != nil {
			t.Fatal(err)
		}
	}
	propose("alice", "d1", "Skate park")
	propose("bob", "d2", "Call Mary on 0401234567")
	ops := []bot.IdeaOp{{Op: bot.OpApprove, ID: "d1"}}
	if err := e.store.Commit(e.ctx, &bot.Commit{User: "coord", Pilot: "ideas", Ideas: ops}); err != nil {
		t.Fatal(err)
	}
	for user, v := range map[string]string{"carol": "a", "dave": "d", "erin": "p"} {
		vote := []bot.IdeaOp{{Op: bot.OpVote, ID: "d1", Vote: v}}
		if err := e.store.Commit(e.ctx, &bot.Commit{User: user, Pilot: "ideas", Ideas: vote}); err != nil {
			t.Fatal(err)
		}
	}
	key := []byte("dataset-test-pseudonym-key")
	ds, err := bot.BuildDataset(e.ctx, e.store, e.svc.Flows().Get("ideas"), bot.DatasetOptions{Key: key, Words: words, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*bot.Table{}
	for _, tb := range ds.Tables {
		tables[tb.Name] = tb
	}
	ideas, votes := tables["ideas"].Rows, tables["votes"].Rows
	if len(ideas) != 1 || ideas[0][0] != "d1" || ideas[0][1] != bot.PilotPseudonym(key, "ideas", "alice") || ideas[0][3] != "Skate park" {
		t.Fatalf("ideas rows %v; want only the approved idea, by alice's pseudonym", ideas)
	}
	got := map[string]string{}
	for _, r := range votes {
		got[r[1]] = r[2]
	}
	want := map[string]string{}
	for user, name := range map[string]string{"carol": bot.VoteAgree, "dave": bot.VoteDisagree, "erin": bot.VotePass} {
		want[bot.PilotPseudonym(key, "ideas", user)] = name
	}
	if !maps.Equal(got, want) {
		t.Fatalf("votes %v, want %v", got, want)
	}
}
