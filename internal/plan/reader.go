package plan

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Default limits; see the Option functions.
const (
	DefaultMaxDepth      = 512
	DefaultMaxChangeSize = 64 << 20
	maxHeaderString      = 256  // format_version and the like
	maxKey               = 4096 // top-level keys and output names
)

// Header is what the plan says about itself.
type Header struct {
	FormatVersion    string `json:"format_version"`
	TerraformVersion string `json:"terraform_version"`
	Timestamp        string `json:"timestamp,omitempty"`
	// Errored is true for a plan Terraform could not complete.
	Errored bool `json:"errored,omitempty"`
}

// Option configures a Reader.
type Option func(*config)

type config struct {
	maxDepth      int
	maxChangeSize int
	maxInput      int64
	secrets       []string
}

// WithMaxDepth caps JSON nesting (the top-level object is depth 1);
// deeper input is rejected with ErrTooDeep. Default DefaultMaxDepth.
func WithMaxDepth(n int) Option { return func(c *config) { c.maxDepth = n } }

// WithMaxChangeSize caps the size in bytes of a single element of
// resource_changes, resource_drift or output_changes, which is the most
// the Reader holds in memory at once; larger elements are rejected with
// ErrTooLarge. Default DefaultMaxChangeSize (64 MiB).
func WithMaxChangeSize(n int) Option { return func(c *config) { c.maxChangeSize = n } }

// WithSecrets gives texts known to be sensitive before the plan says so:
// the values of variables the caller marked sensitive, which the
// configuration may not declare sensitive. Fields holding them are masked
// like any value Terraform marks.
func WithSecrets(values []string) Option {
	return func(c *config) { c.secrets = append(c.secrets, values...) }
}

// WithMaxInputSize caps the whole input's size in bytes (ErrTooLarge).
// Default 0: no limit, since memory does not depend on it.
func WithMaxInputSize(n int64) Option { return func(c *config) { c.maxInput = n } }

// Entry is one change as Terraform wrote it, decoded into the
// terraform-json types.
type Entry struct {
	Kind release.ChangeKind
	// Resource is set for KindResource (an element of resource_changes)
	// and KindDrift (an element of resource_drift).
	Resource *tfjson.ResourceChange
	// OutputName and Output are set for KindOutput (an output_changes
	// entry).
	OutputName string
	Output     *tfjson.Change
	// Offset is the byte offset of the element in the input.
	Offset int64
}

// Change converts the entry into shiplog's model.
func (e Entry) Change() (release.Change, error) {
	if e.Kind == release.KindOutput {
		return FromOutputChange(e.OutputName, e.Output)
	}
	return FromResourceChange(e.Resource, e.Kind)
}

type readerState uint8

const (
	stStart  readerState = iota // before the top-level object
	stTop                       // in the top-level object, between members
	stArray                     // in resource_changes or resource_drift
	stOutput                    // in output_changes
	stDone                      // after the top-level object
)

// A Reader streams the changes of a plan (the output of
// `terraform show -json PLANFILE`) one at a time. It holds at most one
// change in memory; everything else is skipped while being validated.
//
// Validation is lazy but complete: Next returns an error as soon as the
// input proves invalid, and io.EOF only once the whole input has been read
// and checked. The header (format_version) is checked as soon as it is
// read; Terraform writes it first, so a plan in an unsupported format
// fails before its first change. When format_version comes later (or is
// missing), changes already returned are provisional: the error comes
// instead of io.EOF, and a consumer storing changes must not commit before
// it has seen io.EOF.
type Reader struct {
	s    *scanner
	p    parser
	tree tree // the values of the change Next is converting
	// secrets are the sensitive texts seen so far, masked wherever
	// they show up unmarked later in the plan.
	secrets secrets
	isolate bool // tests: mask with each change's own secrets only
	cfg     config

	st    readerState
	first bool // no member/element read yet in the current container
	kind  release.ChangeKind
	index int // element index in the current array

	hdr    Header
	seen   map[string]bool // top-level keys read
	isPlan bool            // a key only plans have was seen
	err    error
}

// NewReader returns a Reader of the plan JSON in r. It buffers r itself.
func NewReader(r io.Reader, opts ...Option) *Reader {
	cfg := config{maxDepth: DefaultMaxDepth, maxChangeSize: DefaultMaxChangeSize}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.maxDepth = max(cfg.maxDepth, 3) // object, array, element
	cfg.maxChangeSize = max(cfg.maxChangeSize, 1)
	rd := &Reader{
		s:    newScanner(r, cfg.maxDepth, cfg.maxInput),
		cfg:  cfg,
		seen: make(map[string]bool),
	}
	for _, v := range cfg.secrets {
		rd.secrets.add(v)
	}
	return rd
}

