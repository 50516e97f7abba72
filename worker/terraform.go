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
	"syscall"
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
	stdout   io.Writer
	stderr   io.Writer
}

// tf returns a fresh tfexec.Terraform for one phase.
func (t *terraform) tf(ctx context.Context) (*tfexec.Terraform, error) {
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
	tf.SetStdout(t.stdout)
	tf.SetStderr(t.stderr)
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

func (t *terraform) init(ctx context.Context, backendConfig string) error {
	tf, err := t.tf(ctx)
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
	tf.SetStdout(t.stdout)
	opts := []tfexec.InitOption{tfexec.Upgrade(false)}
	if backendConfig != "" {
		opts = append(opts, tfexec.BackendConfig(backendConfig))
	}
	return tf.Init(ctx, opts...)
}

type planOptions struct {
	out         string
	varFile     string
	targets     []string
	refresh     *bool
	parallelism int
	destroy     bool
}

func (t *terraform) plan(ctx context.Context, o planOptions) error {
	tf, err := t.tf(ctx)
	if err != nil {
		return err
	}
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
	_, err = tf.Plan(ctx, opts...)
	return err
}

func (t *terraform) apply(ctx context.Context, planFile string, parallelism int) error {
	tf, err := t.tf(ctx)
	if err != nil {
		return err
	}
	opts := []tfexec.ApplyOption{tfexec.DirOrPlan(planFile)}
	if parallelism > 0 {
		opts = append(opts, tfexec.Parallelism(parallelism))
	}
	return tf.Apply(ctx, opts...)
}

func (t *terraform) stateMv(ctx context.Context, from, to string) error {
	tf, err := t.tf(ctx)
	if err != nil {
		return err
	}
	return tf.StateMv(ctx, from, to)
}

func (t *terraform) stateRm(ctx context.Context, addr string) error {
	tf, err := t.tf(ctx)
	if err != nil {
		return err
	}
	return tf.StateRm(ctx, addr)
}

func (t *terraform) importResource(ctx context.Context, addr, id, varFile string) error {
	tf, err := t.tf(ctx)
	if err != nil {
		return err
	}
	var opts []tfexec.ImportOption
	if varFile != "" {
		opts = append(opts, tfexec.VarFile(varFile))
	}
	return tf.Import(ctx, addr, id, opts...)
}

// showJSON runs `terraform show -json PLANFILE` and hands its output to
// consume as a stream. tfexec's ShowPlanFile/ShowPlanFileRaw hold the whole
// document in memory, which a 100,000-resource plan must not need, so this
// one command is run directly, with the same explicit environment.
func (t *terraform) showJSON(ctx context.Context, planFile string, consume func(io.Reader) error) error {
	cmd := exec.CommandContext(ctx, t.execPath, "show", "-json", "-no-color", planFile)
	cmd.Dir = t.dir
	cmd.Env = t.envList()
	cmd.Env = append(cmd.Env, "TF_IN_AUTOMATION=1")
	cmd.SysProcAttr = childAttr()
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = t.grace
	var stderr strings.Builder
	cmd.Stderr = io.MultiWriter(t.stderr, &stderr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("terraform show: %w", err)
	}
	// show runs alongside the next phase: let that phase's terraform go first.
	syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, 10)
	consumeErr := consume(out)
	// Drain whatever the consumer left so terraform can exit.
	io.Copy(io.Discard, out)
	waitErr := cmd.Wait()
	if waitErr != nil {
		return fmt.Errorf("terraform show -json %s: %w\n%s", filepath.Base(planFile), waitErr, strings.TrimSpace(stderr.String()))
	}
	return consumeErr
}

func (t *terraform) envList() []string {
	out := make([]string, 0, len(t.env))
	for k, v := range t.env {
		out = append(out, k+"="+v)
	}
	return out
}
