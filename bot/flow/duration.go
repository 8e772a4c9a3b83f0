package flow

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var errDuration = errors.New("write a number and a unit, like 30s, 15m, 2h, 7d or 2w (s seconds, m minutes, h hours, d days, w weeks)")

// maxDuration is the longest time.Duration; "100000w" is longer and would
// otherwise wrap around to a wrong, possibly negative, duration.
const maxDuration = time.Duration(1<<63 - 1)

// ParseDuration reads the durations flow files use: a number and a unit,
// possibly several ("1d12h"). Days and weeks are calendar-free multiples of
// 24 hours; the `at` key of a follow-up pins the local time of day.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, errDuration
	}
	var total time.Duration
	for in != "" {
		i := 0
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
		}
		if i == 0 || i == len(in) {
			return 0, errDuration
		}
		n, err := strconv.Atoi(in[:i])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("%q is too large: %w", s, errDuration)
		}
		var unit time.Duration
		switch in[i] {
		case 's':
			unit = time.Second
		case 'm':
			unit = time.Minute
		case 'h':
			unit = time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'w':
			unit = 7 * 24 * time.Hour
		default:
			return 0, errDuration
		}
		if time.Duration(n) > (maxDuration-total)/unit {
			return 0, fmt.Errorf("%q is too large: %w", s, errDuration)
		}
		total += time.Duration(n) * unit
		in = in[i+1:]
	}
	return total, nil
}

// FormatDuration writes d the way flow files do ("7d", "2h30m").
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		d time.Duration
		s string
	}{{7 * 24 * time.Hour, "w"}, {24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.d; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.s)
			d -= n * u.d
		}
	}
	return b.String()
}

// parseClock reads "HH:MM".
func parseClock(s string) (ClockTime, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 || len(h) < 1 || len(h) > 2 {
		return ClockTime{}, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return ClockTime{}, false
	}
	return ClockTime{hh, mm}, true
}

// parseQuietHours reads "21:00-08:00".
func parseQuietHours(s string) (*QuietHours, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return nil, false
	}
	from, ok1 := parseClock(a)
	to, ok2 := parseClock(b)
	if !ok1 || !ok2 {
		return nil, false
	}
	return &QuietHours{From: from.Hour*60 + from.Minute, To: to.Hour*60 + to.Minute}, true
}
