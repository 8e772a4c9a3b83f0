package bot

import (
	"math"
	"strconv"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
)

// counter names one of a pilot's aggregate counters: commits add to them
// (per day and all time) and digests read them back. The names are stored
// in Redis as hash fields, so they never change: counters already stored
// must keep counting.
type counter string

// Counters that are one number per pilot.
const (
	cStarted    counter = "started"     // dialogues started
	cCompleted  counter = "completed"   // dialogues that reached an end node
	cDeclined   counter = "declined"    // consents declined
	cAlerts     counter = "alerts"      // safeguarding alerts in a dialogue
	cFollowUps  counter = "fu_sent"     // follow-ups sent
	cFollowedUp counter = "fu_answered" // follow-ups answered
	cReminders  counter = "reminders"   // reminders sent
	cBlocked    counter = "blocked"     // citizens who blocked the bot
	// Peer invitations (docs/reach.md).
	cInvGiven   counter = "inv_given"   // invitation links given to pass on
	cInvUsed    counter = "inv_used"    // invitation links that brought someone new
	cInvRefused counter = "inv_refused" // used again, unknown, or tapped by someone who took part before
	// Co-creation.
	cIdeasProposed counter = "ideas"         // ideas proposed
	cIdeaSupports  counter = "idea_supports" // similar ideas supported instead of a new one
	cIdeaVotes     counter = "idea_votes"    // ideas weighed (agree, disagree, not sure)
	cIdeaNews      counter = "idea_news"     // "you said, we did" messages and updates sent
	// cCompletedOfStarted counts, on the day a dialogue started, the
	// dialogues that were completed (a cohort counter).
	cCompletedOfStarted counter = "completed_of_started"
)

// Counters with a name in them.
const (
	pAsked    = "asked:"    // + node: a question asked for the first time
	pAnswered = "answered:" // + node: a question answered (consent: agreed)
	pValue    = "v:"        // + result + ":" + bucket: answers by value
	pSum      = "sum:"      // + result: the sum of numeric answers, in thousandths
	pCount    = "n:"        // + result: how many numeric answers are summed
	pLang     = "lang:"     // + language: dialogues started in it
	pSource   = "src:"      // + source: dialogues started from a link with that source
	pWave     = "wave:"     // + wave: people who came with an invitation, by wave (1, 2, ...)
)

func cAsked(node string) counter           { return counter(pAsked + node) }
func cAnswered(node string) counter        { return counter(pAnswered + node) }
func cValue(result, bucket string) counter { return counter(pValue + result + ":" + bucket) }
func cSum(result string) counter           { return counter(pSum + result) }
func cN(result string) counter             { return counter(pCount + result) }
func cLang(lang string) counter            { return counter(pLang + lang) }
func cSource(source string) counter        { return counter(pSource + source) }
func cWave(wave int) counter               { return counter(pWave + strconv.Itoa(wave)) }

// sumScale keeps sums in thousandths, so averages survive HINCRBY.
const sumScale = 1000

// scoreUnits is what an answer adds to its question's sum: thousandths,
// rounded. A score is clamped to the bounds of every number
// (flow.MinNumber, flow.MaxNumber), so one answer adds at most 1e12 and a
// sum reaches the store's counter bound (2^62) only after 4.6 million
// answers at the largest number: a hostile number can never make a
// commit fail. Not a number adds nothing.
func scoreUnits(x float64) int64 {
	if math.IsNaN(x) {
		return 0
	}
	return int64(math.Round(min(max(x, flow.MinNumber), flow.MaxNumber) * sumScale))
}

// counts are counters as read back from the store.
type counts map[string]int64

func (c counts) get(k counter) int64 { return c[string(k)] }

// answeredTotal adds up the answered counters of every node.
func (c counts) answeredTotal() int64 {
	var n int64
	for k, v := range c {
		if strings.HasPrefix(k, pAnswered) {
			n += v
		}
	}
	return n
}

// languages returns the dialogues started per language.
func (c counts) languages() map[string]int64 { return c.named(pLang) }

// named returns the counters with a prefix, by the name after it.
func (c counts) named(prefix string) map[string]int64 {
	out := map[string]int64{}
	for k, v := range c {
		if l, ok := strings.CutPrefix(k, prefix); ok {
			out[l] = v
		}
	}
	return out
}
