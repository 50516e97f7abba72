// Package template reads release templates: ReleaseTemplate documents, in the
// shape of a Kubernetes custom resource, that list the phases a release runs.
//
//	apiVersion: shiplog.dev/v1alpha1
//	kind: ReleaseTemplate
//	metadata:
//	  name: terraform-apply
//	  namespace: shiplog        # optional, default "default"
//	spec:
//	  description: ...
//	  phases:
//	    - name: init
//	      action: init
//	    - name: plan
//	      action: plan
//	      targets: fromRelease  # optional
//	      refresh: false        # optional
//	      parallelism: 10       # optional
//	      timeout: 10m          # optional, a Go duration
//	      approval: required    # optional
//	    - name: smoke
//	      action: run
//	      command: ./smoke.sh
//	      args: ["--fast"]
//
// Parse decodes and validates the documents of one file; a Catalog holds the
// built-in templates (embedded from templates/releases) and those a user adds
// from a directory. Template.Phases turns a template into a release's phases.
package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// The type of a release template document.
const (
	APIVersion = "shiplog.dev/v1alpha1"
	Kind       = "ReleaseTemplate"
)

// DefaultNamespace is the namespace of a template whose metadata gives none,
// and of every built-in template.
const DefaultNamespace = "default"

// Targets says which resources a plan phase covers.
type Targets string

// TargetsFromRelease limits a plan to the release's targets. It is the only
// value; leaving targets out plans every resource.
const TargetsFromRelease Targets = "fromRelease"

// Approval says whether a phase waits for someone's approval.
type Approval string

// Approval values. Leaving approval out is the same as ApprovalNone.
const (
	ApprovalRequired Approval = "required"
	ApprovalNone     Approval = "none"
)

