package release

import (
	"fmt"
	"slices"
	"time"
)

// This file holds the rules the API, the store and the worker all ask:
// whether a release stops for approval, and whether and how it may be
// aborted.

// NeedsApproval reports whether a release stops for approval before phase
// p in environment env (nil: no environment settings): the phase asks for
// it, or the environment does for applies.
func (p Phase) NeedsApproval(env *Environment) bool {
	return p.Options.ApprovalRequired || (env != nil && env.ApprovalRequired && p.Action == ActionApply)
}

// NeedsApproval reports whether a release of these phases in env will stop
// for approval at least once.
func NeedsApproval(env *Environment, phases []Phase) bool {
	return slices.ContainsFunc(phases, func(p Phase) bool { return p.NeedsApproval(env) })
}

// AbortWay is how an abort of a release is carried out.
type AbortWay int

const (
	// AbortRefused: the release is finished; there is nothing to abort.
	AbortRefused AbortWay = iota
	// AbortNow: nothing runs (QUEUED, PENDING_APPROVAL); the release moves
	// to ABORTED at once.
	AbortNow
	// AbortByRequest: a worker runs it (IN_PROGRESS); a stored request
	// asks that worker (or whichever picks it up) to stop it.
	AbortByRequest
)

// AbortWay says how an abort of a release in status s is carried out.
func (s Status) AbortWay() AbortWay {
	switch s {
	case StatusQueued, StatusPendingApproval:
		return AbortNow
	case StatusInProgress:
		return AbortByRequest
	}
	return AbortRefused
}

// AbortError says why a release may not be aborted now.
type AbortError struct {
	ID     int64
	Status Status
	// Requested is set when an abort was already asked for while it runs.
	Requested *AbortRequest
}

func (e *AbortError) Error() string {
	if e.Requested != nil {
		return fmt.Sprintf("release %d: %s already asked to abort it at %s", e.ID, e.Requested.By, e.Requested.At.Format(time.RFC3339))
	}
	return fmt.Sprintf("release %d is already finished (%s): there is nothing to abort", e.ID, e.Status)
}

// MayAbort returns nil when r may be aborted now, else an *AbortError: a
// finished release has nothing to abort, and a running one whose abort
// was already requested waits for its worker to honour that request. (A
// request stored while it ran but not yet honoured when it parked or
// re-queued does not block a new one: that one ends it at once.)
func (r *Release) MayAbort() error {
	switch {
	case r.Status.AbortWay() == AbortRefused:
		return &AbortError{ID: r.ID, Status: r.Status}
	case r.AbortRequested != nil && r.Status.AbortWay() == AbortByRequest:
		return &AbortError{ID: r.ID, Status: r.Status, Requested: r.AbortRequested}
	}
	return nil
}
