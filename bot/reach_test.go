package bot_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/deeplink"
	"github.com/cosie/cosiebot/bot/flow"
)

// TestStartSources: a poster's link starts its pilot with its source, the
// dialogue's answers and the digest carry it, and links printed before
// sources existed keep working.
func TestStartSources(t *testing.T) {
	e := newEnv(t, envOptions{flows: []*flow.Flow{shippedFlow(t, "turku"), testFlow(t, "quick.yaml")}})
	lib := e.citizen(701, "en")
	mustContain(t, lib.say("/start turkuSlibrary"), "survey bot of Turku youth services")
	lib.press(":welcome:yes")
	lib.press(":ask_experience:4")
	if s := lib.session(); s.Pilot != "turku" || s.Source != "library" {
		t.Fatalf("session %+v, want turku from the library", s)
	}
	if a := lib.answers(); len(a) != 1 || a[0].Source != "library" {
		t.Fatalf("answers %+v, want one from the library", a)
	}
	old := e.citizen(702, "en")
	mustContain(t, old.say("/start Turku"), "survey bot of Turku youth services")
	if s := old.session(); s.Pilot != "turku" || s.Source != "" {
		t.Fatalf("bare pilot link: session %+v", s)
	}
	desk := e.citizen(703, "en")
	desk.say("/start turkuSdesk")
	desk.press(":welcome:yes")
	e.advance(time.Minute)
	// A second poster in the middle of the dialogue: it goes on, from the
	// desk; starting over is the citizen's choice, from the library.
	mustContain(t, desk.say("/start turkuSlibrary"), say(t, "en", "back.active"))
	if s := desk.session(); s.Source != "desk" {
		t.Errorf("source %q after a second link, want desk: the dialogue goes on", s.Source)
	}
	desk.press(":over")
	if s := desk.session(); s.Source != "library" {
		t.Errorf("source %q after starting over from a second link, want library", s.Source)
	}
	desk.say("/restart")
	if s := desk.session(); s.Source != "library" {
		t.Errorf("/restart lost the source: %q", s.Source)
	}
	for _, bad := range []string{"/start nowhereSlibrary", "/start turkuSLibrary", "/start turkuX"} {
		got := e.citizen(704, "en").say(bad)
		mustContain(t, got, say(t, "en", "start.unknown"))
	}
	c := e.counters("turku")
	if c["src:library"] != 3 || c["src:desk"] != 1 || c["started"] != 5 {
		t.Errorf("counters %v: want 3 dialogues from the library, 1 from the desk, 5 in all", c)
	}
	text, err := bot.Digest(e.ctx, e.store, shippedFlow(t, "turku"), catalog(t), bot.DigestOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	section := text[strings.Index(text, "📍"):]
	for _, want := range []string{"Where people came from:", "library", "desk", "no source"} {
		if !strings.Contains(section, want) {
			t.Errorf("digest section lacks %q:\n%s", want, section)
		}
	}
	if strings.Contains(text, "📨") {
		t.Errorf("a pilot without invitations shows them:\n%s", text)
	}
}

var startRE = regexp.MustCompile(`\?start=([A-Za-z0-9_-]+)`)

// links returns the invitation payloads in a citizen's replies.
func links(t *testing.T, texts []string) []string {
	t.Helper()
	var out []string
	for _, s := range texts {
		for _, m := range startRE.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// answerPeers goes through the peers flow, saying how many people they know.
func answerPeers(t *testing.T, c *citizen, start, network string) []string {
	t.Helper()
	mustContain(t, c.say(start), "Two quick questions")
	c.press(":welcome:yes")
	c.press(":q_use:food")
	return c.say(network)
}

// TestInvitations: a citizen gets personal links with share buttons; each
// link brings one person, one wave after the one who passed it on; a link
// used again starts the dialogue outside the chain; a second dialogue shows
// only the links still open.
func TestInvitations(t *testing.T) {
	e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "peers.yaml")}})
	seed := e.citizen(801, "en")
	got := answerPeers(t, seed, "/start peersSlibrary", "10")
	mustContain(t, got, "Please pass these links on")
	mustContain(t, got, "Thank you!")
	given := links(t, got)
	if len(given) != 2 {
		t.Fatalf("links %q, want 2", given)
	}
	msg := e.rec.sent(seed.id, 0)
	var buttons []flow.Button
	for _, m := range msg {
		if strings.Contains(m.Msg.Text, "pass these links") {
			for _, row := range m.Msg.Buttons {
				buttons = append(buttons, row...)
			}
		}
	}
	if len(buttons) != 2 || buttons[0].Text != "📨 Send invitation 1" || buttons[0].Data != "" {
		t.Fatalf("share buttons %+v", buttons)
	}
	share, err := url.Parse(buttons[1].URL)
	if err != nil || share.Host != "t.me" || share.Path != "/share/url" ||
		share.Query().Get("url") != "https://t.me/cosie_test_bot?start="+given[1] || !strings.Contains(share.Query().Get("text"), "Peer test service") {
		t.Fatalf("share link %q", buttons[1].URL)
	}
	for _, p := range given {
		s, ok := deeplink.Parse(p)
		if !ok || s.Pilot != "peers" || s.Coupon == "" || s.Source != "" {
			t.Errorf("invitation payload %q: %+v", p, s)
		}
	}

	friend := e.citizen(802, "en")
	friendLinks := links(t, answerPeers(t, friend, "/start "+given[0], "4"))
	again := e.citizen(803, "en")
	answerPeers(t, again, "/start "+given[0], "3") // used already
	third := e.citizen(804, "en")
	answerPeers(t, third, "/start "+friendLinks[1], "0")

	// The seed's second dialogue: only the link still open.
	seed.say("/restart")
	seed.press(":welcome:yes")
	seed.press(":q_use:advice")
	if got := links(t, seed.say("12")); !slices.Equal(got, given[1:]) {
		t.Errorf("second dialogue shows %q, want the open link %q", got, given[1:])
	}

	members, coupons, err := e.store.Chains(e.ctx, "peers")
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]bot.Member{}
	for _, m := range members {
		byKey[m.Key] = m
	}
	s, f, a, th := byKey[seed.pseudonym()], byKey[friend.pseudonym()], byKey[again.pseudonym()], byKey[third.pseudonym()]
	switch {
	case s.Wave != 0 || s.Recruiter != "" || s.Source != "library" || len(s.Issued) != 2:
		t.Errorf("seed %+v", s)
	case f.Wave != 1 || f.Recruiter != s.ID || len(f.Issued) != 2:
		t.Errorf("friend %+v", f)
	case th.Wave != 2 || th.Recruiter != f.ID:
		t.Errorf("third %+v", th)
	case a.Stored != "" && len(a.Issued) == 0 || a.Wave != 0 || a.Recruiter != "":
		t.Errorf("someone who used a used link %+v, want a seed", a)
	}
	if s.ID != e.svc.PilotPseudonym("peers", seed.pseudonym()) || s.ID == seed.pseudonym() {
		t.Errorf("member id %q is not the per-pilot pseudonym", s.ID)
	}
	if len(coupons) != 8 {
		t.Errorf("%d coupons, want 8 (2 each for 4 people)", len(coupons))
	}
	c := e.counters("peers")
	if c["inv_given"] != 8 || c["inv_used"] != 2 || c["inv_refused"] != 1 || c["wave:1"] != 1 || c["wave:2"] != 1 {
		t.Errorf("counters %v", c)
	}
	text, err := bot.Digest(e.ctx, e.store, testFlow(t, "peers.yaml"), catalog(t), bot.DigestOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"📨 Invitations: 8 given, 2 brought someone new, 1 not counted", "wave 1", "wave 2", "library"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
}

