package bot

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/cosie/cosiebot/bot/deeplink"
	"github.com/cosie/cosiebot/bot/flow"
)

// startLink opens the pilot a /start payload names: a poster's QR code,
// a shared link or a peer invitation (bot/deeplink). Links printed before
// sources existed, a bare pilot id in any letter case, keep working.
func (t *turn) startLink(ctx context.Context, payload string) {
	link := linkOf(payload)
	f := t.s.Flows().Get(link.Pilot)
	if f == nil {
		t.menuOrOnly(ctx, t.say("start.unknown", nil))
		return
	}
	t.openLink(ctx, f, &link, false)
}

// linkOf reads a start payload; one that is not a link is a pilot id.
func linkOf(payload string) deeplink.Start {
	link, ok := deeplink.Parse(payload)
	if !ok {
		link = deeplink.Start{Pilot: strings.ToLower(payload)}
	}
	return link
}

// openLink opens pilot f (see open) from a link (nil: none): a dialogue
// that begins gets its source, and the citizen joins the chain of the
// invitation it carries. A citizen with a session there before this turn
// took part before: their coupon is refused. A link that asks first (to
// leave a dialogue for f, or to start f's over) brings itself along on
// the button (linkArg).
func (t *turn) openLink(ctx context.Context, f *flow.Flow, link *deeplink.Start, confirmed bool) {
	t.link = link
	t.open(ctx, f, confirmed)
	if link != nil && link.Coupon != "" && t.sess != nil && t.sess.Pilot == f.Pilot.ID {
		t.join(ctx, link.Coupon, t.sess.Rev != 0)
	}
}

// linkArg is the payload of the turn's link for a dialogue button going
// to pilot, so that the choice keeps its source and invitation; the pilot
// id alone when there is no link or the button's data would be too long.
func (t *turn) linkArg(pilot string, opt string) string {
	if t.link == nil || t.link.Pilot != pilot {
		return pilot
	}
	p, err := t.link.Encode()
	if err != nil || len(flow.Callback{Kind: flow.CallbackDialogue, Arg: p, Option: opt}.Encode()) > flow.MaxButtonData {
		return pilot
	}
	return p
}

// linkSource gives a dialogue that starts in this turn the source of the
// link that started it (none for a /restart: the dialogue keeps its own).
func (t *turn) linkSource() {
	if t.link != nil {
		t.sess.Source = t.link.Source
	}
	if t.sess.Source != "" {
		t.count(cSource(t.sess.Source), 1)
	}
}

// join makes the citizen a recruit of whoever gave them the invitation:
// one wave after them. The coupon is used in the turn's commit, only if it
// is still unused then, so each coupon brings in one person even when two
// tap it at once (the other's commit conflicts and, read again, finds it
// used). A used or unknown coupon, or one tapped by someone who took part
// before, starts the dialogue all the same, outside the chains.
func (t *turn) join(ctx context.Context, code string, before bool) {
	if t.sess == nil {
		return
	}
	pilot := t.sess.Pilot
	m, cs, err := t.s.store.Chain(ctx, pilot, t.user, code)
	if err != nil {
		t.err = err
		return
	}
	if before || m.Stored != "" || len(cs) != 1 || cs[0].Stored == "" || cs[0].Used != 0 {
		t.count(cInvRefused, 1)
		return
	}
	c := cs[0]
	now := t.now.UnixMilli()
	m = Member{Key: t.user, ID: t.s.PilotPseudonym(pilot, t.user), Wave: c.Wave + 1, Recruiter: c.By,
		Coupon: code, Source: t.sess.Source, Joined: now}
	c.User, c.Used = t.user, now
	cm := t.commit()
	cm.Members = append(cm.Members, m)
	cm.Coupons = append(cm.Coupons, c)
	t.count(cInvUsed, 1)
	t.count(cWave(m.Wave), 1)
}

