package flow

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether a problem stops a flow from loading.
type Severity int

const (
	// Warning marks something that works but should be improved.
	Warning Severity = iota
	// Error marks something that stops the flow from loading.
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Pos is a position in a flow file, 1-based.
type Pos struct {
	Line, Col int
}

// Diagnostic is one problem found in a flow file.
type Diagnostic struct {
	File     string
	Pos      Pos
	Severity Severity
	Message  string
}

// String formats the diagnostic the way compilers do, so editors can jump to it.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", d.File, d.Pos.Line, d.Pos.Col, d.Severity, d.Message)
}

// Diagnostics is a list of problems, usually sorted by position.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == Error })
}

// Errors returns only the errors.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders diagnostics by file and position, errors before warnings at the same place.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// String renders one diagnostic per line.
func (ds Diagnostics) String() string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Error makes Diagnostics usable as an error when a flow fails to load.
func (ds Diagnostics) Error() string {
	errs := ds.Errors()
	switch len(errs) {
	case 0:
		return "no errors"
	case 1:
		return errs[0].String()
	default:
		return fmt.Sprintf("%s (and %d more errors)", errs[0], len(errs)-1)
	}
}

// reporter collects diagnostics for one file.
type reporter struct {
	file  string
	diags Diagnostics
}

func (r *reporter) errorf(p Pos, format string, args ...any) {
	r.diags = append(r.diags, Diagnostic{File: r.file, Pos: p, Severity: Error, Message: fmt.Sprintf(format, args...)})
}

func (r *reporter) warnf(p Pos, format string, args ...any) {
	r.diags = append(r.diags, Diagnostic{File: r.file, Pos: p, Severity: Warning, Message: fmt.Sprintf(format, args...)})
}

// nearest returns the candidate closest to word, if it is close enough to be a
// likely typo.
func nearest(word string, candidates []string) string {
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		d := editDistance(strings.ToLower(word), c)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := 2
	if len(word) <= 4 {
		limit = 1
	}
	if bestDist <= limit || (best != "" && len(word) >= 3 && strings.HasPrefix(best, strings.ToLower(word))) {
		return best
	}
	return ""
}

// editDistance is the Damerau-Levenshtein (optimal string alignment) distance,
// so that swapped letters ("nxet") count as one typo.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
