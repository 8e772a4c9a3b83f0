// Package rds weights a respondent-driven sample: people recruited by
// people, starting from seeds, each recruit reached through a coupon from
// someone who knows them.
//
// People with many contacts are more likely to be recruited, so a plain
// share over-counts them. The RDS-II estimator (Volz and Heckathorn, 2008)
// weights each participant by the inverse of their network size (degree):
//
//	w_i = n · (1/d_i) / Σ_j (1/d_j)
//
// The weights are normalised to sum to the sample size n, so they average 1:
// a weighted count reads as a number of people and sits next to the
// unweighted count in the same table. The RDS-II share of a category is the
// sum of its members' weights over the sum of all weights.
//
// A participant who withdrew (erased their data) keeps their place in the
// recruitment tree, so their recruits' waves still check, but is not in
// the sample: they get no weight and n counts only the others.
//
// A degree that is missing or not positive (no one is recruited by a person
// who knows nobody) is replaced by the median of the positive degrees in the
// sample: the median, not the mean, because reported network sizes are
// skewed and a few people say "500".
//
// The package does no I/O and imports nothing from this project.
package rds

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Participant is one person in the sample.
type Participant struct {
	ID        string
	Recruiter string // the ID of the person whose coupon they used; "" for a seed
	Wave      int    // 0 for seeds, the recruiter's wave + 1 for everyone else
	Degree    int    // network size they reported; 0 when missing
	Withdrawn bool   // in the tree, not in the sample (their data was erased)
}

// Weights are RDS-II weights for a sample.
type Weights struct {
	W       []float64 // one per participant, in sample order; they sum to the number not withdrawn (0 for the withdrawn)
	Imputed int       // how many degrees were missing or not positive
	Median  float64   // the degree given to them
}

// Check reports problems in the recruitment tree: duplicate or empty ids,
// recruiters not in the sample, and waves that do not follow the recruiter.
func Check(sample []Participant) error {
	byID := make(map[string]Participant, len(sample))
	var errs []error
	for _, p := range sample {
		if p.ID == "" {
			errs = append(errs, errors.New("a participant has no id"))
			continue
		}
		if _, dup := byID[p.ID]; dup {
			errs = append(errs, fmt.Errorf("participant %q appears twice", p.ID))
		}
		byID[p.ID] = p
	}
	for _, p := range sample {
		if p.Recruiter == "" {
			if p.Wave != 0 {
				errs = append(errs, fmt.Errorf("participant %q has no recruiter, so is a seed, but is in wave %d, not 0", p.ID, p.Wave))
			}
			continue
		}
		r, ok := byID[p.Recruiter]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("participant %q was recruited by %q, who is not in the sample", p.ID, p.Recruiter))
		case p.Wave != r.Wave+1:
			errs = append(errs, fmt.Errorf("participant %q is in wave %d but their recruiter %q is in wave %d; a recruit is one wave after the recruiter", p.ID, p.Wave, r.ID, r.Wave))
		}
	}
	return errors.Join(errs...)
}

// RDSII computes the weights of a checked sample.
func RDSII(sample []Participant) (Weights, error) {
	if len(sample) == 0 {
		return Weights{}, errors.New("the sample is empty")
	}
	if err := Check(sample); err != nil {
		return Weights{}, err
	}
	var known []int
	in := 0
	for _, p := range sample {
		if p.Withdrawn {
			continue
		}
		in++
		if p.Degree > 0 {
			known = append(known, p.Degree)
		}
	}
	if len(known) == 0 {
		return Weights{}, errors.New("no participant reported a network size, so the sample cannot be weighted")
	}
	w := Weights{W: make([]float64, len(sample)), Median: median(known), Imputed: in - len(known)}
	var sum float64
	for i, p := range sample {
		if p.Withdrawn {
			continue
		}
		d := w.Median
		if p.Degree > 0 {
			d = float64(p.Degree)
		}
		w.W[i] = 1 / d
		sum += w.W[i]
	}
	n := float64(in)
	for i := range w.W {
		w.W[i] *= n / sum
	}
	return w, nil
}

func median(xs []int) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return float64(s[m])
	}
	return float64(s[m-1]+s[m]) / 2
}

// Share is one category's share of the population.
type Share struct {
	Category string
	Count    int     // participants in the category
	Sample   float64 // Count over the participants with an answer
	RDSII    float64 // weighted share: the population estimate
}

// Proportions estimates the share of each category of a variable;
// values[i] is participant i's answer, "" when missing. Participants
// without an answer are left out and the shares are of those with one.
// Categories come sorted by name.
func (w Weights) Proportions(values []string) ([]Share, error) {
	if len(values) != len(w.W) {
		return nil, fmt.Errorf("the sample has %d participants but the answers number %d; give one answer (or \"\") per participant", len(w.W), len(values))
	}
	byCat := map[string]*Share{}
	var total float64
	var answered int
	for i, v := range values {
		if v == "" || w.W[i] == 0 {
			continue // no answer, or withdrawn
		}
		s := byCat[v]
		if s == nil {
			s = &Share{Category: v}
			byCat[v] = s
		}
		s.Count++
		s.RDSII += w.W[i]
		total += w.W[i]
		answered++
	}
	if answered == 0 {
		return nil, errors.New("no participant answered this question")
	}
	out := make([]Share, 0, len(byCat))
	for _, s := range byCat {
		s.Sample = float64(s.Count) / float64(answered)
		s.RDSII /= total
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Share) int { return cmp.Compare(a.Category, b.Category) })
	return out, nil
}
