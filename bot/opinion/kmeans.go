package opinion

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// clustering is a grouping of the points: a group index per point.
type clustering struct {
	k          int
	labels     []int
	silhouette float64
}

// members returns the points of each group, largest group first.
func (cl clustering) members() [][]int {
	groups := make([][]int, cl.k)
	for p, g := range cl.labels {
		groups[g] = append(groups[g], p)
	}
	slices.SortStableFunc(groups, func(a, b []int) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), cmp.Compare(a[0], b[0]))
	})
	return groups
}

// bestClustering runs k-means for k = 2 to MaxGroups and keeps the grouping
// with the highest silhouette among those whose every group has at least
// MinGroupSize points; k is 0 when none qualifies.
func bestClustering(points [][2]float64, opt Options, rng *rand.Rand) clustering {
	best := clustering{silhouette: math.Inf(-1)}
	for k := 2; k <= opt.MaxGroups && k*opt.MinGroupSize <= len(points); k++ {
		labels := kmeans(points, k, opt.Restarts, rng)
		if smallestGroup(labels, k) < opt.MinGroupSize {
			continue
		}
		s := silhouette(points, labels, k, rng)
		if s > best.silhouette {
			best = clustering{k: k, labels: labels, silhouette: s}
		}
	}
	if best.k == 0 {
		best.silhouette = 0
	}
	return best
}

func smallestGroup(labels []int, k int) int {
	sizes := make([]int, k)
	for _, g := range labels {
		sizes[g]++
	}
	return slices.Min(sizes)
}

// kmeans groups points into k groups: k-means++ starts, Lloyd's iterations,
// the best of restarts by within-group squared distance.
func kmeans(points [][2]float64, k, restarts int, rng *rand.Rand) []int {
	var best []int
	bestCost := math.Inf(1)
	for range restarts {
		labels, cost := lloyd(points, seedCentres(points, k, rng))
		if cost < bestCost {
			best, bestCost = labels, cost
		}
	}
	return best
}

// seedCentres picks k starting centres by k-means++: each next centre is a
// point drawn with probability proportional to its squared distance from
// the nearest centre so far.
func seedCentres(points [][2]float64, k int, rng *rand.Rand) [][2]float64 {
	centres := [][2]float64{points[rng.IntN(len(points))]}
	d2 := make([]float64, len(points))
	for len(centres) < k {
		total := 0.0
		for i, p := range points {
			d2[i] = math.Inf(1)
			for _, c := range centres {
				d2[i] = min(d2[i], sqDist(p, c))
			}
			total += d2[i]
		}
		if total == 0 { // all points on the centres: any point will do
			centres = append(centres, points[rng.IntN(len(points))])
			continue
		}
		r := rng.Float64() * total
		pick := len(points) - 1
		for i, d := range d2 {
			if r -= d; r < 0 {
				pick = i
				break
			}
		}
		centres = append(centres, points[pick])
	}
	return centres
}

// lloyd refines centres until no point changes group (at most 100 rounds)
// and returns the labels and the within-group squared distance.
func lloyd(points [][2]float64, centres [][2]float64) ([]int, float64) {
	k := len(centres)
	labels := make([]int, len(points))
	for i := range labels {
		labels[i] = -1
	}
	cost := 0.0
	for range 100 {
		changed := false
		cost = 0
		for i, p := range points {
			g, d := nearest(p, centres)
			cost += d
			if g != labels[i] {
				labels[i], changed = g, true
			}
		}
		if !changed {
			break
		}
		sums := make([][2]float64, k)
		counts := make([]int, k)
		for i, p := range points {
			g := labels[i]
			sums[g][0] += p[0]
			sums[g][1] += p[1]
			counts[g]++
		}
		for g := range centres {
			if counts[g] > 0 { // an empty group keeps its centre
				centres[g] = [2]float64{sums[g][0] / float64(counts[g]), sums[g][1] / float64(counts[g])}
			}
		}
	}
	return labels, cost
}

func nearest(p [2]float64, centres [][2]float64) (int, float64) {
	best, bestD := 0, math.Inf(1)
	for g, c := range centres {
		if d := sqDist(p, c); d < bestD {
			best, bestD = g, d
		}
	}
	return best, bestD
}

func sqDist(a, b [2]float64) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return dx*dx + dy*dy
}

// silhouetteSample is the most points whose silhouette is averaged; above
// it a seeded sample is used, which keeps the cost linear in citizens.
const silhouetteSample = 800

// silhouette is the mean silhouette of the points: for each point, how much
// closer it is to its own group than to the nearest other group, from −1
// to 1 (Rousseeuw 1987).
func silhouette(points [][2]float64, labels []int, k int, rng *rand.Rand) float64 {
	idx := make([]int, len(points))
	for i := range idx {
		idx[i] = i
	}
	if len(idx) > silhouetteSample {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		idx = idx[:silhouetteSample]
	}
	sizes := make([]int, k)
	for _, g := range labels {
		sizes[g]++
	}
	sum := make([]float64, k)
	total := 0.0
	for _, i := range idx {
		clear(sum)
		for j, p := range points {
			sum[labels[j]] += math.Sqrt(sqDist(points[i], p))
		}
		own := labels[i]
		if sizes[own] <= 1 {
			continue // silhouette 0 by convention
		}
		a := sum[own] / float64(sizes[own]-1)
		b := math.Inf(1)
		for g := range k {
			if g != own && sizes[g] > 0 {
				b = min(b, sum[g]/float64(sizes[g]))
			}
		}
		if m := max(a, b); m > 0 && !math.IsInf(b, 1) {
			total += (b - a) / m
		}
	}
	return total / float64(len(idx))
}

// nullSilhouette is the best silhouette found on shuffled copies of the
// matrix (see matrix.shuffled): what random votes with the same habits
// give.
func nullSilhouette(m *matrix, opt Options, rng *rand.Rand) float64 {
	best := 0.0
	for range opt.NullRuns {
		points, ok := project(m.shuffled(rng))
		if !ok {
			continue
		}
		best = max(best, bestClustering(points, opt, rng).silhouette)
	}
	return best
}
