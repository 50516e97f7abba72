package plan

import (
	"strconv"
	"strings"
)

// This file compares lists and sets the way Terraform's own renderer does:
// by matching equal elements (a longest common subsequence), so that an
// element inserted into or removed from the middle shows as itself, not as
// every later element turning into its neighbour.

// maxMatchCells bounds the matching table (elements before × after, once
// equal heads and tails are set aside); longer lists are compared by index.
const maxMatchCells = 1 << 20

// arrays walks the elements of two arrays (either may be null). Elements
// equal on both sides (and with nothing unknown in the later one) are
// matched; between matches, a removed element is paired with an added one
// only when they are the same element changed (pairable: same identity,
// the lone pair of the gap, or mostly equal), never by position alone, and
// what is left over is removed (path: "[was i]", its index before, so it
// never shares a path with an element after) or added (path: its index
// after).
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
		// Pair each removed element with an added one that is the same
		// object (pairable), never by position alone: a set of rules
		// reordered must not read as one rule turning into another.
		pair := make([]int, len(added)) // the removed element paired, or -1
		for k := range pair {
			pair[k] = -1
		}
		taken := make([]bool, len(removed))
		for k, j := range added {
			for x, i := range removed {
				if !taken[x] && d.pairable(d.t.childAt(b, i), d.t.childAt(a, j), len(removed) == 1 && len(added) == 1) {
					pair[k], taken[x] = i, true
					break
				}
			}
		}
		for k, j := range added {
			d.element(j, pair[k], j, b, a, unk, bs, as)
		}
		for x, i := range removed {
			if !taken[x] {
				d.element(-1-i, i, -1, b, a, unk, bs, as)
			}
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
// path index at: an element's index in the after list, or -1-i for an
// element removed from the before list, written "[was i]" so that no two
// fields of a list ever share a path (an element removed from index 2
// while another is added or changed at index 2).
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
	if at < 0 {
		d.path = append(strconv.AppendInt(append(d.path, "[was "...), int64(-1-at), 10), ']')
	} else {
		d.path = appendIndex(d.path, at)
	}
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

// identityKeys are the attributes that name an object among its siblings
// (compared without case: "Sid" in an IAM statement).
var identityKeys = [...]string{"id", "name", "key", "sid", "arn"}

// pairable reports whether before element x and after element y, in a gap
// between matched elements, are the same element changed: two objects
// with the same identity (an equal id, name, key, sid or arn), or without
// one, the lone removed and added elements of a gap (an element edited in
// place), or two objects with at least half their leaves equal
// (likeness). Two
// non-objects pair in order (a string edited in place); an object and a
// non-object never pair.
func (d *differ) pairable(x, y ref, lone bool) bool {
	t := d.t
	kx, ky := t.kind(x), t.kind(y)
	if kx != nObject || ky != nObject {
		return kx != nObject && ky != nObject
	}
	for _, id := range identityKeys {
		ix, iy := memberFold(t, x, id), memberFold(t, y, id)
		if ix == absent || iy == absent || t.kind(ix) == nNull || t.kind(iy) == nNull {
			continue
		}
		return t.equal(ix, iy)
	}
	if lone {
		return true // one element edited in place
	}
	same, total := d.likeness(x, y)
	return total > 0 && 2*same >= total
}

// likeness counts the leaves of x and y (attributes and elements by
// position, down to scalars) and how many of them are equal.
func (d *differ) likeness(x, y ref) (same, total int) {
	t := d.t
	kx, ky := t.kind(x), t.kind(y)
	switch {
	case kx == nObject && ky == nObject:
		for i := range t.len(x) {
			c := t.childAt(x, i)
			s, n := d.likeness(c, t.child(y, t.nodes[c].key))
			same, total = same+s, total+n
		}
		for i := range t.len(y) {
			c := t.childAt(y, i)
			if t.child(x, t.nodes[c].key) == absent {
				_, n := d.likeness(absent, c)
				total += n
			}
		}
		return same, total
	case kx == nArray && ky == nArray && t.len(x) == t.len(y):
		for i := range t.len(x) {
			s, n := d.likeness(t.childAt(x, i), t.childAt(y, i))
			same, total = same+s, total+n
		}
		return same, total
	}
	if t.equal(x, y) {
		return 1, 1
	}
	return 0, 1
}

// memberFold is the member of object r whose key is name without case.
func memberFold(t *tree, r ref, name string) ref {
	for i := range t.len(r) {
		c := t.childAt(r, i)
		if strings.EqualFold(t.nodes[c].key, name) {
			return c
		}
	}
	return absent
}
