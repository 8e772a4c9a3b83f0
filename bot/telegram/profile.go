package telegram

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
	tg "github.com/go-telegram/bot"
)

// Profile is what a citizen sees of the bot before pressing Start, in one
// language: its name, the description in the empty chat, and the short
// description on its profile and when it is shared. Lang "" is for every
// language without a profile of its own. An empty field is left as it is.
type Profile struct {
	Lang             string
	Name             string
	Description      string
	ShortDescription string
}

// Profiles works out the bot's profile in each of the pilots' languages
// from their flow files (name, about, short_about):
//
//   - the name is the pilot's name when the bot serves one pilot; with
//     several, the name set in BotFather stays, as no pilot's name is the
//     bot's;
//   - the description is the pilots' abouts, one paragraph each, of the
//     pilots that speak the language (all of them when none does); when
//     they do not fit in Telegram's 512 characters, the first pilot's;
//   - the short description is the first pilot's short_about.
//
// The profile without a language ("") is in the first pilot's default
// language. Pilots come in the order of their files.
func Profiles(flows []*flow.Flow) []Profile {
	if len(flows) == 0 {
		return nil
	}
	langs := []string{""}
	for _, f := range flows {
		for _, l := range f.Pilot.Languages {
			if !slices.Contains(langs, l) {
				langs = append(langs, l)
			}
		}
	}
	var out []Profile
	for _, lang := range langs {
		p := profile(flows, lang)
		if p != (Profile{Lang: lang}) {
			out = append(out, p)
		}
	}
	return out
}

// profile is the bot's profile in lang ("" for the default).
func profile(flows []*flow.Flow, lang string) Profile {
	shown := cmp.Or(lang, flows[0].DefaultLanguage())
	p := Profile{Lang: lang}
	if len(flows) == 1 {
		p.Name = flows[0].Pilot.Name.Render(shown, nil)
	}
	speakers := slices.DeleteFunc(slices.Clone(flows), func(f *flow.Flow) bool {
		return !slices.Contains(f.Pilot.Languages, shown)
	})
	if len(speakers) == 0 {
		speakers = flows
	}
	var abouts []string
	for _, f := range speakers {
		if s := f.Pilot.About.Render(shown, nil); s != "" {
			abouts = append(abouts, s)
		}
	}
	p.Description = strings.Join(abouts, "\n\n")
	if utf16Len(p.Description) > flow.MaxAboutLen && len(abouts) > 0 {
		p.Description = abouts[0]
	}
	for _, f := range speakers {
		if s := f.Pilot.ShortAbout.Render(shown, nil); s != "" {
			p.ShortDescription = s
			break
		}
	}
	return p
}

// SetProfile sets the bot's name and descriptions in each language, at
// start-up as SetCommands does. Telegram allows few such changes a day,
// so each is read first and set only when it differs.
func (c *Client) SetProfile(ctx context.Context, profiles []Profile) error {
	for _, p := range profiles {
		lc := p.Lang
		fields := []profileField{
			{"Name", p.Name, func(ctx context.Context) (string, error) {
				n, err := c.b.GetMyName(ctx, &tg.GetMyNameParams{LanguageCode: lc})
				return n.Name, err
			}, func(ctx context.Context) error {
				_, err := c.b.SetMyName(ctx, &tg.SetMyNameParams{Name: p.Name, LanguageCode: lc})
				return err
			}},
			{"Description", p.Description, func(ctx context.Context) (string, error) {
				d, err := c.b.GetMyDescription(ctx, &tg.GetMyDescriptionParams{LanguageCode: lc})
				return d.Description, err
			}, func(ctx context.Context) error {
				_, err := c.b.SetMyDescription(ctx, &tg.SetMyDescriptionParams{Description: p.Description, LanguageCode: lc})
				return err
			}},
			{"ShortDescription", p.ShortDescription, func(ctx context.Context) (string, error) {
				d, err := c.b.GetMyShortDescription(ctx, &tg.GetMyShortDescriptionParams{LanguageCode: lc})
				return d.ShortDescription, err
			}, func(ctx context.Context) error {
				_, err := c.b.SetMyShortDescription(ctx, &tg.SetMyShortDescriptionParams{ShortDescription: p.ShortDescription, LanguageCode: lc})
				return err
			}},
		}
		for _, f := range fields {
			if err := c.setProfileField(ctx, lc, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// profileField is one of the bot's texts: getMy<name> and setMy<name>.
type profileField struct {
	name string
	want string // "": leave it as it is
	get  func(context.Context) (string, error)
	set  func(context.Context) error
}

func (c *Client) setProfileField(ctx context.Context, lang string, f profileField) error {
	if f.want == "" {
		return nil
	}
	var cur string
	err := c.transport.call(ctx, "getMy"+f.name, func(ctx context.Context) error {
		var err error
		cur, err = f.get(ctx)
		return err
	})
	if err == nil && cur != f.want {
		err = c.transport.call(ctx, "setMy"+f.name, f.set)
	}
	if err != nil {
		return fmt.Errorf("set the bot's %s in %q: %w", f.name, lang, err)
	}
	return nil
}
