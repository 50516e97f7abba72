package worker

import (
	"context"
	"io"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// recordApplied records what a successful apply left, read back from the
// state it wrote (from the store when shiplog is the backend, else with
// `terraform show -json`): the applied values of the
// changes of the plan that was applied (made by phase planPhase) and the
// environment's output values. phase is the apply phase, whose log gets
// show's stderr and a line saying what was recorded. A failure is logged
// and leaves the planned values as they were: the apply itself succeeded.
func (ru *run) recordApplied(ctx context.Context, phase, planPhase string) {
	if err := ru.readApplied(ctx, phase, planPhase); err != nil {
		ru.sys(phase, "warning: the applied values were not recorded: %v", err)
		ru.log.Warn("recording applied values", "error", err)
	}
}

func (ru *run) readApplied(ctx context.Context, phase, planPhase string) error {
	st := ru.w.cfg.Store
	var changes []store.StoredChange
	f := store.ChangeFilter{Phase: planPhase, Limit: 5000}
	for {
		page, err := st.ListChanges(ctx, ru.r.ID, f)
		if err != nil {
			return err
		}
		for _, c := range page {
			switch c.Action {
			case release.ChangeCreate, release.ChangeUpdate, release.ChangeReplace:
				changes = append(changes, c)
			}
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.AfterPhase, f.AfterSeq = last.Phase, last.Seq
	}
	wanted := make(map[string]bool, len(changes))
	for _, c := range changes {
		wanted[c.Address] = true
	}
	want := func(addr string) bool { return wanted[addr] }
	var state *plan.State
	from := "terraform show -json"
	if ru.backend != nil {
		// shiplog is the backend: the state the apply pushed is in the
		// store (the release holds its lock), so read it there as a
		// stream instead of running terraform once more.
		_, _, r, err := st.OpenLatestState(ctx, ru.env.ID)
		if err != nil {
			return err
		}
		if r == nil {
			r = strings.NewReader(`{"version": 4, "resources": []}`) // nothing was ever pushed
		}
		if state, err = plan.ReadStateFile(r, want, ru.masks); err != nil {
			return err
		}
		from = "the state pushed to shiplog"
	} else {
		showErr := ru.logs.Stream(phase, release.Stderr)
		defer showErr.Flush()
		err := ru.tf.showJSON(ctx, showErr, "", func(r io.Reader) error {
			var err error
			state, err = plan.ReadState(r, want, ru.masks)
			return err
		})
		if err != nil {
			return err
		}
	}
	applied := changes[:0]
	for _, c := range changes {
		if res, ok := state.Resources[c.Address]; ok {
			c.Change = plan.WithApplied(c.Change, res, ru.masks)
			applied = append(applied, c)
		}
	}
	if err := st.SetApplied(ctx, ru.r.ID, applied); err != nil {
		return err
	}
	for i := range state.Outputs {
		state.Outputs[i].ReleaseID = ru.r.ID
	}
	if err := st.ReplaceOutputs(ctx, ru.r.ID, state.Outputs); err != nil {
		return err
	}
	ru.sys(phase, "applied values recorded from %s: %d changed resources, %d outputs", from, len(applied), len(state.Outputs))
	return nil
}
