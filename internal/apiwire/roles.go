package apiwire

import "time"

// Role is what a subject may do on the environments a binding names.
type Role string

// The roles, from least to most. A binding's role includes those it
// names: deployer and approver include viewer (who deploys or approves
// reads what they act on); admin includes every role. A token's scope is
// its role alone (RoleOfScope): the write scope never included read.
const (
	RoleViewer   Role = "viewer"   // read releases, logs, changes, environments
	RoleDeployer Role = "deployer" // create and abort releases, roll back, attach plans; also viewer
	RoleApprover Role = "approver" // approve, reject, sign off; also viewer
	RoleAdmin    Role = "admin"    // everything
)

// Roles lists every role, least first.
var Roles = []Role{RoleViewer, RoleDeployer, RoleApprover, RoleAdmin}

// Includes reports whether holding r allows what want allows.
func (r Role) Includes(want Role) bool {
	switch {
	case r == want || r == RoleAdmin:
		return true
	case (r == RoleApprover || r == RoleDeployer) && want == RoleViewer:
		return true
	}
	return false
}

// RoleOfScope is the role a token scope stands for on every environment:
// read→viewer, write→deployer, approve→approver, admin→admin ("" for no
// scope or an unknown one). A scope allows that role alone (admin
// everything): the approve scope does not read, as it never did.
func RoleOfScope(s Scope) Role {
	switch s {
	case ScopeRead:
		return RoleViewer
	case ScopeWrite:
		return RoleDeployer
	case ScopeApprove:
		return RoleApprover
	case ScopeAdmin:
		return RoleAdmin
	}
	return ""
}

// The kinds of subject a role binding names.
const (
	SubjectUser  = "user"  // the name the identity provider signs a person in with
	SubjectGroup = "group" // a group in the identity provider's groups claim
	SubjectToken = "token" // an API token, by name
)

// RoleBindingRequest is the body of POST /api/v1/roles: give a subject a
// role on the environments matching Environment ("*" all, "prod-*" a
// shell pattern as path.Match reads it, or one name).
type RoleBindingRequest struct {
	SubjectKind string `json:"subject_kind"` // user, group or token
	Subject     string `json:"subject"`
	Role        Role   `json:"role"`
	Environment string `json:"environment"`
}

// RoleBinding is one stored binding.
type RoleBinding struct {
	ID          int64     `json:"id"`
	SubjectKind string    `json:"subject_kind"`
	Subject     string    `json:"subject"`
	Role        Role      `json:"role"`
	Environment string    `json:"environment"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// RoleBindingList is GET /api/v1/roles: every binding by subject kind,
// subject, role and environment pattern.
type RoleBindingList struct {
	Bindings []RoleBinding `json:"bindings"`
}

// UserSession is a person's live browser session (GET /api/v1/sessions):
// who, the groups the identity provider gave at sign-in (which their
// group role bindings are read with until the session ends), and its
// times. A session's id is never shown.
type UserSession struct {
	User      string    `json:"user"`
	Groups    []string  `json:"groups"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	ExpiresAt time.Time `json:"expires_at"`
}

// UserSessionList is GET /api/v1/sessions.
type UserSessionList struct {
	Sessions []UserSession `json:"sessions"`
}

// EndedSessions is DELETE /api/v1/users/{name}/sessions: how many live
// sessions of the person ended.
type EndedSessions struct {
	User  string `json:"user"`
	Ended int64  `json:"ended"`
}
