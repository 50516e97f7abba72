package plan

import (
	"io"
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
	// Complete and Applyable are what the plan says (Terraform 1.8+), nil
	// when it does not say.
	Complete  *bool `json:"complete,omitempty"`
	Applyable *bool `json:"applyable,omitempty"`
	// FailedChecks are the checkable objects (check blocks, resource
	// conditions, output conditions) the plan's "checks" member gives the
	// status fail or error, with their problems: news even in an
	// applyable plan. Nil when none failed.
	FailedChecks []FailedCheck `json:"failed_checks,omitempty"`
	// Deferred are the resource changes Terraform (1.10+, with deferred
	// actions) left for a later plan: they are not in this apply. Nil
	// when none.
	Deferred []DeferredChange `json:"deferred_changes,omitempty"`
	// Actions are the plan's action_invocations (Terraform 1.14): the
	// actions the apply invokes, each a change. Nil when none.
	Actions []ActionInvocation `json:"action_invocations,omitempty"`
}

// Notes are the header's failed checks, deferred changes and action
// invocations, as a release keeps them.
func (h Header) Notes() release.PlanNotes {
	return release.PlanNotes{FailedChecks: h.FailedChecks, DeferredChanges: h.Deferred, ActionInvocations: h.Actions}
}

// DeferredChange, FailedCheck and ActionInvocation are the domain's
// (internal/release), which stores them with a release.
type (
	DeferredChange   = release.DeferredChange
	FailedCheck      = release.FailedCheck
	ActionInvocation = release.ActionInvocation
)

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
	// collectOnly makes the Reader a first pass (Open): it reads the
	// whole plan for its marked texts and returns no change.
	collectOnly bool
	// prescanned: secrets already hold every marked text of the plan.
	prescanned bool
	// again, set by OpenOnce, reads the plan anew for a second pass once
	// the single pass found a mark too late (Next); known is how many
	// secrets there were when the first change was returned (gave).
	again func() (io.Reader, error)
	gave  bool
	known int
	cfg   config

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
// It reads r once, so a value marked only after an unmarked copy of it (a
// deleted resource's before_sensitive) does not mask that copy: callers
// that show changes use Open, callers that store them OpenOnce.
func NewReader(r io.Reader, opts ...Option) *Reader {
	cfg := config{maxDepth: DefaultMaxDepth, maxChangeSize: DefaultMaxChangeSize}
	for _, o := range opts {
		o(&cfg)
	}
	return newReader(r, cfg)
}

func newReader(r io.Reader, cfg config) *Reader {
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

// Notes returns the plan's failed checks, deferred changes and action
// invocations; complete once Next has returned io.EOF. The store asks a
// change source for them (store.NotesSource).
func (r *Reader) Notes() release.PlanNotes { return r.hdr.Notes() }

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
	if err == io.EOF && r.again != nil && r.gave && r.secrets.count() > r.known {
		return release.Change{}, r.reread()
	}
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
	if !r.isolate {
		r.maskNames(&c)
	}
	r.masking()
	return c, nil
}

// masking notes that the Reader masks something with the secrets it knows
// now (a change, or the plan's checks, deferred changes or action
// invocations): from then on, a secret found later means OpenOnce must
// read the plan again.
func (r *Reader) masking() {
	if !r.gave {
		r.gave, r.known = true, r.secrets.count()
	}
}

// reread makes r a second pass over the plan (OpenOnce), with every
// marked text the first found, and returns ErrReread.
func (r *Reader) reread() error {
	src, err := r.again()
	if err != nil {
		return r.fail(err)
	}
	second := newReader(src, r.cfg)
	second.secrets, second.prescanned = r.secrets, true
	*r = *second
	return ErrReread
}

// maskNames masks the secrets of the plan where they end up in a change's
// names: a for_each key in its address, previous address or module
// address, its index, and the attributes of an import identity.
func (r *Reader) maskNames(c *release.Change) {
	sec := &r.secrets
	c.Address, _ = sec.mask(c.Address)
	for _, p := range []**string{&c.PreviousAddress, &c.ModuleAddress} {
		if *p != nil {
			if m, ok := sec.mask(**p); ok {
				*p = &m
			}
		}
	}
	if k, ok := c.Index.(string); ok {
		c.Index, _ = sec.mask(k)
	}
	for k, v := range c.ImportIdentity {
		if s, ok := v.(string); ok {
			c.ImportIdentity[k], _ = sec.mask(s)
		}
	}
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
