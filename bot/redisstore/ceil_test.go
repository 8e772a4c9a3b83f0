package redisstore

import (
	"testing"
	"time"
)

// TestCeilMilli: a retry is kept at its time rounded up to the
// millisecond, so that it never falls due before it.
func TestCeilMilli(t *testing.T) {
	base := time.UnixMilli(1_700_000_000_123)
	for _, c := range []struct {
		at   time.Time
		want int64
	}{
		{base, 1_700_000_000_123},
		{base.Add(time.Nanosecond), 1_700_000_000_124},
		{base.Add(999 * time.Microsecond), 1_700_000_000_124},
		{base.Add(-time.Nanosecond), 1_700_000_000_123},
	} {
		if got := ceilMilli(c.at); got != c.want {
			t.Errorf("ceilMilli(%s) = %d, want %d", c.at.Format(time.RFC3339Nano), got, c.want)
		}
	}
}
