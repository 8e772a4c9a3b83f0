package ideas

import (
	"math"
	"testing"
)

// Expected values computed by hand from the Wilson formula
// (p + z²/2n − z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n).
func TestWilson(t *testing.T) {
	tests := []struct {
		agree, disagree int
		z, want         float64
	}{
		{0, 0, 1.96, 0},
		{1, 0, 1.96, 0.206543}, // 1 / (1 + 3.8416)
		{0, 1, 1.96, 0},
		{3, 1, 1, 0.5},           // (0.875 − 0.25) / 1.25
		{5, 5, 1.96, 0.236590},   // (0.5 + 0.19208 − 0.364601) / 1.38416
		{90, 10, 1.96, 0.825633}, // (0.9 + 0.019208 − 0.061858) / 1.038416
		{10, 90, 1.96, 0.055229},
		{100, 0, 1.96, 0.963005},
		{5, 5, 0, 0},     // no interval
		{-1, 3, 1.96, 0}, // bad input
	}
	for _, tt := range tests {
		got := Wilson(tt.agree, tt.disagree, tt.z)
		if math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("Wilson(%d, %d, %v) = %.6f, want %.6f", tt.agree, tt.disagree, tt.z, got, tt.want)
		}
	}
}

func TestDivisiveness(t *testing.T) {
	tests := []struct {
		v    Votes
		want float64
	}{
		{Votes{}, 0},
		{Votes{Agree: 10}, 0},                              // nobody disagrees
		{Votes{Agree: 2, Disagree: 2}, 0.300071},           // 2 × Wilson(2, 2)
		{Votes{Agree: 5, Disagree: 5, Pass: 40}, 0.473179}, // passes do not count
		{Votes{Agree: 50, Disagree: 50}, 0.807660},
		{Votes{Agree: 90, Disagree: 10}, 0.110457},
		{Votes{Agree: 10, Disagree: 90}, 0.110457}, // symmetric
	}
	for _, tt := range tests {
		if got := Divisiveness(tt.v, DefaultZ); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("Divisiveness(%+v) = %.6f, want %.6f", tt.v, got, tt.want)
		}
	}
}

func ids(rs []Ranked) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestMostAgreedAndDivisive(t *testing.T) {
	tallies := []Tally{
		// agreement (Wilson) and divisiveness
		{"few-all-agree", Votes{Agree: 3}},                    // 0.4385, 0
		{"many-mostly-agree", Votes{Agree: 80, Disagree: 20}}, // 0.7112, 0.2667
		{"split", Votes{Agree: 40, Disagree: 40, Pass: 5}},    // 0.3930, 0.7859
		{"small-split", Votes{Agree: 3, Disagree: 3}},         // 0.1876, 0.3752
		{"rejected", Votes{Agree: 2, Disagree: 30}},           // 0.0173, 0.0346
		{"only-passes", Votes{Pass: 9}},
		{"tie-b", Votes{Agree: 3}},
	}
	agreed := ids(MostAgreed(tallies, 4, DefaultZ))
	want := []string{"many-mostly-agree", "few-all-agree", "tie-b", "split"}
	if !equal(agreed, want) {
		t.Errorf("MostAgreed = %v, want %v", agreed, want)
	}
	divisive := ids(MostDivisive(tallies, 10, DefaultZ))
	want = []string{"split", "small-split", "many-mostly-agree", "rejected"}
	if !equal(divisive, want) {
		t.Errorf("MostDivisive = %v, want %v", divisive, want)
	}
	if got := MostAgreed(tallies, 0, DefaultZ); len(got) != 0 {
		t.Errorf("n = 0 gave %v", got)
	}
	if got := MostAgreed(nil, -1, DefaultZ); len(got) != 0 {
		t.Errorf("n = -1 gave %v", got)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
