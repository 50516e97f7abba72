package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// This file is the one place shiplog invokes terraform.

// terraform runs terraform commands for one phase in one working copy,
// with an explicit environment: never the worker's own, never the store's
// credentials.
type terraform struct {
	execPath string
	dir      string
	env      map[string]string
	grace    time.Duration

	// one is the tfexec value every command of this working copy runs
	// through: tfexec asks `terraform version -json` once per value and
	// caches the answer, so one value per working copy asks once per
	// release instead of once per command.
	one *tfexec.Terraform
}

// output is where one terraform command writes: a phase's log streams.
type output struct {
	stdout io.Writer
	stderr io.Writer
}

// tf returns the working copy's tfexec.Terraform set to write to out. A
// release's commands run one after another, never at once, so the one
// value is safe to redirect per command.
func (t *terraform) tf(out output) (*tfexec.Terraform, error) {
	if t.one == nil {
		tf, err := tfexec.NewTerraform(t.dir, t.execPath)
		if err != nil {
			return nil, fmt.Errorf("preparing terraform in %s: %w", t.dir, err)
		}
		if err := tf.SetEnv(t.env); err != nil {
			return nil, fmt.Errorf("terraform environment: %w", err)
		}
		// On cancellation tfexec sends SIGINT; after the grace period, SIGKILL.
		if err := tf.SetWaitDelay(t.grace); err != nil {
			return nil, err
		}
		t.one = tf
	}
	tf := t.one
	tf.SetStdout(out.stdout)
	tf.SetStderr(out.stderr)
	return tf, nil
}

// checkTerraform finds the terraform binary and asks its version, so a
// worker without terraform fails at start, not on every release.
func checkTerraform(ctx context.Context, path string) (string, string, error) {
	if path == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			return "", "", errors.New("terraform is not installed or not on PATH: install terraform >= 1.5 (or `go install github.com/hashicorp/terraform@v1.5.7`), or pass --terraform PATH")
		}
		path = p
	}
	tf, err := tfexec.NewTerraform(os.TempDir(), path)
	if err != nil {
		return "", "", fmt.Errorf("terraform at %s: %w", path, err)
	}
	if err := tf.SetEnv(map[string]string{"PATH": "/usr/bin:/bin", "CHECKPOINT_DISABLE": "1"}); err != nil {
		return "", "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, _, err := tf.Version(ctx, true)
	if err != nil {
		return "", "", fmt.Errorf("terraform at %s does not run: %w", path, err)
	}
	return path, v.String(), nil
}

func (t *terraform) init(ctx context.Context, out output, backendConfig string) error {
	tf, err := t.tf(out)
	if err != nil {
		return err
	}
	// tfexec checks the version before init, printing it to the command's
	// stdout; ask first, with no stdout set (the answer is cached), so the
	// log shows only init's own output.
	tf.SetStdout(io.Discard)
	if _, _, err := tf.Version(ctx, false); err != nil {
		return fmt.Errorf("terraform version: %w", err)
	}
	tf.SetStdout(out.stdout)
	return tf.Init(ctx, initOptions(backendConfig)...)
}

// initOptions are init's arguments: no upgrade, and shiplog's backend
// config file when it supplies the backend.
func initOptions(backendConfig string) []tfexec.InitOption {
	opts := []tfexec.InitOption{tfexec.Upgrade(false)}
	if backendConfig != "" {
		opts = append(opts, tfexec.BackendConfig(backendConfig))
	}
	return opts
}

type planOptions struct {
	out         string
	varFile     string
	targets     []string
	refresh     *bool
	parallelism int
	destroy     bool
}

func (t *terraform) plan(ctx context.Context, out output, o planOptions) error {
	tf, err := t.tf(out)
	if err != nil {
		return err
	}
	_, err = tf.Plan(ctx, o.options()...)
	return err
}

