package plan

import (
	"fmt"
	"math/big"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Diff appends to fields one release.Field per changed leaf of a change
// and returns the extended slice. Values are expected in the shapes
// encoding/json produces (map[string]any, []any, string, json.Number or
// float64, bool, nil). The rules:
//
//   - A leaf is a scalar, a null or an empty object/array. Objects are
//     compared key by key (keys in sorted order), arrays index by index.
//   - A leaf whose value differs yields a field with Before and After. So
//     does an empty container that appears or disappears (before [] after
//     null), while a container that gains its first element yields the
//     element's field instead.
//   - A whole object created or deleted yields every leaf, the other side
//     null; a type change (a string becoming an object) yields the old leaf
//     going to null and every new leaf coming from null.
//   - Where after_unknown is true the value is known only after apply: the
//     field has Unknown set and After nil, one per leaf of the before value
//     (a single field when before is null).
//   - Where before_sensitive or after_sensitive is true (at any depth,
//     possibly over a whole object) Diff emits a single masked field for
//     that path and does not descend, so neither values nor map keys below
//     it leak: Sensitive is set, Before and After are nil, and Changed says
//     whether the hidden values differ (or are unknown). Such a field is
//     also emitted when only the sensitivity changed, with Changed false.
//   - A leaf whose text is, or contains, the text of a value marked
//     sensitive in the same change is masked the same way (see mask.go).
//
// Strings and numbers in the fields are copies, so fields do not keep the
// change's other values alive.
func Diff(c *tfjson.Change, fields []release.Field) []release.Field {
	var t tree
	var refs changeRefs
	for i, v := range [...]any{c.Before, c.After, c.AfterUnknown, c.BeforeSensitive, c.AfterSensitive} {
		refs[i] = t.add(t.nodeOf(v))
	}
	return diffTree(&t, refs, nil, fields)
}

// changeRefs are the roots of a change's before, after, after_unknown,
// before_sensitive and after_sensitive values in a tree.
type changeRefs [5]ref

const (
	refBefore = iota
	refAfter
	refAfterUnknown
	refBeforeSensitive
	refAfterSensitive
)

func noRefs() changeRefs { return changeRefs{absent, absent, absent, absent, absent} }

// diffTree is Diff over values decoded into t. The change's sensitive
// texts are added to sec (a new set when nil), and fields showing any text
// in sec are masked.
func diffTree(t *tree, r changeRefs, sec *secrets, fields []release.Field) []release.Field {
	if sec == nil {
		sec = new(secrets)
	}
	sec.collect(t, r[refBefore], r[refBeforeSensitive])
	sec.collect(t, r[refAfter], r[refAfterSensitive])
	d := differ{t: t, sec: sec, fields: fields}
	d.walk(r[refBefore], r[refAfter], r[refAfterUnknown], r[refBeforeSensitive], r[refAfterSensitive])
	return d.fields
}

type differ struct {
	t      *tree
	sec    *secrets
	path   []byte
	fields []release.Field
}

// shape is what a value is, for diffing.
type shape uint8

const (
	sNull shape = iota
	sScalar
	sObject
	sArray
)

func (d *differ) shape(r ref) shape {
	switch d.t.kind(r) {
	case nNull:
		return sNull
	case nObject:
		return sObject
	case nArray:
		return sArray
	}
	return sScalar
}

// walk compares before and after at d.path; unk, bs and as are the matching
// parts of after_unknown, before_sensitive and after_sensitive.
func (d *differ) walk(b, a, unk, bs, as ref) {
	t := d.t
	if t.isTrue(bs) || t.isTrue(as) {
		d.masked(b, a, unk, bs, as)
		return
	}
	if t.isTrue(unk) {
		d.unknown(b, bs, as)
		return
	}
	sb, sa := d.shape(b), d.shape(a)
	unkInside := t.anyTrue(unk)
	if sa == sNull && unkInside {
		// A null after with unknown parts inside: treat it as an empty
		// container of the marks' shape so the unknown parts show.
		sa = sObject
		if t.kind(unk) == nArray {
			sa = sArray
		}
	}
	bLeaf := sb == sNull || sb == sScalar || t.len(b) == 0
	aLeaf := sa == sNull || sa == sScalar || t.len(a) == 0 && !unkInside
	switch {
	case bLeaf && aLeaf:
		switch {
		case t.equal(b, a):
		case d.sec.leafCovered(t, b) || d.sec.leafCovered(t, a):
			d.emit(release.Field{Sensitive: true, Changed: true})
		default:
			d.emit(release.Field{Before: t.leaf(b), After: t.leaf(a), Changed: true})
		}
	case sb == sa || sb == sNull || sa == sNull:
		// Same container kind on both sides, or one side null: descend.
		if sb == sObject || sa == sObject {
			d.objects(b, a, unk, bs, as)
		} else {
			d.arrays(b, a, unk, bs, as)
		}
	default:
		// A type change: the old value goes, the new one comes.
		d.walk(b, absent, absent, bs, absent)
		d.walk(absent, a, unk, absent, as)
	}
}

// objects walks the members of two objects (either may be null) in key
// order, merging their sorted members with those of after_unknown.
func (d *differ) objects(b, a, unk, bs, as ref) {
	t := d.t
	members := func(r ref) []node {
		if t.kind(r) != nObject {
			return nil
		}
		n := t.nodes[r]
		return t.nodes[n.first : n.first+n.n]
	}
	first := func(r ref) ref {
		if r < 0 {
			return 0
		}
		return t.nodes[r].first
	}
	bm, am, um := members(b), members(a), members(unk)
	bf, af, uf := first(b), first(a), first(unk)
	p := len(d.path)
	hidden := 0 // keys masked so far in this object
	for i, j, k := 0, 0, 0; i < len(bm) || j < len(am) || k < len(um); {
		// The smallest key still to visit.
		var key string
		have := false
		for _, m := range [...]struct {
			ms []node
			x  int
		}{{bm, i}, {am, j}, {um, k}} {
			if m.x < len(m.ms) && (!have || m.ms[m.x].key < key) {
				key, have = m.ms[m.x].key, true
			}
		}
		bc, ac, uc := absent, absent, absent
		if i < len(bm) && bm[i].key == key {
			bc = bf + int32(i)
			i++
		}
		if j < len(am) && am[j].key == key {
			ac = af + int32(j)
			j++
		}
		if k < len(um) && um[k].key == key {
			uc = uf + int32(k)
			k++
		}
		if unk == allTrue {
			uc = allTrue
		} else if bc == absent && ac == absent && !t.anyTrue(uc) {
			continue
		}
		if d.sec.covers(key) {
			// A secret used as a map key: the key is masked in the
			// path too, numbered so that two never share a path.
			hidden++
			d.path = appendKey(d.path, fmt.Sprintf("(sensitive key %d)", hidden))
		} else {
			d.path = appendKey(d.path, key)
		}
		if bc == absent && ac != absent && t.kind(b) == nObject && t.kind(ac) == nNull && !t.anyTrue(uc) &&
			!t.isTrue(bs) && !t.isTrue(t.child(as, key)) {
			// An attribute that appears as null is a change: null and
			// absent are two things.
			d.emit(release.Field{Changed: true, Absent: "before"})
		} else if ac == absent && bc != absent && t.kind(a) == nObject && t.kind(bc) == nNull && !t.anyTrue(uc) &&
			!t.isTrue(t.child(bs, key)) && !t.isTrue(as) {
			d.emit(release.Field{Changed: true, Absent: "after"})
		} else {
			d.walk(bc, ac, uc, t.child(bs, key), t.child(as, key))
		}
		d.path = d.path[:p]
	}
}

// byIndex walks the elements of two arrays (either may be null) by index.
func (d *differ) byIndex(b, a, unk, bs, as ref) {
	t := d.t
	n := max(t.len(b), t.len(a))
	if t.kind(unk) == nArray {
		// Unknown elements past the end of after.
		for i := t.len(unk) - 1; i >= n; i-- {
			if t.anyTrue(t.childAt(unk, i)) {
				n = i + 1
				break
			}
		}
	}
	p := len(d.path)
	for i := range n {
		d.path = appendIndex(d.path, i)
		d.walk(t.childAt(b, i), t.childAt(a, i), t.childAt(unk, i), t.childAt(bs, i), t.childAt(as, i))
		d.path = d.path[:p]
	}
}

// unknown emits the one field of a value known only after apply, as
// Terraform shows it: at its path, Before the whole earlier value (an
// object or list too), After nil, Unknown set. An earlier value that holds
// a marked or secret part is masked whole.
func (d *differ) unknown(b, bs, as ref) {
	if d.t.anyTrue(bs) || d.covered(b) {
		d.emit(release.Field{Sensitive: true, Unknown: true, Changed: true})
		return
	}
	d.emit(release.Field{Before: d.t.value(b), Unknown: true, Changed: true})
}

// covered reports whether a string anywhere in r is or holds a secret.
func (d *differ) covered(r ref) bool {
	switch d.t.kind(r) {
	case nString:
		return d.sec.leafCovered(d.t, r)
	case nObject, nArray:
		for i := range d.t.len(r) {
			if d.covered(d.t.childAt(r, i)) {
				return true
			}
		}
	}
	return false
}

// masked emits the single field of a sensitive value, without its values.
func (d *differ) masked(b, a, unk, bs, as ref) {
	t := d.t
	unknown := t.anyTrue(unk)
	changed := unknown || !t.equal(b, a)
	if !changed {
		// The same value on both sides: a field only if its sensitivity
		// changed on a value that exists on both sides.
		if t.kind(b) == nNull || t.isTrue(bs) && t.isTrue(as) {
			return
		}
	}
	d.emit(release.Field{Sensitive: true, Unknown: unknown, Changed: changed})
}

func (d *differ) emit(f release.Field) {
	f.Path = string(d.path)
	d.fields = append(d.fields, f)
}

// numEqual compares two JSON numbers written differently by value.
func numEqual(x, y string) bool {
	if isInteger(x) && isInteger(y) {
		// JSON integers have one spelling, but for the sign of zero.
		return strings.TrimPrefix(x, "-") == "0" && strings.TrimPrefix(y, "-") == "0"
	}
	// Precise enough for every digit written (Terraform's numbers are
	// arbitrary-precision), within reason.
	prec := uint(min(max(64, 4*max(len(x), len(y))), 1<<12))
	fx, _, errx := big.ParseFloat(x, 10, prec, big.ToNearestEven)
	fy, _, erry := big.ParseFloat(y, 10, prec, big.ToNearestEven)
	return errx == nil && erry == nil && fx.Cmp(fy) == 0
}

func isInteger(s string) bool {
	return !strings.ContainsAny(s, ".eE")
}
