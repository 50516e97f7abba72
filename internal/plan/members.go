package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is the Reader's walk over the plan document's top-level
// members: the header values, the arrays of changes and the outputs.

// member reads the next member of the top-level object, handling the
// header and entering the change sections; other members are skipped.
func (r *Reader) member() error {
	s := r.s
	c, done, err := s.item(r.first, '}', "in the top-level object", "a value in the top-level object")
	if err != nil {
		return err
	}
	if done {
		return r.finish()
	}
	r.first = false
	key, ok, keyOff, err := s.key(c)
	if err != nil {
		return err
	}
	if !ok {
		return s.skipValue(1) // a key too long to be one we know
	}
	switch key {
	case "format_version", "terraform_version", "timestamp", "errored", "complete", "applyable",
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
		v, err := r.headerBool(key)
		r.hdr.Errored = v != nil && *v
		return err
	case "complete":
		v, err := r.headerBool(key)
		r.hdr.Complete = v
		return err
	case "applyable":
		v, err := r.headerBool(key)
		r.hdr.Applyable = v
		return err
	case "resource_changes", "resource_drift":
		r.isPlan = true
		kind := release.KindResource
		if key == "resource_drift" {
			kind = release.KindDrift
		}
		if r.collectOnly {
			i := 0
			return r.elements(1, func(depth int) error {
				i++
				return r.collectChange(depth, fmt.Sprintf("%s[%d]", key, i-1), true)
			})
		}
		return r.enter(key, '[', stArray, kind)
	case "output_changes":
		r.isPlan = true
		if r.collectOnly {
			return r.collectOutputs()
		}
		return r.enter(key, '{', stOutput, release.KindOutput)
	case "planned_values":
		r.isPlan = true
		if r.isolate || r.prescanned {
			return s.skipValue(1)
		}
		return r.collectPlanned(1) // its marked values, before the changes
	case "prior_state":
		r.isPlan = true
		// Open's first pass, and OpenOnce's single pass, take the marked
		// texts of the state the plan started from.
		if r.collectOnly || r.again != nil {
			return r.members(1, func(key string, depth int) error {
				if key == "values" {
					return r.collectPlanned(depth)
				}
				return s.skipValue(depth)
			})
		}
	case "deferred_changes":
		if r.collectOnly {
			return s.skipValue(1)
		}
		return r.deferred()
	case "action_invocations":
		r.isPlan = true
		if r.collectOnly {
			return r.collectActions()
		}
		return r.actions()
	case "checks":
		if r.collectOnly {
			return s.skipValue(1)
		}
		return r.checks()
	case "values":
		return s.errAt(ErrNotPlan, keyOff, "the input has a top-level \"values\" key: it is Terraform state JSON ('terraform show -json' without a plan file), not a plan")
	case "lineage", "serial":
		return s.errAt(ErrNotPlan, keyOff, "the input has a top-level %q key: it is a raw Terraform state file, not a plan", key)
	}
	return s.skipValue(1)
}

