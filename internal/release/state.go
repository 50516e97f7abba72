package release

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
)

// StateVersion is one version of an environment's Terraform state as
// shiplog's http backend stored it: metadata only, never the state itself.
type StateVersion struct {
	ID      int64  `json:"id"`
	Serial  int64  `json:"serial"`
	Lineage string `json:"lineage"`
	// ReleaseID is the release whose terraform wrote it (nil for an import).
	ReleaseID *int64 `json:"release_id,omitempty"`
	// Source is "backend" (written by terraform) or "import" (taken over
	// from a pg-backend schema).
	Source    string    `json:"source"`
	SizeBytes int64     `json:"size_bytes"`
	Resources int       `json:"resources"` // managed resource instances
	CreatedAt time.Time `json:"created_at"`
}

// StateLock is the lock terraform holds on an environment's state.
type StateLock struct {
	ID        string    `json:"id"` // terraform's lock ID
	ReleaseID int64     `json:"release_id"`
	Operation string    `json:"operation"`
	CreatedAt time.Time `json:"created_at"`
}

// Doing is what the lock's holder was doing, in a word: terraform's
// operation ("OperationTypeApply") without its prefix, lower case
// ("apply").
func (l StateLock) Doing() string {
	if op, ok := strings.CutPrefix(l.Operation, "OperationType"); ok && op != "" {
		return strings.ToLower(op)
	}
	return l.Operation
}

// StateUnlock is a state lock an admin released, and why: what an UNLOCK
// release records.
type StateUnlock struct {
	Lock   StateLock `json:"lock"`
	Reason string    `json:"reason"`
}

// UnlockTemplate is the template name an UNLOCK release is recorded with
// (in namespace "shiplog"); it has no phases.
const UnlockTemplate = "unlock-state"

// StateMeta is what shiplog reads from a state document.
type StateMeta struct {
	Serial    int64
	Lineage   string
	Resources int
}

// ErrInvalidState is wrapped by every refusal of a state document.
var ErrInvalidState = errors.New("state refused")

// ParseState checks a state document as terraform writes it (format version
// 4, terraform 0.12 and later: internal/states/statefile in terraform) and
// returns its serial, lineage and count of managed resource instances. It
// is ScanState of the bytes.
func ParseState(body []byte) (StateMeta, error) {
	return ScanState(bytes.NewReader(body))
}

// CheckSuccessor refuses a state that cannot follow prev (nil: the
// environment has none yet): another lineage is another configuration's
// state, a lower serial is older than what is stored.
func CheckSuccessor(prev *StateVersion, next StateMeta) error {
	if prev == nil {
		return nil
	}
	if next.Lineage != prev.Lineage {
		return fmt.Errorf("%w: lineage %s is not the environment's (%s): the state belongs to another configuration", ErrInvalidState, next.Lineage, prev.Lineage)
	}
	if next.Serial < prev.Serial {
		return fmt.Errorf("%w: serial %d is older than the stored serial %d", ErrInvalidState, next.Serial, prev.Serial)
	}
	return nil
}

// LegacyStateSchema is the schema the pg backend used for an environment
// before shiplog kept state itself: "shiplog_state_" and the name with '-'
// as '_', cut to PostgreSQL's 63-byte identifiers (which is why two long
// names could share one).
func LegacyStateSchema(env string) string {
	s := "shiplog_state_"
	for _, c := range []byte(env) {
		if c == '-' {
			c = '_'
		}
		s += string(c)
	}
	if len(s) > 63 {
		s = s[:63]
	}
	return s
}
