package telegramtest

import (
	"maps"
	"time"
)

// Limits are Telegram's flood limits as its maintainers describe them (the
// Bot FAQ; tdlib/telegram-bot-api #636 and #648, tdlib/td #3034):
// answerCallbackQuery is never limited; in one chat, sendMessage,
// sendDocument and message edits share one budget, a short burst and then
// about one a second; across chats, about 30 messages a second; in a
// group, 20 a minute. A call over a limit is answered 429 with
// retry_after, and is not counted.
//
// The zero value limits nothing (the default). TelegramLimits returns the
// real limits.
type Limits struct {
	// PerChat is the burst of a chat's budget: that many sends and edits
	// at once, then one more every ChatEvery (a token bucket that holds
	// PerChat and refills one every ChatEvery). 0: no per-chat limit.
	PerChat int
	// ChatEvery is how often a chat's budget gains one call; default 1s.
	ChatEvery time.Duration
	// Global is how many sends and edits all chats together may get in any
	// sliding second. 0: no global limit.
	Global int
	// ReplyWindow, when set, leaves out of Global what goes to a chat that
	// sent an update within it: Telegram's maintainers say its ~30/s is for
	// bulk notifications, while answers to people who just wrote are only
	// limited per chat. 0: Global counts everything.
	ReplyWindow time.Duration
	// PerGroup is how many sends and edits one group chat (a negative id)
	// may get in any sliding minute, on top of PerChat. 0: no group limit.
	PerGroup int
	// RetryAfter, when set, is the retry_after (seconds) of every 429 the
	// limits answer. 0: the whole seconds until the call would be admitted
	// (at least 1), as Telegram answers.
	RetryAfter int
}

// TelegramLimits are the real Bot API's limits: a burst of 3 per chat then
// one a second, 30 a second across chats for notifications (what goes to
// chats that did not write in the last minute), 20 a minute in a group.
func TelegramLimits() Limits {
	return Limits{PerChat: 3, ChatEvery: time.Second, Global: 30, ReplyWindow: time.Minute, PerGroup: 20}
}

// Stats counts what the limited methods did.
type Stats struct {
	Delivered int // messages and documents delivered
	Edited    int // messages edited
	// Rejected429 counts requests answered with 429, by the limits or by
	// Fail; Rejected429By counts them per method ("sendMessage", ...).
	Rejected429   int
	Rejected429By map[string]int
	// MaxPerSecond is the highest number of deliveries and edits, all
	// chats together, in any sliding 1 s window.
	MaxPerSecond int
}

// flood is the state of the limits: the calls they admitted.
type flood struct {
	limits Limits
	second []time.Time           // admitted calls of the last second, all chats
	notify []time.Time           // those of them that count against Global
	chat   map[int64]time.Time   // per chat: when its bucket is full again (GCRA's theoretical arrival time)
	heard  map[int64]time.Time   // per chat: when it last sent an update
	group  map[int64][]time.Time // per group: admitted calls of the last minute
	stats  Stats
}

func newFlood() flood {
	return flood{chat: map[int64]time.Time{}, heard: map[int64]time.Time{}, group: map[int64][]time.Time{}, stats: Stats{Rejected429By: map[string]int{}}}
}

// SetLimits sets the flood limits. The calls admitted so far count against
// the new limits.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flood.limits = l
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.flood.stats
	st.Rejected429By = maps.Clone(st.Rejected429By)
	return st
}

func (f *flood) every() time.Duration {
	if f.limits.ChatEvery > 0 {
		return f.limits.ChatEvery
	}
	return time.Second
}

// since drops the times before cut from an ordered list.
func since(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	return ts[i:]
}

// admitLocked applies the limits to a send or edit in chatID (0: an inline
// message, which has no chat) at now: nil, or the 429 to answer.
func (s *Server) admitLocked(chatID int64, now time.Time) *apiError {
	f := &s.flood
	f.second = since(f.second, now.Add(-time.Second))
	f.notify = since(f.notify, now.Add(-time.Second))
	var wait time.Duration
	if l := f.limits.Global; l > 0 && !f.reply(chatID, now) && len(f.notify) >= l {
		wait = f.notify[len(f.notify)-l].Add(time.Second).Sub(now)
	}
	if b := f.limits.PerChat; b > 0 && chatID != 0 {
		// The bucket has room once its arrival time is within the burst.
		if at := f.chat[chatID].Add(-time.Duration(b-1) * f.every()); at.After(now) {
			wait = max(wait, at.Sub(now))
		}
	}
	if l := f.limits.PerGroup; l > 0 && chatID < 0 {
		g := since(f.group[chatID], now.Add(-time.Minute))
		f.group[chatID] = g
		if len(g) >= l {
			wait = max(wait, g[len(g)-l].Add(time.Minute).Sub(now))
		}
	}
	if wait <= 0 {
		return nil
	}
	ra := f.limits.RetryAfter
	if ra <= 0 {
		ra = max(int((wait+time.Second-1)/time.Second), 1)
	}
	return tooMany(ra)
}

// reply reports whether a send to chatID answers someone who just wrote,
// which the global limit leaves out.
func (f *flood) reply(chatID int64, now time.Time) bool {
	w := f.limits.ReplyWindow
	return w > 0 && chatID != 0 && now.Sub(f.heard[chatID]) < w
}

// heardLocked records that chatID sent an update.
func (s *Server) heardLocked(chatID int64, now time.Time) {
	if len(s.flood.heard) > 4096 {
		maps.DeleteFunc(s.flood.heard, func(_ int64, t time.Time) bool { return now.Sub(t) > time.Hour })
	}
	s.flood.heard[chatID] = now
}

// countLocked records a send (or, with edit, an edit) in chatID admitted
// by admitLocked.
func (s *Server) countLocked(chatID int64, now time.Time, edit bool) {
	f := &s.flood
	f.second = append(f.second, now)
	if !f.reply(chatID, now) {
		f.notify = append(f.notify, now)
	}
	f.stats.MaxPerSecond = max(f.stats.MaxPerSecond, len(f.second))
	if edit {
		f.stats.Edited++
	} else {
		f.stats.Delivered++
	}
	if chatID == 0 {
		return
	}
	if len(f.chat) > 4096 {
		// Forget chats whose bucket is full again, so memory stays small.
		maps.DeleteFunc(f.chat, func(_ int64, t time.Time) bool { return !t.After(now) })
	}
	tat := f.chat[chatID]
	if tat.Before(now) {
		tat = now
	}
	f.chat[chatID] = tat.Add(f.every())
	if chatID < 0 {
		f.group[chatID] = append(f.group[chatID], now)
	}
}

// count429Locked counts a 429 answer to method.
func (s *Server) count429Locked(method string) {
	s.flood.stats.Rejected429++
	s.flood.stats.Rejected429By[method]++
}
