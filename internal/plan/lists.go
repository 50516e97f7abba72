package plan

import "strings"

// This file compares lists and sets the way Terraform's own renderer does:
// by matching equal elements (a longest common subsequence), so that an
// element inserted into or removed from the middle shows as itself, not as
// every later element turning into its neighbour.

// maxMatchCells bounds the matching table (elements before × after, once
// equal heads and tails are set aside); longer lists are compared by index.
const maxMatchCells = 1 << 20

// arrays walks the elements of two arrays (either may be null). Elements
// equal on both sides (and with nothing unknown in the later one) are
// matched; between matches, removed and added elements are paired in order
// and compared, and what is left over is removed (path: its index before)
// or added (path: its index after).
func (d *differ) arrays(b, a, unk, bs, as ref) {
	t := d.t
	nb, na := t.len(b), t.len(a)
	if t.kind(b) != nArray || t.kind(a) != nArray || unk == allTrue ||
		t.kind(unk) == nArray && t.len(unk) > na {
		d.byIndex(b, a, unk, bs, as)
		return
	}
	same := func(i, j int) bool {
		return t.equal(t.childAt(b, i), t.childAt(a, j)) && !t.anyTrue(t.childAt(unk, j))
	}
	head := 0
	for head < nb && head < na && same(head, head) {
		head++
	}
	tail := 0
	for tail < nb-head && tail < na-head && same(nb-1-tail, na-1-tail) {
		tail++
	}
	m, n := nb-head-tail, na-head-tail
	if m > 0 && n > 0 && m*n > maxMatchCells {
		d.byIndex(b, a, unk, bs, as)
		return
	}
	// Equal heads and tails are walked too: a change of sensitivity alone
	// is still a field.
	for i := range head {
		d.element(i, i, i, b, a, unk, bs, as)
	}
	d.matchMiddle(head, m, n, b, a, unk, bs, as, same)
	for k := range tail {
		i, j := nb-tail+k, na-tail+k
		d.element(j, i, j, b, a, unk, bs, as)
	}
}

// matchMiddle compares elements [off, off+m) of before with [off, off+n)
// of after through a longest common subsequence.
func (d *differ) matchMiddle(off, m, n int, b, a, unk, bs, as ref, same func(i, j int) bool) {
	// lcs[i][j] is the length of the longest common subsequence of the
	// elements from i (before) and j (after) on, in one flat table.
	w := n + 1
	lcs := make([]int32, (m+1)*w)
	for i := m - 1; i >= 0; i-- {
		for j := n - 1; j >= 0; j-- {
			switch {
			case same(off+i, off+j):
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
				lcs[i*w+j] = lcs[(i+1)*w+j]
			default:
				lcs[i*w+j] = lcs[i*w+j+1]
			}
		}
	}
	var removed, added []int // the current gap between matches
	flush := func() {
		k := 0
		for ; k < len(removed) && k < len(added); k++ {
			d.element(added[k], removed[k], added[k], b, a, unk, bs, as)
		}
		for _, i := range removed[k:] {
			d.element(i, i, -1, b, a, unk, bs, as)
		}
		for _, j := range added[k:] {
			d.element(j, -1, j, b, a, unk, bs, as)
		}
		removed, added = removed[:0], added[:0]
	}
	i, j := 0, 0
	for i < m || j < n {
		switch {
		case i < m && j < n && same(off+i, off+j):
			flush()
			d.element(off+j, off+i, off+j, b, a, unk, bs, as)
			i, j = i+1, j+1
		case j == n || i < m && lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			removed = append(removed, off+i)
			i++
		default:
			added = append(added, off+j)
			j++
		}
	}
	flush()
}

// element walks before element i against after element j (-1: none) at
// path index at.
func (d *differ) element(at, i, j int, b, a, unk, bs, as ref) {
	t := d.t
	bc, bsc, ac, uc, asc := absent, absent, absent, absent, absent
	if i >= 0 {
		bc, bsc = t.childAt(b, i), t.childAt(bs, i)
	}
	if j >= 0 {
		ac, uc, asc = t.childAt(a, j), t.childAt(unk, j), t.childAt(as, j)
	}
	p := len(d.path)
	d.path = appendIndex(d.path, at)
	d.walk(bc, ac, uc, bsc, asc)
	d.path = d.path[:p]
}

// value returns a copy of the value at r (objects as maps, arrays as
// slices, numbers as json.Number) that shares no memory with the change's
// text.
func (t *tree) value(r ref) any {
	switch t.kind(r) {
	case nObject:
		m := make(map[string]any, t.len(r))
		for i := range t.len(r) {
			c := t.childAt(r, i)
			m[strings.Clone(t.nodes[c].key)] = t.value(c)
		}
		return m
	case nArray:
		s := make([]any, t.len(r))
		for i := range s {
			s[i] = t.value(t.childAt(r, i))
		}
		return s
	}
	return t.leaf(r)
}