// Header returns the plan's header as read so far; it is complete once
// Next has returned io.EOF.
func (r *Reader) Header() Header { return r.hdr }

// Offset returns how many input bytes have been consumed.
func (r *Reader) Offset() int64 { return r.s.offset() }

// Next returns the next change: elements of resource_drift (KindDrift),
// resource_changes (KindResource) and output_changes (KindOutput), in the
// order the plan has them (Terraform writes drift, then resources, then
// outputs). It returns io.EOF after the last one once the whole input has
// been validated, and a non-nil error (an *Error for bad input) otherwise;
// errors are sticky.
func (r *Reader) Next() (release.Change, error) {
	e, err := r.next(true)
	if err != nil {
		return release.Change{}, err
	}
	var c release.Change
	if e.Kind == release.KindOutput {
		c, err = fromOutput(e.OutputName, e.Output, r.treeFields)
	} else {
		c, err = fromResource(e.Resource, e.Kind, r.treeFields)
	}
	if err != nil {
		return release.Change{}, r.fail(&Error{Kind: ErrNotPlan, Offset: e.Offset, Msg: err.Error()})
	}
	return c, nil
}

func (r *Reader) fail(err error) error {
	if r.err == nil {
		r.err = err
	}
	return r.err
}

// treeFields diffs the change last decoded for Next, which is in r.tree.
func (r *Reader) treeFields(_ *tfjson.Change, fields []release.Field) []release.Field {
	sec := &r.secrets
	if r.isolate {
		sec = nil
	}
	return diffTree(&r.tree, r.p.refs, sec, fields)
}

// NextEntry is Next without the conversion: it returns the change as
// decoded into the terraform-json types, values as encoding/json decodes
// them with UseNumber. (Next decodes the values it diffs into a faster
// form instead.) Entry.Change masks sensitive text within the entry only,
// where Next also masks text seen sensitive in earlier changes.
func (r *Reader) NextEntry() (Entry, error) { return r.next(false) }

// next reads the next entry; forDiff decodes its values into r.tree for
// Next rather than into the entry.
func (r *Reader) next(forDiff bool) (Entry, error) {
	r.p.tree = nil
	if forDiff {
		r.tree.reset()
		r.p.tree = &r.tree
	}
	for r.err == nil {
		var (
			e   Entry
			ok  bool
			err error
		)
		switch r.st {
		case stStart:
			err = r.start()
		case stTop:
			err = r.member()
		case stArray:
			e, ok, err = r.element()
		case stOutput:
			e, ok, err = r.output()
		case stDone:
			return Entry{}, io.EOF
		}
		if err != nil {
			r.fail(err)
			break
		}
		if ok {
			return e, nil
		}
	}
	return Entry{}, r.err
}

func (r *Reader) start() error {
	s := r.s
	s.skipSpace()
	c, ok := s.peek()
	if !ok {
		if s.err != nil {
			return s.err
		}
		return s.errAt(ErrNotPlan, 0, "empty input")
	}
	switch {
	case c == 0xEF && s.pos == 0 && s.base == 0:
		// A UTF-8 byte order mark, which some editors write: skip it.
		s.pos++
		for _, want := range []byte{0xBB, 0xBF} {
			if c, ok := s.peek(); !ok || c != want {
				return s.syntaxErr("invalid byte order mark")
			}
			s.pos++
		}
		return nil
	case c == 0xFF || c == 0xFE:
		return s.errAt(ErrNotPlan, s.offset(), "the input starts with a UTF-16 byte order mark; convert it to UTF-8 (PowerShell's '>' writes UTF-16)")
	case c != '{':
		if isValueStart(c) {
			return s.errAt(ErrNotPlan, s.offset(), "the input is a JSON %s, not an object", strings.TrimPrefix(strings.TrimPrefix(kindAt(c), "an "), "a "))
		}
		return s.syntaxErr("unexpected %s at the start of the input", describeByte(c))
	}
	s.pos++
	r.st, r.first = stTop, true
	return nil
}

