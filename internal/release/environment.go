package release

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Source kinds: where an environment's configuration comes from.
const (
	SourceDir    = "dir"    // a directory on the worker's machine
	SourceGit    = "git"    // a git repository at a ref
	SourceUpload = "upload" // archives pushed through the API
)

// Source is where an environment's Terraform configuration lives. Kind is
// one of SourceDir (Dir: an absolute path), SourceGit (GitURL, GitRef: a
// branch, tag or commit, default HEAD; GitSubdir: the root module's
// directory in the repository) or SourceUpload (the newest archive pushed
// to the environment, or the one a release names). An empty Kind is taken
// from the fields set (Dir: dir, GitURL: git).
//
// GitToken (an HTTPS token, sent as the password of user GitUser, default
// "x-access-token") and GitSSHKey (a private key in OpenSSH PEM form) are
// credentials: sealed in the store like sensitive variables, never returned
// (the API shows them blank), and an update that leaves them blank keeps
// them.
type Source struct {
	Kind      string `json:"kind,omitempty"`
	Dir       string `json:"dir,omitempty"`
	GitURL    string `json:"git_url,omitempty"`
	GitRef    string `json:"git_ref,omitempty"`
	GitSubdir string `json:"git_subdir,omitempty"`
	GitUser   string `json:"git_user,omitempty"`
	GitToken  string `json:"git_token,omitempty"`
	GitSSHKey string `json:"git_ssh_key,omitempty"`
}

// Normalize fills Kind from the fields set and GitRef's default.
func (s *Source) Normalize() {
	if s.Kind == "" {
		switch {
		case s.GitURL != "":
			s.Kind = SourceGit
		case s.Dir != "":
			s.Kind = SourceDir
		}
	}
	if s.Kind == SourceGit && s.GitRef == "" {
		s.GitRef = "HEAD"
	}
}

// SourceError names the source field at fault.
type SourceError struct {
	Field  string // "source.dir", "source.git_url", ...
	Reason string
}

