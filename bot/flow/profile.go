package flow

import (
	"strings"
	"unicode/utf16"
)

// Telegram's limits for what a citizen sees before pressing Start
// (setMyName, setMyDescription, setMyShortDescription), in UTF-16 code
// units as Telegram counts them.
const (
	MaxNameLen       = 64
	MaxAboutLen      = 512
	MaxShortAboutLen = 120
)

// profileTexts are the pilot's texts that become the bot's name and
// descriptions, with their limits.
var profileTexts = []struct {
	key   string
	limit int
	shown string
}{
	{"name", MaxNameLen, "the bot's name"},
	{"about", MaxAboutLen, "the description citizens see before they press Start"},
	{"short_about", MaxShortAboutLen, "the short description on the bot's profile"},
}

// checkProfile checks the pilot's name, about and short_about
// against Telegram's limits; they take no templates, as Telegram shows
// them as they are.
func (l *loader) checkProfile() {
	p := &l.f.Pilot
	texts := map[string]Text{"name": p.Name, "about": p.About, "short_about": p.ShortAbout}
	for _, pt := range profileTexts {
		for lang, fm := range texts[pt.key].tr {
			s := fm.msg.Other
			if strings.Contains(s, "{{") || fm.msg.One != "" {
				l.errorf(fm.pos, "the %s %s is shown by Telegram as it is: it cannot use {{...}} or plural forms", lang, pt.key)
				continue
			}
			if n := len(utf16.Encode([]rune(s))); n > pt.limit {
				l.errorf(fm.pos, "the %s %s is %d characters; Telegram allows %d for %s: shorten it", lang, pt.key, n, pt.limit, pt.shown)
			}
		}
	}
}
