package opinion

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// project places each citizen on the map: missing votes take the idea's
// mean vote (so they pull nowhere), ideas are centred, and the votes are
// projected on the two principal components, the two directions in which
// citizens differ most. It returns false when citizens do not differ at all.
func project(m *matrix) ([][2]float64, bool) {
	n, p := len(m.citizens), len(m.ideas)
	xt := mat.NewDense(p, n, nil) // ideas by citizens, centred
	for i := range p {
		sum, cnt := 0.0, 0
		for c := range n {
			if v := m.at(c, i); v != missing {
				sum += float64(v)
				cnt++
			}
		}
		mean := sum / float64(max(cnt, 1))
		for c := range n {
			if v := m.at(c, i); v != missing {
				xt.Set(i, c, float64(v)-mean)
			}
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1/float64(n-1), xt)
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		return nil, false
	}
	values := eig.Values(nil) // ascending
	if values[p-1] <= 1e-9 {
		return nil, false
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	top := vecs.Slice(0, p, p-2, p) // the two largest, as columns
	var proj mat.Dense
	proj.Mul(xt.T(), top) // citizens by 2
	points := make([][2]float64, n)
	for c := range points {
		// A citizen who voted on few ideas sits near the centre, since the
		// ideas they skipped pull nowhere; scale them out as Polis does, by
		// the square root of ideas over votes.
		votes := 0
		for i := range p {
			if m.at(c, i) != missing {
				votes++
			}
		}
		scale := math.Sqrt(float64(p) / float64(max(votes, 1)))
		// Column p-1 is the first component.
		points[c] = [2]float64{scale * proj.At(c, 1), scale * proj.At(c, 0)}
	}
	return points, true
}