// Template is one ReleaseTemplate document.
type Template struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`

	source  string // file the document came from, for messages
	line    int    // line of the file where the document starts
	builtin bool
}

// Metadata names a template, as a Kubernetes object's metadata does.
// Labels and annotations are accepted so that the same document can be
// applied to a cluster; shiplog does not use them.
type Metadata struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Spec is what a template does.
type Spec struct {
	Description string      `json:"description,omitempty"`
	Phases      []PhaseSpec `json:"phases"`
}

// PhaseSpec is one phase as a template writes it. Which options an action
// accepts is checked by Validate.
type PhaseSpec struct {
	Name   string         `json:"name"`
	Action release.Action `json:"action"`
	// Targets limits plan and destroy-plan phases to the release's targets.
	Targets Targets `json:"targets,omitempty"`
	// Refresh overrides terraform's refresh on plan and destroy-plan phases.
	Refresh *bool `json:"refresh,omitempty"`
	// Parallelism is terraform's -parallelism for plan, destroy-plan and
	// apply phases; 0 keeps terraform's default.
	Parallelism *int `json:"parallelism,omitempty"`
	// Timeout is a Go duration ("10m"); empty means the environment's
	// default for the action.
	Timeout string `json:"timeout,omitempty"`
	// Approval "required" stops the release before this phase until someone
	// approves it.
	Approval Approval `json:"approval,omitempty"`
	// Command and Args are what a run phase executes.
	Command string   `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`
}

// Name is the template's name.
func (t *Template) Name() string { return t.Metadata.Name }

// Namespace is the template's namespace, DefaultNamespace if it gives none.
func (t *Template) Namespace() string {
	if t.Metadata.Namespace == "" {
		return DefaultNamespace
	}
	return t.Metadata.Namespace
}

// String names the template for messages: its name, preceded by its
// namespace and a slash unless that is DefaultNamespace.
func (t *Template) String() string {
	if t.Namespace() == DefaultNamespace {
		return t.Metadata.Name
	}
	return t.Namespace() + "/" + t.Metadata.Name
}

// Source is where the template was read from: a file path, or
// "built-in <file>" for a built-in template; empty if it was built in code.
func (t *Template) Source() string { return t.source }

// Line is the line of Source where the template's document starts (0 if
// unknown).
func (t *Template) Line() int { return t.line }

// Builtin reports whether the template ships with shiplog.
func (t *Template) Builtin() bool { return t.builtin }

// Type is the type of release the template makes (see release.TypeOf).
func (t *Template) Type() release.Type { return release.TypeOf(t.Phases()) }

// Phases turns the template into a new release's phases: one per template
// phase, in order, PENDING, with Index the phase's position in the slice
// (from 0) and the options mapped to release.PhaseOptions. The template must
// be valid (see Validate); a timeout that does not parse is left at zero.
// Each call returns new slices that the caller may keep and change.
func (t *Template) Phases() []release.Phase {
	phases := make([]release.Phase, len(t.Spec.Phases))
	for i, p := range t.Spec.Phases {
		opts := release.PhaseOptions{
			TargetsFromRelease: p.Targets == TargetsFromRelease,
			ApprovalRequired:   p.Approval == ApprovalRequired,
			Command:            p.Command,
			Args:               slices.Clone(p.Args),
		}
		if p.Refresh != nil {
			refresh := *p.Refresh
			opts.Refresh = &refresh
		}
		if p.Parallelism != nil {
			opts.Parallelism = *p.Parallelism
		}
		if p.Timeout != "" {
			opts.Timeout, _ = time.ParseDuration(p.Timeout)
		}
		phases[i] = release.Phase{
			Index:   i,
			Name:    p.Name,
			Action:  p.Action,
			Options: opts,
			Status:  release.PhasePending,
		}
	}
	return phases
}

// CheckRelease checks that a release with the given targets can run the
// template: a phase with targets: fromRelease needs at least one target.
func (t *Template) CheckRelease(targets []string) error {
	if len(targets) > 0 {
		return nil
	}
	for i, p := range t.Spec.Phases {
		if p.Targets == TargetsFromRelease {
			return fmt.Errorf("template %s phase %d %q uses targets: %s but the release has no targets",
				t, i+1, p.Name, TargetsFromRelease)
		}
	}
	return nil
}

// Parse decodes and validates the ReleaseTemplate documents of one YAML file.
// A file may hold several documents separated by "---" lines; empty
// documents are skipped. Decoding is strict: an unknown field (field names
// are case-sensitive) is an error, as is a duplicate key. Each template's
// namespace is defaulted to DefaultNamespace.
//
// file names the data in messages. Every error begins with it, with the line
// when the YAML library reports one ("a.yaml:7: ...") and otherwise, in a
// file of several documents, the document's number and first line. Parse
// reports the problems of every document, joined, and then returns no
// templates.
func Parse(file string, data []byte) ([]*Template, error) {
	docs := splitDocuments(data)
	var (
		templates []*Template
		errs      []error
	)
	for i, d := range docs {
		where := file
		if len(docs) > 1 {
			where = fmt.Sprintf("%s (document %d, line %d)", file, i+1, d.line)
		}
		t, err := decode(d)
		if err != nil {
			var se *syntaxError
			if errors.As(err, &se) && se.line > 0 {
				errs = append(errs, fmt.Errorf("%s:%d: %s", file, se.line, se.msg))
			} else {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
			}
			continue
		}
		if t.Metadata.Namespace == "" {
			t.Metadata.Namespace = DefaultNamespace
		}
		t.source, t.line = file, d.line
		if err := t.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		templates = append(templates, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return templates, nil
}

// document is one YAML document of a file.
type document struct {
	data   []byte
	offset int // lines of the file before data's first line
	line   int // line of the file where the document's content starts
}

// splitDocuments splits a YAML stream at its "---" lines and drops the
// documents that hold nothing but blank lines and comments. Anything after
// "---" on a separator line stays in the following document, and each
// document keeps its line numbering within the file.
func splitDocuments(data []byte) []document {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var (
		docs    []document
		cur     document
		content bool
	)
	flush := func() {
		if content {
			docs = append(docs, cur)
		}
	}
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		if isSeparator(line) {
			flush()
			cur, content = document{offset: n}, false
			line = append(bytes.Repeat([]byte(" "), 3), line[3:]...)
		}
		cur.data = append(cur.data, line...)
		if !content && hasContent(line) {
			content, cur.line = true, n+1
		}
	}
	flush()
	return docs
}

// isSeparator reports whether line starts a new YAML document.
func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	return ok && (len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r')
}

// hasContent reports whether line holds more than blanks, a comment or a
// document end marker.
func hasContent(line []byte) bool {
	s := bytes.TrimSpace(line)
	return len(s) > 0 && s[0] != '#' && !bytes.Equal(s, []byte("..."))
}

// syntaxError is a YAML error the library located in the file.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

var (
	yamlLineRE        = regexp.MustCompile(`\bline (\d+)`)
	yamlSyntaxErrorRE = regexp.MustCompile(`^line (\d+): ([^\n]*)$`)
)

// decode decodes one document strictly.
func decode(d document) (*Template, error) {
	// Converting to JSON first reports YAML syntax errors and duplicate
	// keys, with lines, on their own.
	j, err := yaml.YAMLToJSONStrict(d.data)
	if err != nil {
		return nil, yamlError(err, d.offset)
	}
	var generic any
	if err := json.Unmarshal(j, &generic); err != nil {
		return nil, fmt.Errorf("decoding YAML: %w", err)
	}
	if _, ok := generic.(map[string]any); !ok {
		return nil, fmt.Errorf("the document is not a mapping (apiVersion: %s, kind: %s, ...)", APIVersion, Kind)
	}
	// encoding/json matches field names case-insensitively and reports only
	// the first unknown field, without its path; look for them ourselves.
	var c fieldCheck
	c.walk(generic, reflect.TypeFor[Template](), "")
	if err := c.err(); err != nil {
		return nil, err
	}
	var t Template
	if err := yaml.UnmarshalStrict(d.data, &t); err != nil {
		return nil, jsonError(err)
	}
	return &t, nil
}

// yamlError turns an error of the YAML library into one whose lines count
// from the start of the file rather than of the document.
func yamlError(err error, offset int) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = yamlLineRE.ReplaceAllStringFunc(msg, func(s string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
		return fmt.Sprintf("line %d", n+offset)
	})
	// A list of one: "unmarshal errors:\n  line 3: key \"a\" already set in map".
	if head, rest, ok := strings.Cut(msg, ":\n  "); ok && !strings.Contains(rest, "\n") && strings.HasPrefix(head, "unmarshal errors") {
		msg = rest
	}
	if m := yamlSyntaxErrorRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &syntaxError{line: n, msg: m[2]}
	}
	// "unmarshal errors:\n  line 3: ...\n  line 5: ..." and the like.
	return fmt.Errorf("invalid YAML: %s", strings.Join(strings.Fields(strings.ReplaceAll(msg, ":\n", ": ")), " "))
}

// jsonError reports a decoding error of sigs.k8s.io/yaml by the field it
// concerns, without the library's layers of prefixes.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("field %q: got %s, want %s", te.Field, jsonValue(te.Value), jsonKind(te.Type))
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, "json: "); i >= 0 {
		msg = msg[i+len("json: "):]
	}
	return errors.New(msg)
}

// jsonValue names the kind of a JSON value, as encoding/json's
// UnmarshalTypeError gives it, in YAML's terms.
func jsonValue(v string) string {
	switch {
	case v == "object":
		return "a mapping"
	case v == "array":
		return "a list"
	case v == "bool":
		return "a boolean"
	case v == "string", strings.HasPrefix(v, "number"):
		return "a " + v
	}
	return v
}

// jsonKind names a Go type as a template author knows it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}

// fieldCheck finds what encoding/json would let pass in a document decoded
// from YAML: keys with no field (json matches names case-insensitively, and
// reports only the first unknown field, without its path), and booleans
// where a string is wanted, which json would get from YAML 1.1 reading an
// unquoted yes, no, on, off, y or n as a boolean.
type fieldCheck struct {
	unknown []string // paths of unknown fields
	boolean []string // paths of booleans given for strings
}

// walk checks v, decoded from JSON, against t. Values of the wrong kind
// are otherwise left to the decoder.
func (c *fieldCheck) walk(v any, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(bool); ok {
			c.boolean = append(c.boolean, path)
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ft, ok := fields[k]
			if !ok {
				c.unknown = append(c.unknown, p)
				continue
			}
			c.walk(m[k], ft, p)
		}
	case reflect.Map:
		m, _ := v.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			c.walk(m[k], t.Elem(), path+"."+k)
		}
	case reflect.Slice:
		s, _ := v.([]any)
		for i, e := range s {
			c.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// err reports what walk found, or nil.
func (c *fieldCheck) err() error {
	var msgs []string
	switch len(c.unknown) {
	case 0:
	case 1:
		msgs = append(msgs, fmt.Sprintf("unknown field %q", c.unknown[0]))
	default:
		msgs = append(msgs, "unknown fields "+quoteAll(c.unknown))
	}
	if len(c.boolean) > 0 {
		msgs = append(msgs, quoteAll(c.boolean)+": got a boolean, want a string "+
			"(YAML reads an unquoted yes, no, on, off, y or n as a boolean: quote it)")
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}

// jsonFields maps the JSON names of t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fields[name] = f.Type
	}
	return fields
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