// TestInvitationWhileBusy: someone in the middle of another service's
// dialogue taps an invitation: they are asked first, and going there
// brings them into the chain, from the link's source; staying leaves the
// coupon for whoever taps it next.
func TestInvitationWhileBusy(t *testing.T) {
	e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "peers.yaml"), testFlow(t, "quick.yaml")}})
	seed := e.citizen(841, "en")
	given := links(t, answerPeers(t, seed, "/start peersSlibrary", "6"))
	if len(given) != 2 {
		t.Fatalf("links %q", given)
	}
	inLink := func(i int) string {
		p, _ := deeplink.Parse(given[i])
		p.Source = "poster" // a link can carry both
		enc, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	busy := func(id int64) *citizen {
		c := e.citizen(id, "en")
		c.say("/start quick")
		c.press(":welcome:yes")
		c.press(":q_mood:4")
		return c
	}
	stays, goes := busy(842), busy(843)
	mustContain(t, stays.say("/start "+inLink(0)), "go to Peer test service now?")
	stays.press(":stay")
	if s := stays.session(); s.Pilot != "quick" {
		t.Fatalf("stayed: session %+v", s)
	}
	mustContain(t, goes.say("/start "+inLink(0)), "go to Peer test service now?")
	mustContain(t, goes.press(say(t, "en", "switch.go")), "Two quick questions")
	if s := goes.session(); s.Pilot != "peers" || s.Source != "poster" {
		t.Fatalf("went: session %+v, want peers from the poster", s)
	}
	members, coupons, err := e.store.Chains(e.ctx, "peers")
	if err != nil {
		t.Fatal(err)
	}
	seedID := e.svc.PilotPseudonym("peers", seed.pseudonym())
	var joined bool
	for _, m := range members {
		if m.Key == goes.pseudonym() {
			joined = m.Recruiter == seedID && m.Wave == 1 && m.Source == "poster"
		}
	}
	used := 0
	for _, c := range coupons {
		if c.Used != 0 {
			used++
		}
	}
	if !joined || used != 1 {
		t.Fatalf("after going there: members %+v, %d coupons used; want the one who went recruited by the seed", members, used)
	}
	if quick, err := e.store.LoadPilot(e.ctx, goes.pseudonym(), "quick"); err != nil || quick == nil || quick.Flow.Node != "q_later" {
		t.Errorf("the dialogue left for the invitation: %+v, %v; want it kept where it stood", quick, err)
	}
}