// sendInvite keeps an invite node's message until the commit is built:
// making its links reads the store (fillInvites).
func (t *turn) sendInvite(m flow.Message) {
	t.out = append(t.out, Out{Lane: t.lane, Chat: t.in.ChatID, Text: m.Text, Since: t.since(), invite: m.Invite})
}

// fillInvites gives the citizen's invitation links to the invite messages
// of the turn: the links given before and not yet used, and new ones up to
// the node's number. Without the bot's username no link can be made: the
// message is left out (and logged), rather than promising links.
func (t *turn) fillInvites(ctx context.Context) error {
	k := 0
	for _, o := range t.out {
		k = max(k, o.invite)
	}
	if k == 0 {
		return nil
	}
	links, err := t.invitations(ctx, k)
	if err != nil {
		return err
	}
	out := t.out[:0]
	for _, o := range t.out {
		if o.invite > 0 {
			var ok bool
			if o, ok = t.invitation(o, links[:min(len(links), o.invite)]); !ok {
				continue
			}
		}
		out = append(out, o)
	}
	t.out = out
	return nil
}

// invitations returns the citizen's open coupons, issuing new ones (in
// the turn's commit) so that they have been given k in all.
func (t *turn) invitations(ctx context.Context, k int) ([]string, error) {
	pilot := t.sess.Pilot
	m, _, err := t.s.store.Chain(ctx, pilot, t.user)
	if err != nil {
		return nil, err
	}
	if m.Stored == "" {
		// Came another way: a seed of the chains from now on.
		m = Member{Key: t.user, ID: t.s.PilotPseudonym(pilot, t.user), Source: t.sess.Source, Joined: t.now.UnixMilli()}
	}
	_, given, err := t.s.store.Chain(ctx, pilot, t.user, m.Issued...)
	if err != nil {
		return nil, err
	}
	var open []string
	for _, c := range given {
		if c.Used == 0 {
			open = append(open, c.Code)
		}
	}
	cm := t.commit()
	issued := len(m.Issued)
	for range k - issued {
		code, err := deeplink.NewCoupon(t.s.random)
		if err != nil {
			return nil, err
		}
		m.Issued = append(m.Issued, code)
		open = append(open, code)
		cm.Coupons = append(cm.Coupons, Coupon{Code: code, By: m.ID, Wave: m.Wave, Issued: t.now.UnixMilli()})
		t.count(cInvGiven, 1)
	}
	if len(m.Issued) > issued {
		cm.Members = append(cm.Members, m)
	}
	return open, nil
}

// invitation writes an invite message: the node's text, the links one per
// line, and a share button for each (Telegram's share screen, where the
// citizen picks a chat). With no link left, it thanks them instead.
func (t *turn) invitation(o Out, codes []string) (Out, bool) {
	o.invite = 0
	if len(codes) == 0 {
		o.Text = t.say("invite.used_up", nil)
		return o, true
	}
	if deeplink.CheckUsername(t.s.botName) != nil {
		t.s.log.Error("invitation links left out: the bot's username is unknown", "pilot", t.sess.Pilot)
		return o, false
	}
	share := t.say("invite.share", map[string]any{"Pilot": t.f.Pilot.Name.Render(t.lang, nil)})
	var b strings.Builder
	b.WriteString(o.Text)
	b.WriteString("\n")
	for i, code := range codes {
		link := deeplink.Link(t.s.botName, deeplink.Start{Pilot: t.sess.Pilot, Coupon: code})
		b.WriteString("\n" + strconv.Itoa(i+1) + ". " + link)
		o.Buttons = append(o.Buttons, []flow.Button{{
			Text: t.say("invite.button", map[string]any{"Number": i + 1}),
			URL:  ShareURL(link, share),
		}})
	}
	o.Text = b.String()
	return o, true
}

// ShareURL opens Telegram's share screen with a link and a line of text:
// the citizen picks a chat and sends both. An inline button may open it
// (a switch_inline_query button would need inline mode and would send the
// bot's name, not a plain message).
func ShareURL(link, text string) string {
	return "https://t.me/share/url?url=" + url.QueryEscape(link) + "&text=" + url.QueryEscape(text)
}
