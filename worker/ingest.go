package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// ingester records a run's plans in the background: `terraform show
// -json` of a saved plan streamed through the plan parser into the store,
// alongside the next phases. wait joins every ingestion started so far,
// wherever the changes are needed and before the release ends: nothing of
// a run may outlive it.
type ingester struct {
	ctx     context.Context // the run's: ingestions outlive phases
	store   *store.Store
	id      int64 // the release
	logs    *LogWriter
	log     hclog.Logger
	pending []chan error
}

// plan starts recording the changes of planFile, saved by phase. Values
// in secrets are masked in the recorded fields; show's stderr goes to the
// phase's log. show's output is read once, or twice when the plan marks a
// value sensitive late (plan.OpenOnce), from a 0600 copy in spoolDir, the
// release's own state directory, removed once read.
func (in *ingester) plan(tf *terraform, phase, planFile, spoolDir string, secrets []string) {
	done := make(chan error, 1)
	in.pending = append(in.pending, done)
	showErr := in.logs.Stream(phase, release.Stderr)
	go func() {
		var summary release.Summary
		var err error
		// A database outage is waited out (the plan file is still on disk,
		// so show runs again); a plan terraform wrote but shiplog cannot
		// read is not retried.
		for attempt, backoff := 1, 200*time.Millisecond; ; attempt, backoff = attempt+1, min(backoff*2, 5*time.Second) {
			err = tf.showJSON(in.ctx, showErr, planFile, func(r io.Reader) error {
				rd, done := plan.OpenOnce(r, spoolDir, plan.WithSecrets(secrets))
				defer done()
				var err error
				summary, err = in.store.ReplaceChanges(in.ctx, in.id, phase, rd)
				return err
			})
			var perr *plan.Error
			if err == nil || errors.As(err, &perr) || in.ctx.Err() != nil || attempt == 12 {
				break
			}
			in.log.Warn("recording the plan's changes failed; trying again", "attempt", attempt, "error", err)
			select {
			case <-in.ctx.Done():
			case <-time.After(backoff):
			}
		}
		showErr.Flush()
		if err != nil {
			done <- fmt.Errorf("recording the changes of phase %s: %w", phase, err)
			return
		}
		in.logs.Line(phase, release.System, fmt.Sprintf("changes recorded: %d to create, %d to update, %d to replace, %d to delete (%d unchanged)",
			summary.Create, summary.Update, summary.Replace, summary.Delete, summary.NoOp))
		done <- nil
	}()
}

// then runs fn in the background once every ingestion started so far has
// succeeded; wait then joins fn, and reports their errors, in their place.
func (in *ingester) then(fn func(ctx context.Context)) {
	earlier := in.pending
	marked := make(chan error, 1)
	in.pending = []chan error{marked}
	go func() {
		var errs []error
		for _, done := range earlier {
			errs = append(errs, <-done)
		}
		if err := errors.Join(errs...); err != nil {
			marked <- err
			return
		}
		fn(in.ctx)
		marked <- nil
	}()
}

// wait waits for every ingestion started so far and returns their errors.
func (in *ingester) wait() error {
	var errs []error
	for _, done := range in.pending {
		errs = append(errs, <-done)
	}
	in.pending = nil
	return errors.Join(errs...)
}