// options are plan's arguments for o.
func (o planOptions) options() []tfexec.PlanOption {
	opts := []tfexec.PlanOption{tfexec.Out(o.out), tfexec.Destroy(o.destroy)}
	if o.varFile != "" {
		opts = append(opts, tfexec.VarFile(o.varFile))
	}
	for _, target := range o.targets {
		opts = append(opts, tfexec.Target(target))
	}
	if o.refresh != nil {
		opts = append(opts, tfexec.Refresh(*o.refresh))
	}
	if o.parallelism > 0 {
		opts = append(opts, tfexec.Parallelism(o.parallelism))
	}
	return opts
}

func (t *terraform) apply(ctx context.Context, out output, planFile string, parallelism int) error {
	tf, err := t.tf(out)
	if err != nil {
		return err
	}
	return tf.Apply(ctx, applyOptions(planFile, parallelism)...)
}

// applyOptions are apply's arguments: exactly the saved plan file.
func applyOptions(planFile string, parallelism int) []tfexec.ApplyOption {
	opts := []tfexec.ApplyOption{tfexec.DirOrPlan(planFile)}
	if parallelism > 0 {
		opts = append(opts, tfexec.Parallelism(parallelism))
	}
	return opts
}

func (t *terraform) stateMv(ctx context.Context, out output, from, to string) error {
	tf, err := t.tf(out)
	if err != nil {
		return err
	}
	return tf.StateMv(ctx, from, to)
}

func (t *terraform) stateRm(ctx context.Context, out output, addr string) error {
	tf, err := t.tf(out)
	if err != nil {
		return err
	}
	return tf.StateRm(ctx, addr)
}

func (t *terraform) importResource(ctx context.Context, out output, addr, id, varFile string) error {
	tf, err := t.tf(out)
	if err != nil {
		return err
	}
	return tf.Import(ctx, addr, id, importOptions(varFile)...)
}

// importOptions are import's arguments: the run's var file, if any.
func importOptions(varFile string) []tfexec.ImportOption {
	var opts []tfexec.ImportOption
	if varFile != "" {
		opts = append(opts, tfexec.VarFile(varFile))
	}
	return opts
}

// showJSON runs `terraform show -json PLANFILE` (the state's when planFile
// is "") and hands its output to
// consume as a stream. tfexec's ShowPlanFile/ShowPlanFileRaw hold the whole
// document in memory, which a 100,000-resource plan must not need, so this
// one command is run directly, with the same explicit environment.
// What show writes on stderr also goes to stderrTo.
func (t *terraform) showJSON(ctx context.Context, stderrTo io.Writer, planFile string, consume func(io.Reader) error) error {
	cmd := exec.CommandContext(ctx, t.execPath, showArgs(planFile)...)
	cmd.Dir = t.dir
	cmd.Env = t.showEnv()
	cmd.SysProcAttr = childAttr()
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = t.grace
	var stderr strings.Builder
	cmd.Stderr = io.MultiWriter(stderrTo, &stderr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("terraform show: %w", err)
	}
	// show runs alongside the next phase: let that phase's terraform go first.
	lowerPriority(cmd.Process.Pid)
	consumeErr := consume(out)
	// Drain whatever the consumer left so terraform can exit.
	io.Copy(io.Discard, out)
	waitErr := cmd.Wait()
	if waitErr != nil {
		return fmt.Errorf("terraform show -json %s: %w\n%s", filepath.Base(planFile), waitErr, strings.TrimSpace(stderr.String()))
	}
	return consumeErr
}

// showArgs are the arguments of `terraform show -json` for planFile, or
// for the current state when planFile is "".
func showArgs(planFile string) []string {
	if planFile == "" {
		return []string{"show", "-json", "-no-color"}
	}
	return []string{"show", "-json", "-no-color", planFile}
}

// showEnv is show's environment: the phase's, and TF_IN_AUTOMATION as
// tfexec would set it.
func (t *terraform) showEnv() []string {
	return append(t.envList(), "TF_IN_AUTOMATION=1")
}

// envList is the explicit environment as KEY=VALUE strings.
func (t *terraform) envList() []string {
	out := make([]string, 0, len(t.env))
	for k, v := range t.env {
		out = append(out, k+"="+v)
	}
	return out
}
