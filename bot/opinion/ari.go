package opinion

import "errors"

// AdjustedRandIndex compares two groupings of the same citizens (a label
// per citizen in each): 1 when they agree exactly (whatever the labels'
// names), about 0 when they agree no more than chance, negative when less
// (Hubert and Arabie 1985). It can tell, for example, whether this week's
// groups are last week's.
func AdjustedRandIndex(a, b []int) (float64, error) {
	if len(a) != len(b) {
		return 0, errors.New("opinion: the two groupings have different numbers of citizens")
	}
	n := len(a)
	type pair struct{ x, y int }
	cells, rows, cols := map[pair]int{}, map[int]int{}, map[int]int{}
	for i := range a {
		cells[pair{a[i], b[i]}]++
		rows[a[i]]++
		cols[b[i]]++
	}
	choose2 := func(k int) float64 { return float64(k) * float64(k-1) / 2 }
	index, sumRows, sumCols := 0.0, 0.0, 0.0
	for _, c := range cells {
		index += choose2(c)
	}
	for _, c := range rows {
		sumRows += choose2(c)
	}
	for _, c := range cols {
		sumCols += choose2(c)
	}
	expected := sumRows * sumCols / choose2(n)
	top := (sumRows + sumCols) / 2
	if n < 2 || top == expected {
		return 1, nil // both groupings are trivial (one group, or all singletons) and so agree
	}
	return (index - expected) / (top - expected), nil
}
