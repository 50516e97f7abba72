package plan

import "strings"

// This file reads planned_values, which Terraform writes before the
// changes, for one thing only: the values it marks sensitive. Their texts
// join the plan-wide secrets before the first change is returned, so that
// an unmarked copy of a secret is masked whether the resource that marks it
// sorts before or after the copy (mask.go). planned_values is streamed like
// the rest: one resource (or output) at a time is held, within the change
// size limit, and only one whose text holds a `true` (a mark) is decoded.

// collectPlanned reads the value of the top-level member planned_values:
//
//	{"outputs": {NAME: {"sensitive": BOOL, "value": ...}},
//	 "root_module": MODULE}
//
// where MODULE is {"resources": [{"values": ..., "sensitive_values": ...}],
// "child_modules": [MODULE...]}. Members it does not know are skipped.
func (r *Reader) collectPlanned() error {
	return r.members(1, func(key string, depth int) error {
		switch key {
		case "root_module":
			return r.collectModule(depth)
		case "outputs":
			return r.members(depth, func(_ string, depth int) error {
				return r.collectMarked(depth, "sensitive", "value", "an output of planned_values")
			})
		}
		return r.s.skipValue(depth)
	})
}

// collectModule reads a module of planned_values (container depth depth).
func (r *Reader) collectModule(depth int) error {
	return r.members(depth, func(key string, depth int) error {
		switch key {
		case "resources":
			return r.elements(depth, func(depth int) error {
				return r.collectMarked(depth, "sensitive_values", "values", "a resource of planned_values")
			})
		case "child_modules":
			return r.elements(depth, func(depth int) error { return r.collectModule(depth) })
		}
		return r.s.skipValue(depth)
	})
}

// collectMarked reads one object holding a value (member valueKey) and its
// sensitivity marks (member markKey: true, or the value's shape with true
// where a part is sensitive), and remembers the marked texts.
func (r *Reader) collectMarked(depth int, markKey, valueKey, what string) error {
	src, start, err := r.s.captureValue(depth, r.cfg.maxChangeSize, what)
	if err != nil {
		return err
	}
	if !strings.Contains(src, "true") {
		return nil // no mark, nothing to remember
	}
	r.tree.reset()
	r.p.reset(src, start)
	root, err := r.p.node(&r.tree)
	if err != nil {
		return err
	}
	r.secrets.collect(&r.tree, r.tree.child(root, valueKey), r.tree.child(root, markKey))
	r.tree.reset()
	return nil
}

// members calls fn for each member of the object (or null) at the current
// position, whose container is at depth depth; fn must consume the member's
// value, which is at depth depth+1. Any other value is skipped (validated).
func (r *Reader) members(depth int, fn func(key string, depth int) error) error {
	s := r.s
	c, err := s.next("for a value")
	if err != nil {
		return err
	}
	if c == 'n' {
		return s.skipLiteral("null")
	}
	if c != '{' {
		return s.skipValue(depth) // not what Terraform writes: nothing to collect
	}
	if depth+1 > s.maxDepth {
		return s.errAt(ErrTooDeep, s.offset(), "the input is nested deeper than %d levels", s.maxDepth)
	}
	s.pos++
	for first := true; ; first = false {
		c, err := s.next("in an object")
		if err != nil {
			return err
		}
		if c == '}' {
			s.pos++
			return nil
		}
		if !first {
			if c != ',' {
				return s.syntaxErr("unexpected %s after a value in an object", describeByte(c))
			}
			s.pos++
			if c, err = s.next("in an object"); err != nil {
				return err
			}
		}
		if c != '"' {
			return s.syntaxErr("unexpected %s looking for an object key", describeByte(c))
		}
		key, ok, err := s.readString(maxKey, true, "")
		if err != nil {
			return err
		}
		if err := s.expect(':', "after an object key"); err != nil {
			return err
		}
		if !ok {
			key = "" // too long to be one we know
		}
		if err := fn(key, depth+1); err != nil {
			return err
		}
	}
}

// elements calls fn for each element of the array (or null) at the
// current position, whose container is at depth depth; fn must consume the
// element, which is at depth depth+1.
func (r *Reader) elements(depth int, fn func(depth int) error) error {
	s := r.s
	c, err := s.next("for a value")
	if err != nil {
		return err
	}
	if c == 'n' {
		return s.skipLiteral("null")
	}
	if c != '[' {
		return s.skipValue(depth) // not what Terraform writes: nothing to collect
	}
	if depth+1 > s.maxDepth {
		return s.errAt(ErrTooDeep, s.offset(), "the input is nested deeper than %d levels", s.maxDepth)
	}
	s.pos++
	for first := true; ; first = false {
		c, err := s.next("in an array")
		if err != nil {
			return err
		}
		if c == ']' {
			s.pos++
			return nil
		}
		if !first {
			if c != ',' {
				return s.syntaxErr("unexpected %s after an array element", describeByte(c))
			}
			s.pos++
		}
		if err := fn(depth + 1); err != nil {
			return err
		}
	}
}
