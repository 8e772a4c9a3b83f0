package bot

import "testing"

// Counter names are stored in Redis: renaming one would start it again
// from zero and strand what is stored under the old name.
func TestCounterNames(t *testing.T) {
	for _, tc := range []struct {
		k    counter
		want string
	}{
		{cStarted, "started"}, {cCompleted, "completed"}, {cDeclined, "declined"},
		{cAlerts, "alerts"}, {cFollowUps, "fu_sent"}, {cFollowedUp, "fu_answered"},
		{cReminders, "reminders"}, {cBlocked, "blocked"}, {cCompletedOfStarted, "completed_of_started"},
		{cAsked("rate"), "asked:rate"}, {cAnswered("rate"), "answered:rate"},
		{cValue("experience", "4"), "v:experience:4"}, {cValue("idea", "_voice"), "v:idea:_voice"},
		{cSum("experience"), "sum:experience"}, {cN("experience"), "n:experience"}, {cLang("fi"), "lang:fi"},
	} {
		if string(tc.k) != tc.want {
			t.Errorf("counter %q, want %q", tc.k, tc.want)
		}
	}
}

func TestCountsRead(t *testing.T) {
	c := counts{"answered:a": 2, "answered:b": 3, "asked:a": 9, "lang:fi": 4, "lang:sv": 1, "started": 5}
	if got := c.answeredTotal(); got != 5 {
		t.Errorf("answeredTotal = %d, want 5", got)
	}
	if l := c.languages(); len(l) != 2 || l["fi"] != 4 || l["sv"] != 1 {
		t.Errorf("languages = %v", l)
	}
	if c.get(cStarted) != 5 || c.get(cCompleted) != 0 {
		t.Errorf("get: started %d, completed %d", c.get(cStarted), c.get(cCompleted))
	}
}
