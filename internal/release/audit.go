package release

import "time"

// AuditEvent is one state-changing act in the audit log: who (Actor, a
// token's or person's name), from where (RemoteAddr, the client's host),
// what (Kind, e.g. release.approve; the Environment and ReleaseID it
// touched; a short Detail that never holds a secret), when (At) and how
// it ended.
type AuditEvent struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	RemoteAddr  string    `json:"remote_addr,omitempty"`
	Kind        string    `json:"kind"`
	Environment string    `json:"environment,omitempty"`
	ReleaseID   *int64    `json:"release_id,omitempty"`
	Detail      string    `json:"detail,omitempty"`
	// Outcome is ok, refused (the act was not allowed or not valid) or
	// failed (it broke); Error says why when not ok.
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}
