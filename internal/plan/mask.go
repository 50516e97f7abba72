package plan

import "strings"

// Terraform marks sensitive values in before_sensitive / after_sensitive,
// and Diff never lets a marked value out. But the same text often appears
// unmarked: terraform_data's output is a copy of its input, providers echo
// inputs into computed attributes, and Terraform does not carry the marks
// over (`terraform plan` itself prints such copies). So shiplog also
// remembers the text of every marked string of 4 bytes or more and masks
// any string field whose before or after value contains it, in every
// change of the plan. With Open, every marked text of the plan is known
// before the first change is returned (a first pass over the whole plan);
// a Reader from NewReader alone knows those of planned_values before the
// first change and those of each change as it comes.

const (
	// minContained is the length from which a secret is also looked for
	// inside longer strings ("postgres://u:SECRET@host"); shorter ones
	// only mask equal values.
	minContained = 4
	// maxSecret and maxSecrets bound what a plan-wide set remembers.
	maxSecret       = 4 << 10
	maxSecrets      = 4096
	maxSecretsBytes = 1 << 20
)

// secrets is a set of sensitive texts.
type secrets struct {
	exact map[string]struct{}
	long  []string // the secrets of minContained bytes or more
	size  int
}

func (s *secrets) add(v string) {
	if v == "" || len(v) > maxSecret {
		return
	}
	if _, ok := s.exact[v]; ok {
		return
	}
	if len(s.exact) >= maxSecrets || s.size+len(v) > maxSecretsBytes {
		return
	}
	if s.exact == nil {
		s.exact = make(map[string]struct{})
	}
	v = strings.Clone(v) // do not keep the whole change's text alive
	s.exact[v] = struct{}{}
	s.size += len(v)
	if len(v) >= minContained {
		s.long = append(s.long, v)
	}
}

// count is how many texts the set holds.
func (s *secrets) count() int { return len(s.exact) }

// covers reports whether v is or contains a secret.
func (s *secrets) covers(v string) bool {
	if len(s.exact) == 0 {
		return false
	}
	if _, ok := s.exact[v]; ok {
		return true
	}
	for _, l := range s.long {
		if len(l) < len(v) && strings.Contains(v, l) {
			return true
		}
	}
	return false
}

// collect remembers the strings and numbers in value r that the
// sensitivity mark m covers.
func (s *secrets) collect(t *tree, r, m ref) {
	switch {
	case t.kind(m) == nNull || t.kind(m) == nFalse:
	case t.isTrue(m):
		s.addAll(t, r)
	case t.kind(r) == nObject:
		for i := range t.len(r) {
			c := t.childAt(r, i)
			s.collect(t, c, t.child(m, t.nodes[c].key))
		}
	case t.kind(r) == nArray:
		for i := range t.len(r) {
			s.collect(t, t.childAt(r, i), t.childAt(m, i))
		}
	}
}

// addAll remembers every string of minContained bytes or more in value r.
// Shorter strings, numbers and booleans are not text to hide elsewhere: a
// sensitive object holding the number 1 must not mask every 1 of the plan
// (they stay hidden where Terraform marks them).
func (s *secrets) addAll(t *tree, r ref) {
	switch t.kind(r) {
	case nString:
		if len(t.nodes[r].text) >= minContained {
			s.add(t.nodes[r].text)
		}
	case nObject, nArray:
		for i := range t.len(r) {
			s.addAll(t, t.childAt(r, i))
		}
	}
}

// leafCovered reports whether leaf r is a string that is or contains a
// secret (numbers and booleans are masked only where marked).
func (s *secrets) leafCovered(t *tree, r ref) bool {
	if t.kind(r) == nString {
		return s.covers(t.nodes[r].text)
	}
	return false
}

// maskedText stands for a secret in a name: a map key, an address's
// for_each key, an index.
const maskedText = "(sensitive value)"

// mask returns s with every secret in it replaced by maskedText, and
// whether it replaced any: s itself when it is a secret, else each
// secret of minContained bytes or more it contains.
func (s *secrets) mask(v string) (string, bool) {
	if len(s.exact) == 0 {
		return v, false
	}
	if _, ok := s.exact[v]; ok {
		return maskedText, true
	}
	found := false
	for _, l := range s.long {
		if len(l) < len(v) && strings.Contains(v, l) {
			v, found = strings.ReplaceAll(v, l, maskedText), true
		}
	}
	return v, found
}
