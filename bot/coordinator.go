package bot

import "context"

// coordinatorCommand handles the commands only coordinators may use. For
// anyone else it reports false, so the command is treated as unknown.
func (t *turn) coordinatorCommand(_ context.Context, name, _ string) bool {
	pilots := t.s.coordinatorOf(t.in.UserID)
	if len(pilots) == 0 {
		return false
	}
	switch name {
	}
	return false
}

// coordinatorOf lists the pilots a Telegram user coordinates.
func (s *Service) coordinatorOf(userID int64) []string {
	var out []string
	for _, f := range s.Flows().List() {
		if containsID(s.Coordinators(f.Pilot.ID), userID) {
			out = append(out, f.Pilot.ID)
		}
	}
	return out
}
