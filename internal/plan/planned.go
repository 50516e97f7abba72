package plan

// This file reads the parts of a plan that mark values sensitive for one
// thing only: the marked texts, which join the plan-wide secrets before the
// first change is returned, so that an unmarked copy of a secret is masked
// whether the value that marks it comes before or after the copy
// (mask.go). Every Reader reads planned_values, which Terraform writes
// before the changes, this way; Open's first pass also reads prior_state
// and the marks of every change (a delete's before_sensitive is the only
// mark of its value). Everything is streamed: one resource, change or
// output at a time is held, within the change size limit, and only one
// whose marks hold a `true` is decoded.

// collectPlanned reads the value of the top-level member planned_values:
//
//	{"outputs": {NAME: {"sensitive": BOOL, "value": ...}},
//	 "root_module": MODULE}
//
// where MODULE is {"resources": [{"values": ..., "sensitive_values": ...}],
// "child_modules": [MODULE...]}. Members it does not know are skipped.
//
// prior_state's "values" member has the same shape. depth is the depth of
// the container holding the value.
func (r *Reader) collectPlanned(depth int) error {
	return r.members(depth, func(key string, depth int) error {
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
	src, start, err := r.s.viewValue(depth, r.cfg.maxChangeSize, what)
	if err != nil {
		return err
	}
	// Without a true in its mark there is nothing to decode.
	if m, ok := lastMember(src, markKey); ok {
		if !holdsTrue(m) {
			return nil
		}
	} else {
		r.p.reset(src, start)
		if marked, err := r.p.marksTrue("", markKey); err != nil || !marked {
			return err
		}
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

// collectChange reads one element of resource_changes or resource_drift
// (resource: its "change" member holds the change) or one value of
// output_changes (the change itself), and remembers the texts its
// before_sensitive and after_sensitive marks cover.
func (r *Reader) collectChange(depth int, what string, resource bool) error {
	src, start, err := r.s.viewValue(depth, r.cfg.maxChangeSize, what)
	if err != nil {
		return err
	}
	// Without a true in its marks there is nothing to decode.
	in := ""
	if resource {
		in = "change"
	}
	r.p.reset(src, start)
	if marked, err := r.p.marksTrue(in, "before_sensitive", "after_sensitive"); err != nil || !marked {
		return err
	}
	r.tree.reset()
	r.p.reset(src, start)
	root, err := r.p.node(&r.tree)
	if err != nil {
		return err
	}
	ch := root
	if resource {
		ch = r.tree.child(root, "change")
	}
	for _, side := range []string{"before", "after"} {
		r.secrets.collect(&r.tree, r.tree.child(ch, side), r.tree.child(ch, side+"_sensitive"))
	}
	r.tree.reset()
	return nil
}

// collectOutputs reads output_changes for its marks, its names read as
// strictly as Reader.output reads them.
func (r *Reader) collectOutputs() error {
	s := r.s
	if open, err := s.enterContainer(1, '{'); err != nil || !open {
		return err
	}
	for first := true; ; first = false {
		c, done, err := s.item(first, '}', "in output_changes", "a value in output_changes")
		if err != nil || done {
			return err
		}
		if c != '"' {
			return s.syntaxErr("unexpected %s looking for an object key", describeByte(c))
		}
		name, _, err := s.readString(maxKey, false, "an output name")
		if err != nil {
			return err
		}
		if err := s.expect(':', "after an object key"); err != nil {
			return err
		}
		if err := r.collectChange(2, "output_changes["+quoteShort(name)+"]", false); err != nil {
			return err
		}
	}
}

// item moves to the next item of an object or array (end is '}' or ']')
// whose opening has been consumed: done (the end consumed) at its end,
// else the item's first byte c, past the comma that must separate it from
// the one before. where and after name the place for syntax errors.
func (s *scanner) item(first bool, end byte, where, after string) (c byte, done bool, err error) {
	if c, err = s.next(where); err != nil {
		return 0, false, err
	}
	if c == end {
		s.pos++
		return c, true, nil
	}
	if !first {
		if c != ',' {
			return 0, false, s.syntaxErr("unexpected %s after %s", describeByte(c), after)
		}
		s.pos++
		if c, err = s.next(where); err != nil {
			return 0, false, err
		}
	}
	return c, false, nil
}

// enterContainer consumes the opening of the object or array (open is '{'
// or '[') at the current position, in a container at depth depth: open is
// false when the value is null or of another kind, which is skipped
// (validated) instead: it is not what Terraform writes, and holds nothing
// to collect.
func (s *scanner) enterContainer(depth int, start byte) (open bool, err error) {
	c, err := s.next("for a value")
	if err != nil {
		return false, err
	}
	if c != start {
		return false, s.skipValue(depth)
	}
	if depth+1 > s.maxDepth {
		return false, s.errAt(ErrTooDeep, s.offset(), "the input is nested deeper than %d levels", s.maxDepth)
	}
	s.pos++
	return true, nil
}

// key reads an object key whose first byte c is at the current position,
// and the colon after it. ok is false for a key longer than maxKey (no
// key shiplog knows); off is where the key starts.
func (s *scanner) key(c byte) (key string, ok bool, off int64, err error) {
	if c != '"' {
		return "", false, 0, s.syntaxErr("unexpected %s looking for an object key", describeByte(c))
	}
	off = s.offset()
	if key, ok, err = s.readString(maxKey, true, ""); err != nil {
		return "", false, off, err
	}
	return key, ok, off, s.expect(':', "after an object key")
}

// members calls fn for each member of the object (or null) at the current
// position, whose container is at depth depth; fn must consume the member's
// value, which is at depth depth+1. Any other value is skipped (validated).
func (r *Reader) members(depth int, fn func(key string, depth int) error) error {
	s := r.s
	if open, err := s.enterContainer(depth, '{'); err != nil || !open {
		return err
	}
	for first := true; ; first = false {
		c, done, err := s.item(first, '}', "in an object", "a value in an object")
		if err != nil || done {
			return err
		}
		key, ok, _, err := s.key(c)
		if err != nil {
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
	if open, err := s.enterContainer(depth, '['); err != nil || !open {
		return err
	}
	for first := true; ; first = false {
		if _, done, err := s.item(first, ']', "in an array", "an array element"); err != nil || done {
			return err
		}
		if err := fn(depth + 1); err != nil {
			return err
		}
	}
}
