package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is what each phase action does: init, plan, apply, run (a
// command); migrate is in migrate.go.

// action does what the phase's action says, writing to out.
func (ru *run) action(ctx context.Context, p release.Phase, out output) error {
	if p.Action != release.ActionInit && p.Action != release.ActionRun {
		if err := ru.ensureInitialized(ctx, p.Name, out); err != nil {
			return err
		}
	}
	switch p.Action {
	case release.ActionInit:
		return ru.tf.init(ctx, out, ru.backendConfig)
	case release.ActionPlan, release.ActionDestroyPlan:
		return ru.plan(ctx, p, out)
	case release.ActionApply:
		return ru.apply(ctx, p, out)
	case release.ActionMigrate:
		return ru.migrate(ctx, p, out)
	case release.ActionRun:
		return ru.command(ctx, p, out)
	case release.ActionPolicy:
		return ru.policyPhase(ctx, p, out)
	}
	return fmt.Errorf("unknown action %q", p.Action)
}

// ensureInitialized runs init when a working copy was made afresh (a
// release resumed on another worker after approval).
func (ru *run) ensureInitialized(ctx context.Context, phase string, out output) error {
	if _, err := os.Stat(filepath.Join(ru.config, ".terraform")); err == nil {
		return nil
	}
	hasInit := false
	for _, p := range ru.r.Phases {
		hasInit = hasInit || p.Action == release.ActionInit
	}
	if !hasInit {
		return nil
	}
	ru.sys(phase, "working copy is new on this worker: running terraform init first")
	return ru.tf.init(ctx, out, ru.backendConfig)
}

// planOptions are the plan's options for phase p of this run.
func (ru *run) planOptions(p release.Phase) (planOptions, error) {
	o := planOptions{out: filepath.Join(ru.state, p.Name+".tfplan"), varFile: ru.varFile, refresh: p.Options.Refresh,
		parallelism: p.Options.Parallelism, destroy: p.Action == release.ActionDestroyPlan}
	if p.Options.TargetsFromRelease {
		if len(ru.r.Targets) == 0 {
			return o, errors.New("the phase uses targets: fromRelease but the release has no targets")
		}
		o.targets = ru.r.Targets
	}
	return o, nil
}

// plan makes and stores the plan; its changes are recorded in the
// background (ingest.go).
func (ru *run) plan(ctx context.Context, p release.Phase, out output) error {
	st := ru.w.cfg.Store
	o, err := ru.planOptions(p)
	if err != nil {
		return err
	}
	// The plan holds the variables' values: 0600 from the start (terraform
	// truncates the file and keeps its mode) and after.
	if err := ru.writeOwnFile(o.out, nil); err != nil {
		return fmt.Errorf("creating the plan file: %w", err)
	}
	if err := ru.tf.plan(ctx, out, o); err != nil {
		return err
	}
	data, err := readOwnFile(o.out)
	if err != nil {
		return fmt.Errorf("reading the plan file: %w", err)
	}
	sum, err := st.SavePlanFile(ctx, ru.r.ID, p.Name, data)
	if err != nil {
		return err
	}
	if err := st.RecordPlanState(ctx, ru.r.ID, p.Name); err != nil {
		return err
	}
	ru.sys(p.Name, "plan saved (%d bytes, sha256 %s)", len(data), sum[:16])
	ru.planned = true
	ru.ingest.plan(ru.tf, p.Name, o.out, ru.state, ru.masks)
	return nil
}

// apply applies exactly the stored plan.
func (ru *run) apply(ctx context.Context, p release.Phase, out output) error {
	data, sum, from, err := ru.w.cfg.Store.PlanFile(ctx, ru.planSource(), "")
	if err != nil {
		return err
	}
	path := filepath.Join(ru.state, "apply.tfplan")
	if err := ru.writeOwnFile(path, data); err != nil {
		return fmt.Errorf("writing the saved plan: %w", err)
	}
	ru.sys(p.Name, "applying the plan saved by phase %s (sha256 %s)", from, sum[:16])
	if ru.r.Type != release.TypePlan {
		// once the changes are recorded, their resources are in progress
		ru.ingest.then(func(ctx context.Context) {
			if outcomes, err := ru.changedResources(ctx); err == nil {
				ru.w.cfg.Store.RecordResourceStatus(ctx, ru.r.ID, outcomes, release.ResourceInProgress)
			}
		})
	}
	ru.applying = true
	if err := ru.tf.apply(ctx, out, path, p.Options.Parallelism); err != nil {
		return err
	}
	// once the plan's changes are recorded, what the apply left goes next to them
	ru.ingest.then(func(ctx context.Context) { ru.recordApplied(ctx, p.Name, from) })
	return nil
}

// commandPath is the program a `run` phase names, as it is started: a
// bare name is looked up on PATH, a relative path is in the working copy.
func commandPath(name, config string) string {
	if !strings.ContainsRune(name, '/') {
		if lp, err := exec.LookPath(name); err == nil {
			return lp
		}
		return name
	}
	if !filepath.IsAbs(name) {
		return filepath.Join(config, name)
	}
	return name
}

// command runs a `run` phase's command in the working copy.
func (ru *run) command(ctx context.Context, p release.Phase, out output) error {
	cmd := exec.CommandContext(ctx, commandPath(p.Options.Command, ru.config), p.Options.Args...)
	cmd.Dir = ru.config
	cmd.Env = ru.tf.envList()
	cmd.Stdout, cmd.Stderr = out.stdout, out.stderr
	cmd.SysProcAttr = childAttr()
	runAs(cmd, ru.tfUser)
	cmd.Cancel = func() error { return interruptGroup(cmd.Process.Pid) }
	cmd.WaitDelay = ru.w.cfg.Grace
	err := cmd.Run()
	if cmd.Process != nil {
		// whatever the command started and left behind goes with it
		killGroup(cmd.Process.Pid)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p.Options.Command, err)
	}
	return nil
}
