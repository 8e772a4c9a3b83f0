package flow

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// What a citizen may type instead of pressing a button. The rule, in one
// place for every kind of question:
//
//   - the text of a button, in any case, with or without its emoji;
//   - at a rating, a number is the score (1 very poor … 5 very good),
//     whatever order the buttons are in; another number is asked again;
//   - elsewhere a number picks only a button that shows that number
//     ("3", "1–2", "5+"), never a button by its position;
//   - "skip", or the Skip button's word in any language the bot speaks,
//     skips a question that has a Skip button;
//   - input that fits no button, or more than one, is asked again.

// typedNumber reads a whole typed message as a number ("3", " 4. ",
// "2,5"); it reports false for anything else.
func typedNumber(typed string) (float64, bool) {
	t := strings.Replace(normalize(typed), ",", ".", 1)
	if t == "" || strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' }) >= 0 {
		return 0, false
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// shownNumber reads the number a button label starts with, after its
// emoji: "3 times" is 3, "1–2" is 1 to 2, "5+" is 5 or more.
var shownNumber = regexp.MustCompile(`^(\d+)(?:\s*[-–—]\s*(\d+)|\s*(\+))?(?:$|[^\d.,])`)

// showsNumber reports whether a button label shows the number x.
func showsNumber(label string, x float64) bool {
	m := shownNumber.FindStringSubmatch(strings.TrimSpace(stripEmoji(strings.TrimSpace(label))))
	if m == nil {
		return false
	}
	lo, _ := strconv.ParseFloat(m[1], 64)
	hi := lo
	switch {
	case m[2] != "":
		hi, _ = strconv.ParseFloat(m[2], 64)
	case m[3] != "":
		hi = math.Inf(1)
	}
	return x >= lo && x <= hi
}

// SkipWords lists the words that mean Skip when typed: "skip" and the
// Skip button's label in each of langs, normalised as typed input is. The
// host builds it once and gives it to the Engine.
func SkipWords(w Words, langs []string) map[string]bool {
	out := map[string]bool{"skip": true}
	for _, l := range langs {
		if s := skipForm(w.Say(l, "button.skip", nil)); s != "" {
			out[s] = true
		}
	}
	return out
}

// skipForm is how a Skip word is compared: without emoji, case or
// punctuation at the ends.
func skipForm(s string) string { return normalize(stripEmoji(strings.TrimSpace(s))) }

// typedSkip reports whether the citizen typed a word that means Skip.
func (r *stepper) typedSkip(in Input) bool {
	if in.Kind != InText {
		return false
	}
	t := skipForm(in.Text)
	return t != "" && (t == "skip" || r.e.SkipWords[t] || t == skipForm(r.say("button.skip", nil)))
}