// member reads the next member of the top-level object, handling the
// header and entering the change sections; other members are skipped.
func (r *Reader) member() error {
	s := r.s
	c, err := s.next("in the top-level object")
	if err != nil {
		return err
	}
	if c == '}' {
		s.pos++
		return r.finish()
	}
	if !r.first {
		if c != ',' {
			return s.syntaxErr("unexpected %s after a value in the top-level object", describeByte(c))
		}
		s.pos++
		if c, err = s.next("in the top-level object"); err != nil {
			return err
		}
	}
	r.first = false
	if c != '"' {
		return s.syntaxErr("unexpected %s looking for an object key", describeByte(c))
	}
	keyOff := s.offset()
	key, ok, err := s.readString(maxKey, true, "")
	if err != nil {
		return err
	}
	if err := s.expect(':', "after an object key"); err != nil {
		return err
	}
	if !ok {
		return s.skipValue(1) // a key too long to be one we know
	}
	switch key {
	case "format_version", "terraform_version", "timestamp", "errored",
		"resource_changes", "resource_drift", "output_changes":
		if r.seen[key] {
			return s.errAt(ErrNotPlan, keyOff, "the top-level key %q appears twice", key)
		}
		r.seen[key] = true
	}
	switch key {
	case "format_version":
		s.skipSpace()
		off := s.offset()
		v, err := r.headerString(key)
		if err != nil {
			return err
		}
		r.hdr.FormatVersion = v
		return checkFormatVersion(v, s, off)
	case "terraform_version":
		v, err := r.headerString(key)
		r.hdr.TerraformVersion = v
		return err
	case "timestamp":
		v, err := r.headerString(key)
		r.hdr.Timestamp = v
		return err
	case "errored":
		c, err := s.next("for a value")
		if err != nil {
			return err
		}
		switch c {
		case 't':
			r.hdr.Errored = true
			return s.skipLiteral("true")
		case 'f':
			return s.skipLiteral("false")
		case 'n':
			return s.skipLiteral("null")
		}
		if !isValueStart(c) {
			return s.syntaxErr("unexpected %s looking for a value", describeByte(c))
		}
		return s.errAt(ErrNotPlan, s.offset(), "errored is %s, want a boolean", kindAt(c))
	case "resource_changes", "resource_drift":
		r.isPlan = true
		kind := release.KindResource
		if key == "resource_drift" {
			kind = release.KindDrift
		}
		return r.enter(key, '[', stArray, kind)
	case "output_changes":
		r.isPlan = true
		return r.enter(key, '{', stOutput, release.KindOutput)
	case "planned_values", "prior_state":
		r.isPlan = true
	case "values":
		return s.errAt(ErrNotPlan, keyOff, "the input has a top-level \"values\" key: it is Terraform state JSON ('terraform show -json' without a plan file), not a plan")
	case "lineage", "serial":
		return s.errAt(ErrNotPlan, keyOff, "the input has a top-level %q key: it is a raw Terraform state file, not a plan", key)
	}
	return s.skipValue(1)
}

// headerString reads a short top-level string value.
func (r *Reader) headerString(key string) (string, error) {
	s := r.s
	c, err := s.next("for a value")
	if err != nil {
		return "", err
	}
	if c != '"' {
		if !isValueStart(c) {
			return "", s.syntaxErr("unexpected %s looking for a value", describeByte(c))
		}
		return "", s.errAt(ErrNotPlan, s.offset(), "%s is %s, want a string", key, kindAt(c))
	}
	off := s.offset()
	v, ok, err := s.readString(maxHeaderString, true, "")
	if err != nil {
		return "", err
	}
	if !ok {
		return "", s.errAt(ErrNotPlan, off, "%s is longer than %d bytes", key, maxHeaderString)
	}
	return v, nil
}

// checkFormatVersion accepts plan format versions 0.1 up to 1.x.
func checkFormatVersion(v string, s *scanner, off int64) error {
	major, rest, hasMinor := strings.Cut(v, ".")
	minor, _, _ := strings.Cut(rest, ".")
	if !hasMinor {
		minor = "0"
	}
	ma, err1 := strconv.ParseUint(major, 10, 32)
	mi, err2 := strconv.ParseUint(minor, 10, 32)
	if err1 != nil || err2 != nil {
		return s.errAt(ErrNotPlan, off, "format_version %s is not a version number", quoteShort(v))
	}
	if ma == 0 && mi == 0 || ma > 1 {
		return s.errAt(ErrUnsupportedVersion, off, "format_version %s: shiplog reads plan format versions 0.1 to 1.x", quoteShort(v))
	}
	return nil
}

