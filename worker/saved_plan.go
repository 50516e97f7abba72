package worker

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is the worker's side of applying a reviewed plan later: the
// check, before anything runs, that the saved plan may still be applied,
// and which release's plan file an apply phase takes.

// checkSavedPlan refuses a release that applies another release's saved
// plan when that plan may no longer be applied (release.MayApplySavedPlan:
// its release did not succeed, another release applied it or is applying
// it, or the environment's state moved since it was planned). It runs before the working copy is made and before any
// terraform command; the age limit was checked when the release was made.
func (ru *run) checkSavedPlan(ctx context.Context) error {
	if ru.r.AppliesPlanOf == nil {
		return nil
	}
	st := ru.w.cfg.Store
	id := *ru.r.AppliesPlanOf
	plan, err := st.GetRelease(ctx, id)
	if err != nil {
		return fmt.Errorf("reading release %d, whose plan this release applies: %w", id, err)
	}
	saved, err := st.SavedPlan(ctx, id)
	if err != nil {
		return err
	}
	if saved != nil {
		// Of the other applies of the plan, those still queued do not stand
		// in the way: the first to run applies it, and the rest then find
		// it applied.
		saved.Applies = slices.DeleteFunc(saved.Applies, func(a release.PlanApply) bool {
			return a.ID == ru.r.ID || a.Status == release.StatusQueued
		})
	}
	if err := release.MayApplySavedPlan(*plan, saved, time.Now(), 0); err != nil {
		return fmt.Errorf("refused before terraform ran: %w", err)
	}
	ru.sys("", "applying the plan release %d saved (phase %s, sha256 %s), made against %s",
		id, saved.Phase, saved.SHA256[:16], stateWords(saved.AtPlan))
	ru.planned = true
	return nil
}

// planSource is the release whose saved plan this run's apply takes.
func (ru *run) planSource() int64 {
	if ru.r.AppliesPlanOf != nil {
		return *ru.r.AppliesPlanOf
	}
	return ru.r.ID
}

func stateWords(v *release.StateVersion) string {
	if v == nil {
		return "no state kept by shiplog"
	}
	return fmt.Sprintf("state serial %d (lineage %s)", v.Serial, v.Lineage)
}
