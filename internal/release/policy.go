package release

import "time"

// Policy is a Rego policy stored in shiplog that a release's policy phase
// evaluates (internal/policy): its deny rules block, its warn rules are
// shown.
type Policy struct {
	// Name is unique: lower-case letters, digits, '-', '_' and '.', at
	// most 63 characters.
	Name string `json:"name"`
	// Version counts the module's changes from 1; a release records the
	// version it ran.
	Version     int    `json:"version"`
	Description string `json:"description"`
	// Module is the Rego (v1) source.
	Module string `json:"module"`
	// Environments are the environments the policy applies to, as names
	// or shell patterns (prod-*); empty means every environment.
	Environments []string `json:"environments"`
	// Overridable: a denial waits for an approval that overrides it,
	// instead of failing the release.
	Overridable bool      `json:"overridable"`
	UpdatedBy   string    `json:"updated_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PolicyCheck is one policy's verdict on a release, as its policy phase
// recorded it.
type PolicyCheck struct {
	Phase  string `json:"phase"`
	Policy string `json:"policy"`
	// Version is the stored policy's version that ran; 0 for a policy
	// of the configuration (Source), as the release's blueprint has it.
	Version int `json:"version"`
	// Source is where the policy came from: "" for one stored in
	// shiplog, PolicyFromConfiguration for a .rego file of the
	// configuration's policies directory.
	Source string `json:"source,omitempty"`
	// Verdict is pass, warn or deny.
	Verdict     string    `json:"verdict"`
	Overridable bool      `json:"overridable"`
	Denials     []string  `json:"denials"`
	Warnings    []string  `json:"warnings"`
	At          time.Time `json:"at"`
}

// PolicyFromConfiguration is PolicyCheck.Source for a policy the
// configuration carries in its policies directory.
const PolicyFromConfiguration = "configuration"

// PolicyDenied reports whether any check denied the release, and whether
// every denial may be overridden by an approval.
func PolicyDenied(checks []PolicyCheck) (denied, overridable bool) {
	overridable = true
	for _, c := range checks {
		if c.Verdict == "deny" {
			denied = true
			overridable = overridable && c.Overridable
		}
	}
	return denied, denied && overridable
}
