package release

import (
	"fmt"
	"slices"
)

// Status is where a release is in its life. The nine values and the moves
// between them are the whole state machine; nothing else may change a
// release's status without going through Transition.
//
// Who writes statuses (all in internal/store, every one checked here first):
//   - store.Transition (and Approve, Reject, RequestAbort through it): one
//     release, compare-and-set on the status it expects;
//   - store.Claim (QUEUED -> IN_PROGRESS) and store.ReapExpired
//     (IN_PROGRESS -> STOPPED) check their move with Transition and
//     compare-and-set in their own statement, because they choose their
//     releases in SQL (the oldest claimable one; every expired lease);
//   - creation is not a move: CreateRelease and RecordPlan store a new
//     release in a status Created allows.
type Status string

const (
	StatusQueued          Status = "QUEUED"
	StatusInProgress      Status = "IN_PROGRESS"
	StatusPendingApproval Status = "PENDING_APPROVAL"
	StatusSucceeded       Status = "SUCCEEDED"
	StatusFailed          Status = "FAILED"
	StatusAborted         Status = "ABORTED"
	StatusRejected        Status = "REJECTED"
	StatusTimedOut        Status = "TIMED_OUT"
	StatusStopped         Status = "STOPPED"
)

// Statuses lists every status in a stable order.
var Statuses = []Status{
	StatusQueued, StatusInProgress, StatusPendingApproval, StatusSucceeded,
	StatusFailed, StatusAborted, StatusRejected, StatusTimedOut, StatusStopped,
}

// transitions is the table of legal moves and why each happens.
//
//	QUEUED           -> IN_PROGRESS       a worker claimed it
//	QUEUED           -> ABORTED           a user aborted it before it ran
//	IN_PROGRESS      -> SUCCEEDED         every phase succeeded
//	IN_PROGRESS      -> FAILED            a phase failed
//	IN_PROGRESS      -> TIMED_OUT         a phase or the release ran past its timeout
//	IN_PROGRESS      -> ABORTED           a user aborted it while it ran
//	IN_PROGRESS      -> STOPPED           its worker shut down or its lease expired
//	IN_PROGRESS      -> PENDING_APPROVAL  a phase that needs approval was reached
//	PENDING_APPROVAL -> QUEUED            approved: it waits for a worker again
//	PENDING_APPROVAL -> REJECTED          rejected
//	PENDING_APPROVAL -> ABORTED           a user aborted it while it waited
var transitions = map[Status][]Status{
	StatusQueued:          {StatusInProgress, StatusAborted},
	StatusInProgress:      {StatusSucceeded, StatusFailed, StatusTimedOut, StatusAborted, StatusStopped, StatusPendingApproval},
	StatusPendingApproval: {StatusQueued, StatusRejected, StatusAborted},
}

// Created checks the status a new release is stored in. A release to be
// run is born QUEUED; a plan recorded from elsewhere (recorded) ran before
// shiplog saw it, so it is born finished in its outcome, SUCCEEDED or
// FAILED, and never passes through QUEUED or IN_PROGRESS.
func Created(s Status, recorded bool) error {
	switch {
	case !recorded && s == StatusQueued:
		return nil
	case recorded && (s == StatusSucceeded || s == StatusFailed):
		return nil
	case recorded:
		return fmt.Errorf("a recorded plan is created SUCCEEDED or FAILED, not %s", s)
	}
	return fmt.Errorf("a release is created QUEUED, not %s", s)
}

// ParseStatus turns a stored or user-given string into a Status.
func ParseStatus(s string) (Status, error) {
	st := Status(s)
	if !st.Valid() {
		return "", fmt.Errorf("unknown release status %q (want one of %v)", s, Statuses)
	}
	return st, nil
}

// Valid reports whether s is one of the nine statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Terminal reports whether a release in s is finished for good.
func (s Status) Terminal() bool {
	switch s {
	case StatusSucceeded, StatusFailed, StatusAborted, StatusRejected, StatusTimedOut, StatusStopped:
		return true
	}
	return false
}

// Settled reports whether nothing more happens to a release in s until
// someone acts: it is finished, or it waits for an approval decision.
func (s Status) Settled() bool { return s.Terminal() || s == StatusPendingApproval }

// Active reports whether a release in s holds its environment: at most one
// release per environment may be active at a time.
func (s Status) Active() bool { return s == StatusInProgress }

// CanTransition reports whether moving from s to next is legal.
func (s Status) CanTransition(next Status) bool {
	return slices.Contains(transitions[s], next)
}

// TransitionError is returned for a move the table does not allow.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	if e.From.Terminal() {
		return fmt.Sprintf("release status cannot change from %s to %s: %s is final", e.From, e.To, e.From)
	}
	return fmt.Sprintf("release status cannot change from %s to %s", e.From, e.To)
}

// Transition checks the move from -> to and returns a *TransitionError when it
// is not in the table (or either side is not a status at all).
func Transition(from, to Status) error {
	if !from.Valid() {
		return fmt.Errorf("release status cannot change from %q: not a status", string(from))
	}
	if !to.Valid() {
		return fmt.Errorf("release status cannot change to %q: not a status", string(to))
	}
	if !from.CanTransition(to) {
		return &TransitionError{From: from, To: to}
	}
	return nil
}

// Next lists the statuses reachable from s in one move.
func (s Status) Next() []Status { return slices.Clone(transitions[s]) }

// Phase statuses move with the release's: when a release reaches a final
// status, its phases that had not ended end with it, in the same
// transaction (store.Transition, store.ReapExpired). A phase still running
// ends as RunningPhaseEnd says; a phase that never started (PENDING, or
// PENDING_APPROVAL: the release waited for a decision) is SKIPPED.

// RunningPhaseEnd is the status a phase still IN_PROGRESS ends in when its
// release moves to final status s; false when s is not final.
func (s Status) RunningPhaseEnd() (PhaseStatus, bool) {
	switch s {
	case StatusSucceeded:
		return PhaseSucceeded, true
	case StatusFailed:
		return PhaseFailed, true
	case StatusAborted:
		return PhaseAborted, true
	case StatusTimedOut:
		return PhaseTimedOut, true
	case StatusStopped:
		return PhaseStopped, true
	case StatusRejected:
		// no phase runs while a release waits for approval; one left
		// running by a lost write ended before the release was parked
		return PhaseStopped, true
	}
	return "", false
}

// Unstarted lists the phase statuses of a phase that has not started:
// SKIPPED when its release ends.
var Unstarted = []PhaseStatus{PhasePending, PhasePendingApproval}

// PhaseStatuses lists every phase status in a stable order.
var PhaseStatuses = []PhaseStatus{
	PhasePending, PhaseInProgress, PhasePendingApproval, PhaseSucceeded, PhaseFailed,
	PhaseAborted, PhaseTimedOut, PhaseStopped, PhaseSkipped,
}

// Final reports whether a phase in p has ended for good.
func (p PhaseStatus) Final() bool {
	return p.Valid() && p != PhaseInProgress && !slices.Contains(Unstarted, p)
}

// Valid reports whether p is one of the phase statuses.
func (p PhaseStatus) Valid() bool { return slices.Contains(PhaseStatuses, p) }
