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
	"errors"
	"fmt"
	"slices"
	"time"

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