// TestCouponOnce: two people tap the same link at the same moment; it
// brings one of them into the chain.
func TestCouponOnce(t *testing.T) {
	e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "peers.yaml")}})
	given := links(t, answerPeers(t, e.citizen(811, "en"), "/start peers", "5"))
	for round := range 5 {
		code := given[round%2]
		if round >= 2 {
			// New links each round: a new seed.
			given = links(t, answerPeers(t, e.citizen(int64(820+round), "en"), "/start peers", "5"))
			code = given[0]
		}
		var wg sync.WaitGroup
		tappers := make([]*citizen, 6)
		for i := range tappers {
			tappers[i] = e.citizen(int64(900+round*10+i), "en")
			in := tappers[i].inbound()
			in.Text = "/start " + code
			wg.Go(func() { tappers[i].handle(in) })
		}
		wg.Wait()
		members, _, err := e.store.Chains(e.ctx, "peers")
		if err != nil {
			t.Fatal(err)
		}
		recruits := 0
		for _, m := range members {
			for _, c := range tappers {
				if m.Key == c.pseudonym() && m.Recruiter != "" {
					recruits++
				}
			}
		}
		if recruits != 1 {
			t.Fatalf("round %d: %d of the six who tapped one link at once joined the chain, want 1", round, recruits)
		}
	}
}

// TestForgetLeavesChainWhole: someone who invited others and uses /forget
// keeps only an anonymous place in the chain (their recruits still point
// at it); someone who invited nobody leaves no trace in it.
func TestForgetLeavesChainWhole(t *testing.T) {
	e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "peers.yaml")}})
	seed := e.citizen(831, "en")
	given := links(t, answerPeers(t, seed, "/start peersSdesk", "8"))
	friend := e.citizen(832, "en")
	friendLinks := links(t, answerPeers(t, friend, "/start "+given[0], "6"))
	late := e.citizen(833, "en")
	mustContain(t, late.say("/start "+friendLinks[0]), "Two quick questions")
	seedID := e.svc.PilotPseudonym("peers", seed.pseudonym())

	seed.say("/forget")
	seed.press(say(t, "en", "forget.yes"))
	late.say("/forget")
	late.press(say(t, "en", "forget.yes"))

	members, coupons, err := e.store.Chains(e.ctx, "peers")
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 {
		t.Fatalf("members %+v, want the friend and the seed's anonymous place", members)
	}
	var anon, f bot.Member
	for _, m := range members {
		if m.Withdrawn {
			anon = m
		} else {
			f = m
		}
	}
	if f.Key != friend.pseudonym() || !anon.Withdrawn || anon.Key != bot.WithdrawnKey(anon.ID) || f.Recruiter != anon.ID ||
		anon.Wave != 0 || anon.Source != "" || anon.Joined != 0 || len(anon.Issued) != 2 {
		t.Errorf("after /forget: friend %+v, place %+v", f, anon)
	}
	for _, c := range coupons {
		if slices.Contains(anon.Issued, c.Code) && c.By != anon.ID {
			t.Errorf("coupon %+v still points at the forgotten seed", c)
		}
		if c.Code == friendLinks[0] && (c.User != "" || c.Used == 0) {
			t.Errorf("the link the forgotten recruit used: %+v, want used and pointing at nobody", c)
		}
	}
	raw, err := e.rdb.HGetAll(e.ctx, "cosie:{p:peers}:rm").Result()
	if err != nil {
		t.Fatal(err)
	}
	all, _ := e.rdb.HGetAll(e.ctx, "cosie:{p:peers}:rc").Result()
	for _, trace := range []string{seed.pseudonym(), seedID, late.pseudonym(), e.svc.PilotPseudonym("peers", late.pseudonym())} {
		for k, v := range raw {
			if strings.Contains(k+v, trace) {
				t.Errorf("the chains still hold %q: %s %s", trace, k, v)
			}
		}
		for k, v := range all {
			if strings.Contains(k+v, trace) {
				t.Errorf("the coupons still hold %q: %s %s", trace, k, v)
			}
		}
	}
}