// headerBool reads a top-level boolean (nil for null).
func (r *Reader) headerBool(key string) (*bool, error) {
	s := r.s
	c, err := s.next("for a value")
	if err != nil {
		return nil, err
	}
	switch c {
	case 't':
		v := true
		return &v, s.skipLiteral("true")
	case 'f':
		v := false
		return &v, s.skipLiteral("false")
	case 'n':
		return nil, s.skipLiteral("null")
	}
	if !isValueStart(c) {
		return nil, s.syntaxErr("unexpected %s looking for a value", describeByte(c))
	}
	return nil, s.errAt(ErrNotPlan, s.offset(), "%s is %s, want a boolean", key, kindAt(c))
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

// maxChecks bounds the size of the checks member read.
const maxChecks = 16 << 20

// checks reads the top-level "checks" member (Terraform 1.5+) and keeps
// the instances whose status is fail or error.
func (r *Reader) checks() error {
	r.masking()
	s := r.s
	src, start, err := s.captureValue(1, maxChecks, "checks")
	if err != nil {
		return err
	}
	var doc []struct {
		Address struct {
			Kind      string `json:"kind"`
			ToDisplay string `json:"to_display"`
		} `json:"address"`
		Status    string `json:"status"`
		Instances []struct {
			Address struct {
				ToDisplay string `json:"to_display"`
			} `json:"address"`
			Status   string `json:"status"`
			Problems []struct {
				Message string `json:"message"`
			} `json:"problems"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		return s.errAt(ErrNotPlan, start, "checks is not an array of check results: %s", describeJSONErr(err))
	}
	failed := func(st string) bool { return st == "fail" || st == "error" }
	for _, c := range doc {
		if !failed(c.Status) {
			continue
		}
		for _, in := range c.Instances {
			if !failed(in.Status) {
				continue
			}
			fc := FailedCheck{Address: in.Address.ToDisplay, Kind: c.Address.Kind, Status: in.Status, Problems: []string{}}
			if fc.Address == "" {
				fc.Address = c.Address.ToDisplay
			}
			fc.Address, _ = r.secrets.mask(fc.Address)
			for _, p := range in.Problems {
				m, _ := r.secrets.mask(p.Message)
				fc.Problems = append(fc.Problems, m)
			}
			r.hdr.FailedChecks = append(r.hdr.FailedChecks, fc)
		}
		if len(c.Instances) == 0 {
			a, _ := r.secrets.mask(c.Address.ToDisplay)
			r.hdr.FailedChecks = append(r.hdr.FailedChecks, FailedCheck{Address: a, Kind: c.Address.Kind, Status: c.Status, Problems: []string{}})
		}
	}
	return nil
}

// describeJSONErr says what encoding/json found wrong, without quoting
// values from the plan.
func describeJSONErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is a JSON %s, want %s", te.Field, te.Value, te.Type)
	}
	return "invalid JSON"
}

// deferred reads the top-level "deferred_changes" member: each deferred
// resource's address, reason and actions (not its values).
func (r *Reader) deferred() error {
	r.masking()
	s := r.s
	src, start, err := s.captureValue(1, r.cfg.maxChangeSize, "deferred_changes")
	if err != nil {
		return err
	}
	var doc []struct {
		Reason         string `json:"reason"`
		ResourceChange struct {
			Address string `json:"address"`
			Change  struct {
				Actions tfjson.Actions `json:"actions"`
			} `json:"change"`
		} `json:"resource_change"`
	}
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		return s.errAt(ErrNotPlan, start, "deferred_changes is not an array of deferred changes: %s", describeJSONErr(err))
	}
	for i, d := range doc {
		action, _, err := ActionOf(d.ResourceChange.Change.Actions)
		if err != nil {
			return s.errAt(ErrNotPlan, start, "deferred_changes[%d]: %v", i, err)
		}
		addr, _ := r.secrets.mask(d.ResourceChange.Address)
		r.hdr.Deferred = append(r.hdr.Deferred, DeferredChange{Address: addr, Reason: d.Reason, Action: action})
	}
	return nil
}

// actionDoc is one element of the plan's action_invocations, as Terraform
// 1.14 writes it (internal/command/jsonplan/action_invocations.go,
// ActionInvocation: address, type, name, provider_name, config_values,
// config_sensitive, config_unknown, lifecycle_action_trigger or
// invoke_action_trigger).
type actionDoc struct {
	Address         string `json:"address"`
	Type            string `json:"type"`
	Name            string `json:"name"`
	ProviderName    string `json:"provider_name"`
	ConfigValues    any    `json:"config_values"`
	ConfigSensitive any    `json:"config_sensitive"`
	ConfigUnknown   any    `json:"config_unknown"`
	Lifecycle       *struct {
		Resource  string `json:"triggering_resource_address"`
		Event     string `json:"action_trigger_event"`
		OnFailure string `json:"on_failure"`
	} `json:"lifecycle_action_trigger"`
	Invoke *struct {
		Resource string `json:"calling_resource_address"`
	} `json:"invoke_action_trigger"`
}

// captureActions reads the action_invocations member into its elements.
func (r *Reader) captureActions() ([]actionDoc, error) {
	s := r.s
	src, start, err := s.captureValue(1, r.cfg.maxChangeSize, "action_invocations")
	if err != nil {
		return nil, err
	}
	var doc []actionDoc
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, s.errAt(ErrNotPlan, start, "action_invocations is not an array of action invocations: %s", describeJSONErr(err))
	}
	for i, a := range doc {
		if a.Address == "" {
			return nil, s.errAt(ErrNotPlan, start, "action_invocations[%d] has no address", i)
		}
	}
	return doc, nil
}

// collectActions is the first pass over action_invocations: the texts
// their configurations mark sensitive join the plan's secrets.
func (r *Reader) collectActions() error {
	doc, err := r.captureActions()
	if err != nil {
		return err
	}
	for _, a := range doc {
		var t tree
		r.secrets.collect(&t, t.add(t.nodeOf(a.ConfigValues)), t.add(t.nodeOf(a.ConfigSensitive)))
	}
	return nil
}

// actions reads the top-level "action_invocations" member (Terraform
// 1.14): each action the apply invokes, with its configuration as fields,
// masked as a created resource's are.
func (r *Reader) actions() error {
	r.masking()
	doc, err := r.captureActions()
	if err != nil {
		return err
	}
	sec := &r.secrets
	if r.isolate {
		sec = nil
	}
	for _, a := range doc {
		ai := ActionInvocation{Address: a.Address, Type: a.Type, Name: a.Name, Provider: a.ProviderName, Trigger: "invoke"}
		switch {
		case a.Lifecycle != nil:
			ai.Trigger, ai.Resource, ai.OnFailure = a.Lifecycle.Event, a.Lifecycle.Resource, a.Lifecycle.OnFailure
		case a.Invoke != nil:
			ai.Resource = a.Invoke.Resource
		}
		var t tree
		refs := noRefs()
		refs[refAfter] = t.add(t.nodeOf(a.ConfigValues))
		refs[refAfterUnknown] = t.add(t.nodeOf(a.ConfigUnknown))
		refs[refAfterSensitive] = t.add(t.nodeOf(a.ConfigSensitive))
		ai.Config = diffTree(&t, refs, sec, []release.Field{})
		if !r.isolate {
			for _, p := range []*string{&ai.Address, &ai.Resource} {
				*p, _ = r.secrets.mask(*p)
			}
		}
		r.hdr.Actions = append(r.hdr.Actions, ai)
	}
	return nil
}