// enter starts reading a change section (null reads as empty).
func (r *Reader) enter(key string, open byte, st readerState, kind release.ChangeKind) error {
	s := r.s
	c, err := s.next("for a value")
	if err != nil {
		return err
	}
	if c == 'n' {
		return s.skipLiteral("null")
	}
	if c != open {
		if !isValueStart(c) {
			return s.syntaxErr("unexpected %s looking for a value", describeByte(c))
		}
		want := "an array"
		if open == '{' {
			want = "an object"
		}
		return s.errAt(ErrNotPlan, s.offset(), "%s is %s, want %s", key, kindAt(c), want)
	}
	s.pos++
	r.st, r.first, r.kind, r.index = st, true, kind, 0
	r.p.section, r.p.outName = key, ""
	return nil
}

// element reads the next element of resource_changes or resource_drift;
// ok is false at the end of the array.
func (r *Reader) element() (e Entry, ok bool, err error) {
	s := r.s
	c, err := s.next("in an array")
	if err != nil {
		return e, false, err
	}
	if c == ']' {
		s.pos++
		r.st, r.first = stTop, false
		return e, false, nil
	}
	if !r.first {
		if c != ',' {
			return e, false, s.syntaxErr("unexpected %s after an array element", describeByte(c))
		}
		s.pos++
		if c, err = s.next("in an array"); err != nil {
			return e, false, err
		}
	}
	r.first = false
	if c != '{' {
		if !isValueStart(c) {
			return e, false, s.syntaxErr("unexpected %s looking for a value", describeByte(c))
		}
		return e, false, s.errAt(ErrNotPlan, s.offset(), "%s[%d] is %s, want an object", r.p.section, r.index, kindAt(c))
	}
	what := fmt.Sprintf("%s[%d]", r.p.section, r.index)
	src, start, err := s.captureValue(2, r.cfg.maxChangeSize, what)
	if err != nil {
		return e, false, err
	}
	r.p.reset(src, start)
	r.p.index = r.index
	r.index++
	rc, err := r.p.resourceChange()
	if err != nil {
		return e, false, err
	}
	return Entry{Kind: r.kind, Resource: rc, Offset: start}, true, nil
}

// output reads the next member of output_changes; ok is false at the end.
func (r *Reader) output() (e Entry, ok bool, err error) {
	s := r.s
	c, err := s.next("in output_changes")
	if err != nil {
		return e, false, err
	}
	if c == '}' {
		s.pos++
		r.st, r.first = stTop, false
		return e, false, nil
	}
	if !r.first {
		if c != ',' {
			return e, false, s.syntaxErr("unexpected %s after a value in output_changes", describeByte(c))
		}
		s.pos++
		if c, err = s.next("in output_changes"); err != nil {
			return e, false, err
		}
	}
	r.first = false
	if c != '"' {
		return e, false, s.syntaxErr("unexpected %s looking for an object key", describeByte(c))
	}
	name, _, err := s.readString(maxKey, false, "an output name")
	if err != nil {
		return e, false, err
	}
	if err := s.expect(':', "after an object key"); err != nil {
		return e, false, err
	}
	if c, err = s.next("for a value"); err != nil {
		return e, false, err
	}
	if c != '{' {
		if !isValueStart(c) {
			return e, false, s.syntaxErr("unexpected %s looking for a value", describeByte(c))
		}
		return e, false, s.errAt(ErrNotPlan, s.offset(), "output_changes[%s] is %s, want an object", quoteShort(name), kindAt(c))
	}
	src, start, err := s.captureValue(2, r.cfg.maxChangeSize, fmt.Sprintf("output_changes[%s]", quoteShort(name)))
	if err != nil {
		return e, false, err
	}
	r.p.reset(src, start)
	r.p.outName = name
	ch, err := r.p.change("")
	if err != nil {
		return e, false, err
	}
	return Entry{Kind: release.KindOutput, OutputName: name, Output: ch, Offset: start}, true, nil
}

// isValueStart reports whether c can start a JSON value.
func isValueStart(c byte) bool {
	switch c {
	case '{', '[', '"', '-', 't', 'f', 'n':
		return true
	}
	return isDigit(c)
}

// finish checks what can only be checked at the end of the plan object.
func (r *Reader) finish() error {
	s := r.s
	r.st = stDone
	end := s.offset()
	if ok, err := s.atEnd(); err != nil {
		return err
	} else if !ok {
		return s.syntaxErr("unexpected data after the end of the plan object")
	}
	if r.hdr.FormatVersion == "" {
		return s.errAt(ErrNotPlan, end, "the top-level object has no format_version: it is not 'terraform show -json' output")
	}
	if !r.isPlan {
		return s.errAt(ErrNotPlan, end, "the top-level object has neither planned_values nor resource_changes: it is not a plan (an empty state?)")
	}
	return nil
}
