package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// tree holds decoded JSON values as a flat arena of nodes, for diffing.
// Decoding a change into it allocates nothing once the arena has grown:
// strings are substrings of the change's text, children are contiguous
// runs of nodes, and object members are sorted by key so that two objects
// can be compared by merging. It is reused from one change to the next.
type tree struct {
	nodes []node
	stack []node // scratch: children of the containers being built
}

type nodeKind uint8

const (
	nNull nodeKind = iota
	nFalse
	nTrue
	nNumber
	nString
	nObject
	nArray
)

type node struct {
	key   string // the key, for a member of an object
	text  string // a string's value, a number's text
	first int32  // an object's or array's children: nodes[first : first+n]
	n     int32
	kind  nodeKind
}

// ref is a node's index in a tree; the negative values are special.
type ref = int32

const (
	absent  ref = -1 // no value: behaves as null
	allTrue ref = -2 // true, standing for a mark below a true mark
)

func (t *tree) reset() {
	clear(t.nodes) // do not keep the last change's text alive
	t.nodes = t.nodes[:0]
}

// add appends a root node and returns its ref (absent for null).
func (t *tree) add(n node) ref {
	if n.kind == nNull {
		return absent
	}
	t.nodes = append(t.nodes, n)
	return ref(len(t.nodes) - 1)
}

// close turns the children pushed on the stack since mark into a
// container node. Object members are sorted by key; of repeated keys the
// last one wins, as in encoding/json.
func (t *tree) close(mark int, kind nodeKind) node {
	kids := t.stack[mark:]
	if kind == nObject && !slices.IsSortedFunc(kids, byKey) {
		slices.SortStableFunc(kids, byKey)
	}
	if kind == nObject {
		// Drop all but the last of each run of equal keys.
		w := 0
		for i := range kids {
			if i+1 < len(kids) && kids[i+1].key == kids[i].key {
				continue
			}
			kids[w] = kids[i]
			w++
		}
		kids = kids[:w]
	}
	first := len(t.nodes)
	t.nodes = append(t.nodes, kids...)
	clear(t.stack[mark:])
	t.stack = t.stack[:mark]
	return node{kind: kind, first: int32(first), n: int32(len(kids))}
}

func byKey(a, b node) int { return cmp.Compare(a.key, b.key) }

// nodeOf converts a value of the shapes encoding/json produces into a
// node, appending its descendants to the tree.
func (t *tree) nodeOf(v any) node {
	switch v := v.(type) {
	case nil:
		return node{kind: nNull}
	case bool:
		if v {
			return node{kind: nTrue}
		}
		return node{kind: nFalse}
	case string:
		return node{kind: nString, text: v}
	case json.Number:
		return node{kind: nNumber, text: string(v)}
	case float64:
		return node{kind: nNumber, text: strconv.FormatFloat(v, 'g', -1, 64)}
	case int:
		return node{kind: nNumber, text: strconv.Itoa(v)}
	case int64:
		return node{kind: nNumber, text: strconv.FormatInt(v, 10)}
	case map[string]any:
		mark := len(t.stack)
		for k, e := range v {
			n := t.nodeOf(e)
			n.key = k
			t.stack = append(t.stack, n)
		}
		return t.close(mark, nObject)
	case []any:
		mark := len(t.stack)
		for _, e := range v {
			t.stack = append(t.stack, t.nodeOf(e))
		}
		return t.close(mark, nArray)
	}
	return node{kind: nString, text: fmt.Sprint(v)}
}

// kind is r's kind; absent is null.
func (t *tree) kind(r ref) nodeKind {
	switch {
	case r >= 0:
		return t.nodes[r].kind
	case r == allTrue:
		return nTrue
	}
	return nNull
}

// len is the number of r's children.
func (t *tree) len(r ref) int {
	if r < 0 {
		return 0
	}
	return int(t.nodes[r].n)
}

// childAt is the ref of r's i-th child, or absent.
func (t *tree) childAt(r ref, i int) ref {
	if r == allTrue {
		return allTrue
	}
	if r < 0 || i >= int(t.nodes[r].n) {
		return absent
	}
	return t.nodes[r].first + int32(i)
}

