package release

import (
	"fmt"
	"slices"
)

// This file holds the rules of a release stream: an environment names the
// environment upstream of it (Environment.Upstream), and a promotion runs
// downstream exactly what a release upstream ran.

// MayPromote says whether release up, of the upstream environment, may be
// promoted to environment down: up must be a SUCCEEDED APPLY of down's
// upstream that recorded its blueprint version, and, when down requires
// upstream sign-off, signed off APPROVED. The error says why not and what
// to do; a missing sign-off is a *SignOffNeededError.
func MayPromote(up Release, down Environment) error {
	switch {
	case down.Name == up.Environment:
		return fmt.Errorf("release %d is of %s itself: promote it to an environment downstream of %s (one whose upstream is %s)", up.ID, up.Environment, up.Environment, up.Environment)
	case down.Upstream == "":
		return fmt.Errorf("environment %s names no upstream environment: set its upstream (shiplog env update %s --upstream %s) to promote releases of %s to it",
			down.Name, down.Name, up.Environment, up.Environment)
	case down.Upstream != up.Environment:
		return fmt.Errorf("release %d is of environment %s, but %s's upstream is %s: promote a release of %s", up.ID, up.Environment, down.Name, down.Upstream, down.Upstream)
	case up.Status != StatusSucceeded:
		return fmt.Errorf("release %d is %s: only a SUCCEEDED release is promoted", up.ID, up.Status)
	case up.Type != TypeApply:
		return fmt.Errorf("release %d is of type %s: only a full APPLY carries a whole configuration to promote", up.ID, up.Type)
	case up.BlueprintVersion == "":
		return fmt.Errorf("release %d recorded no blueprint version: there is no configuration to promote", up.ID)
	}
	if down.RequireUpstreamSignOff && up.SignOff.Status != SignOffApproved {
		return &SignOffNeededError{Environment: down.Name, Upstream: up.Environment, Release: up.ID, SignOff: up.SignOff.Status}
	}
	return nil
}

// SignOffNeededError is a release refused because its environment takes
// only what was signed off upstream. Release names the upstream release
// to sign off (0 when no SUCCEEDED upstream release ran this
// configuration).
type SignOffNeededError struct {
	Environment, Upstream string
	Release               int64
	// SignOff is the upstream release's verdict so far ("" or REJECTED).
	SignOff SignOffStatus
	// Blueprint is the configuration asked for when Release is 0.
	Blueprint string
}

func (e *SignOffNeededError) Error() string {
	head := fmt.Sprintf("environment %s takes only what was signed off in %s", e.Environment, e.Upstream)
	switch {
	case e.Release != 0 && e.SignOff == SignOffRejected:
		return fmt.Sprintf("%s: release %d of %s was signed off REJECTED; promote a release of %s signed off APPROVED", head, e.Release, e.Upstream, e.Upstream)
	case e.Release != 0:
		return fmt.Sprintf("%s: release %d of %s is not signed off yet; sign it off (shiplog release signoff %d --status APPROVED), then promote it (shiplog release promote %d --to %s)",
			head, e.Release, e.Upstream, e.Release, e.Release, e.Environment)
	case e.Blueprint != "":
		return fmt.Sprintf("%s: no SUCCEEDED release of %s ran blueprint %s with these artifacts; promote a signed-off release of %s instead (shiplog release promote ID --to %s)",
			head, e.Upstream, e.Blueprint, e.Upstream, e.Environment)
	default:
		return fmt.Sprintf("%s: this release names no blueprint version, so what it would run was never signed off; promote a signed-off release of %s instead (shiplog release promote ID --to %s)",
			head, e.Upstream, e.Environment)
	}
}

// GatedBySignOff reports whether a release of type t and deployment type
// dt must carry a configuration signed off upstream in an environment
// that requires it: every release that changes the environment, except a
// ROLLBACK (which re-applies what the environment already ran) and a
// DESTROY (which brings nothing new). A PLAN changes nothing.
func GatedBySignOff(t Type, dt DeploymentType) bool {
	return t != TypePlan && t != TypeDestroy && dt != DeploymentRollback
}

// ArtifactIDs are the sorted IDs of stored artifacts (0 for one not stored
// yet), the form the sign-off check compares.
func ArtifactIDs(arts []Artifact) []int64 {
	ids := make([]int64, 0, len(arts))
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	return ids
}
