package release

import (
	"fmt"
	"regexp"
	"time"
)

// Source is where an environment's Terraform configuration lives. Dir is a
// local directory; GitURL and GitRef are kept for configurations in git.
type Source struct {
	Dir    string `json:"dir,omitempty"`
	GitURL string `json:"git_url,omitempty"`
	GitRef string `json:"git_ref,omitempty"`
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
	CreatedAt        time.Time                `json:"created_at"`
	UpdatedAt        time.Time                `json:"updated_at"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

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
	if e.Source.Dir == "" && e.Source.GitURL == "" {
		return fmt.Errorf("environment %q has no configuration source: set a directory", e.Name)
	}
	if e.Source.GitURL != "" {
		return fmt.Errorf("environment %q: git sources are not supported yet; use a directory", e.Name)
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