// child is the ref of object r's member k, or absent.
func (t *tree) child(r ref, k string) ref {
	if r == allTrue {
		return allTrue
	}
	if r < 0 || t.nodes[r].kind != nObject {
		return absent
	}
	n := t.nodes[r]
	kids := t.nodes[n.first : n.first+n.n]
	i := sort.Search(len(kids), func(i int) bool { return kids[i].key >= k })
	if i < len(kids) && kids[i].key == k {
		return n.first + int32(i)
	}
	return absent
}

// isTrue reports whether a mark covers the whole value.
func (t *tree) isTrue(r ref) bool { return t.kind(r) == nTrue }

// anyTrue reports whether a mark covers the value or any part of it.
func (t *tree) anyTrue(r ref) bool {
	switch t.kind(r) {
	case nTrue:
		return true
	case nObject, nArray:
		for i := range t.len(r) {
			if t.anyTrue(t.childAt(r, i)) {
				return true
			}
		}
	}
	return false
}

// equal reports whether x and y are the same value; numbers compare by
// value (1 equals 1.0).
func (t *tree) equal(x, y ref) bool {
	kx, ky := t.kind(x), t.kind(y)
	if kx != ky {
		return false
	}
	switch kx {
	case nString:
		return t.nodes[x].text == t.nodes[y].text
	case nNumber:
		return t.nodes[x].text == t.nodes[y].text || numEqual(t.nodes[x].text, t.nodes[y].text)
	case nObject, nArray:
		if t.len(x) != t.len(y) {
			return false
		}
		for i := range t.len(x) {
			cx, cy := t.childAt(x, i), t.childAt(y, i)
			if kx == nObject && t.nodes[cx].key != t.nodes[cy].key || !t.equal(cx, cy) {
				return false
			}
		}
	}
	return true
}

// leaf returns a copy of a leaf value (a scalar, null or an empty
// container) that shares no memory with the change's text.
func (t *tree) leaf(r ref) any {
	switch t.kind(r) {
	case nFalse:
		return false
	case nTrue:
		return true
	case nNumber:
		return json.Number(strings.Clone(t.nodes[r].text))
	case nString:
		return strings.Clone(t.nodes[r].text)
	case nObject:
		return map[string]any{}
	case nArray:
		return []any{}
	}
	return nil
}

// node decodes the value at p.i into t and returns its ref.
func (p *parser) node(t *tree) (ref, error) {
	n, err := p.nodeValue(t)
	if err != nil {
		return absent, err
	}
	return t.add(n), nil
}

func (p *parser) nodeValue(t *tree) (node, error) {
	switch c := p.peek(); c {
	case '{':
		p.i++
		mark := len(t.stack)
		for first := true; ; first = false {
			k, ok, err := p.member(first)
			if err != nil {
				return node{}, err
			}
			if !ok {
				break
			}
			n, err := p.nodeValue(t)
			if err != nil {
				return node{}, err
			}
			n.key = k
			t.stack = append(t.stack, n)
		}
		return t.close(mark, nObject), nil
	case '[':
		p.i++
		mark := len(t.stack)
		for first := true; ; first = false {
			c := p.peek()
			if c == ']' {
				p.i++
				break
			}
			if !first {
				if c != ',' {
					return node{}, p.internal()
				}
				p.i++
			}
			n, err := p.nodeValue(t)
			if err != nil {
				return node{}, err
			}
			t.stack = append(t.stack, n)
		}
		return t.close(mark, nArray), nil
	case '"':
		s, err := p.str()
		return node{kind: nString, text: s}, err
	case 't':
		return node{kind: nTrue}, p.literal("true")
	case 'f':
		return node{kind: nFalse}, p.literal("false")
	case 'n':
		return node{kind: nNull}, p.literal("null")
	case 0:
		return node{}, p.internal()
	default:
		j := p.i
		for p.i < len(p.src) && numByte(p.src[p.i]) {
			p.i++
		}
		if j == p.i {
			return node{}, p.internal()
		}
		return node{kind: nNumber, text: p.src[j:p.i]}, nil
	}
}