func (e *SourceError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks a normalized source's shape (not whether a directory
// exists or a repository answers: that is for the API and the worker).
func (s Source) Validate() error {
	switch s.Kind {
	case SourceDir:
		if !filepath.IsAbs(s.Dir) {
			return &SourceError{"source.dir", fmt.Sprintf("%q is not an absolute path: workers resolve it on their own machine, so give the full path", s.Dir)}
		}
		if s.GitURL != "" || s.GitRef != "" || s.GitSubdir != "" || s.GitToken != "" || s.GitSSHKey != "" {
			return &SourceError{"source", "a dir source takes no git settings"}
		}
	case SourceGit:
		if s.GitURL == "" {
			return &SourceError{"source.git_url", "a git source needs git_url"}
		}
		u, err := url.Parse(s.GitURL)
		if err == nil && u.User != nil {
			if _, hasPass := u.User.Password(); hasPass {
				return &SourceError{"source.git_url", "the URL carries a password: give it as git_token, which is sealed, never in the URL"}
			}
		}
		if strings.HasPrefix(s.GitRef, "-") || strings.ContainsAny(s.GitRef, " \t\n~^:?*[\\") {
			return &SourceError{"source.git_ref", fmt.Sprintf("%q is not a branch, tag or commit name", s.GitRef)}
		}
		if s.GitSubdir != "" && !filepath.IsLocal(s.GitSubdir) {
			return &SourceError{"source.git_subdir", fmt.Sprintf("%q must be a relative path inside the repository", s.GitSubdir)}
		}
		if s.Dir != "" {
			return &SourceError{"source.dir", "a git source takes no dir"}
		}
	case SourceUpload:
		if s.Dir != "" || s.GitURL != "" {
			return &SourceError{"source", "an upload source takes no dir or git settings: push archives with POST /api/v1/environments/{name}/configurations"}
		}
	case "":
		return &SourceError{"source", "no configuration source: set source.dir, source.git_url, or source.kind upload"}
	default:
		return &SourceError{"source.kind", fmt.Sprintf("%q is not a source kind (dir, git or upload)", s.Kind)}
	}
	return nil
}

// Variable is one Terraform input variable. A sensitive variable's value is
// written once and never read back out of the store by the API.
type Variable struct {
	Name      string `json:"name"`
	Value     string `json:"value,omitempty"`
	Sensitive bool   `json:"sensitive"`
	// HCL marks a value to be parsed as an HCL expression (lists, maps).
	HCL bool `json:"hcl,omitempty"`
}

// CheckVariables checks a list of input variables as an environment or a
// release takes them: each has a name, and no name is set twice. The error
// says which variable (by position or name).
func CheckVariables(vars []Variable) error {
	seen := make(map[string]bool, len(vars))
	for i, v := range vars {
		if v.Name == "" {
			return fmt.Errorf("variable %d has no name", i)
		}
		if seen[v.Name] {
			return fmt.Errorf("variable %q is set twice", v.Name)
		}
		seen[v.Name] = true
	}
	return nil
}

// Environment is a deployment target: one Terraform configuration with its
// own state and its own queue of releases.
type Environment struct {
	ID               int64                    `json:"id"`
	Name             string                   `json:"name"`
	Namespace        string                   `json:"namespace"`
	Source           Source                   `json:"source"`
	DefaultTemplate  string                   `json:"default_template"`
	ApprovalRequired bool                     `json:"approval_required"`
	Variables        []Variable               `json:"variables"`
	PhaseTimeouts    map[Action]time.Duration `json:"-"`
	// Runner is what runs its releases: RunnerWorker (the worker pool, the
	// default) or RunnerJob (one Kubernetes Job per release in Namespace,
	// made by `shiplog controller --runner=job`).
	Runner Runner `json:"runner"`
	// MaintenanceWindows are when its releases may start; none: any time.
	MaintenanceWindows []MaintenanceWindow `json:"maintenance_windows,omitempty"`
	// Upstream names the environment before this one in its release
	// stream (staging for production): promotions bring its signed-off
	// releases here. Empty: none.
	Upstream string `json:"upstream,omitempty"`
	// RequireUpstreamSignOff refuses every release that changes this
	// environment unless its configuration (blueprint version and
	// artifacts) is that of a SUCCEEDED release of Upstream that was
	// signed off APPROVED. Needs Upstream.
	RequireUpstreamSignOff bool `json:"require_upstream_signoff"`
	// Paused is set while the environment is paused: its queued releases
	// wait, in order, until it is resumed. Nil (left out) when it is not.
	Paused    *Pause    `json:"paused,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Runner is what runs an environment's releases.
type Runner string

// The runners.
const (
	RunnerWorker Runner = "worker"
	RunnerJob    Runner = "job"
)

// Pause says who paused an environment, when and why.
type Pause struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// patternRE is what an environment pattern may hold: a name's characters
// and path.Match's wildcards.
var patternRE = regexp.MustCompile(`^[a-z0-9*?\[\]!^-]{1,63}$`)

// ValidatePattern checks an environment pattern as policies, webhooks and
// role bindings name environments: "*", a name ("prod"), or a
// path.Match pattern of a name's characters ("prod-*", "eu-?").
func ValidatePattern(p string) error {
	if !strings.ContainsAny(p, "*?[") {
		return ValidateName("environment", p)
	}
	if _, err := path.Match(p, ""); err != nil || !patternRE.MatchString(p) {
		return fmt.Errorf("environment pattern %q is not valid: use a name (prod), * or a pattern of lower-case letters, digits, '-' and the wildcards * ? [ ] (prod-*)", p)
	}
	return nil
}

// ValidateName checks an environment or namespace name: lower-case letters,
// digits and dashes, at most 63 characters, as Kubernetes names are.
func ValidateName(kind, name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%s name %q is not valid: use 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit", kind, name)
	}
	return nil
}

// Validate checks an environment before it is stored.
func (e Environment) Validate() error {
	if err := ValidateName("environment", e.Name); err != nil {
		return err
	}
	if e.Namespace != "" {
		if err := ValidateName("namespace", e.Namespace); err != nil {
			return err
		}
	}
	switch e.Runner {
	case "", RunnerWorker, RunnerJob:
	default:
		return fmt.Errorf("environment %q: runner %q is not one of %q, %q", e.Name, e.Runner, RunnerWorker, RunnerJob)
	}
	if e.Upstream != "" {
		if err := ValidateName("upstream environment", e.Upstream); err != nil {
			return fmt.Errorf("environment %q: %w", e.Name, err)
		}
		if e.Upstream == e.Name {
			return fmt.Errorf("environment %q cannot be its own upstream", e.Name)
		}
	}
	if e.RequireUpstreamSignOff && e.Upstream == "" {
		return fmt.Errorf("environment %q requires upstream sign-off but names no upstream environment", e.Name)
	}
	src := e.Source
	src.Normalize()
	if err := src.Validate(); err != nil {
		return fmt.Errorf("environment %q: %w", e.Name, err)
	}
	for i, w := range e.MaintenanceWindows {
		if err := w.Validate(); err != nil {
			return &WindowError{Index: i, Err: err}
		}
	}
	seen := map[string]bool{}
	for _, v := range e.Variables {
		if v.Name == "" {
			return fmt.Errorf("environment %q has a variable with no name", e.Name)
		}
		if seen[v.Name] {
			return fmt.Errorf("environment %q sets variable %q twice", e.Name, v.Name)
		}
		seen[v.Name] = true
	}
	for a, d := range e.PhaseTimeouts {
		if d <= 0 {
			return fmt.Errorf("environment %q: timeout for %s phases must be positive, got %s", e.Name, a, d)
		}
	}
	return nil
}

// WindowError is a maintenance window that is not valid.
type WindowError struct {
	Index int
	Err   error
}

func (e *WindowError) Error() string {
	return fmt.Sprintf("maintenance_windows[%d]: %v", e.Index, e.Err)
}

func (e *WindowError) Unwrap() error { return e.Err }
