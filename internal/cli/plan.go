package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// planCmd groups the plan subcommands.
type planCmd struct {
	Diff planDiffCmd `cmd:"" help:"Print a plan's resource changes."`
}

type planDiffCmd struct {
	File   string `arg:"" help:"Plan JSON from 'terraform show -json PLANFILE' ('-' for standard input)."`
	Output string `short:"o" enum:"table,json" default:"table" help:"Output format: table or json."`
	JSON   bool   `name:"json" help:"Same as -o json (kept for scripts that use it)."`
	All    bool   `help:"List no-op changes too (they are always counted)."`
	Color  string `enum:"auto,always,never" default:"auto" help:"Colour the table: ${enum} (auto: when standard output is a terminal and NO_COLOR is unset)."`
	// DetailedExitCode is terraform plan's -detailed-exitcode.
	DetailedExitCode bool `name:"detailed-exitcode" help:"Exit 0 when the plan changes nothing, 2 when it has changes, 1 on an error or a plan Terraform could not complete (as terraform plan -detailed-exitcode)."`
}

// Exit codes of `shiplog plan diff --detailed-exitcode`, terraform's.
const (
	ExitPlanNoChanges = 0
	ExitPlanError     = 1
	ExitPlanChanges   = 2
)

// changeCounter passes changes on to a Renderer and counts those that make
// the plan applyable: every listed change but drift (changes made outside
// Terraform, which the plan only reports).
type changeCounter struct {
	plan.Renderer
	changes int
	header  plan.Header
}

func (c *changeCounter) Write(h plan.Header, ch release.Change) error {
	if ch.Kind != release.KindDrift && ch.Listed() {
		c.changes++
	}
	return c.Renderer.Write(h, ch)
}

func (c *changeCounter) Close(h plan.Header) error {
	c.header = h
	return c.Renderer.Close(h)
}

// exitCode is --detailed-exitcode's verdict on a plan read whole: what
// the plan says (applyable, Terraform 1.8+) or else whether it changes
// anything; an errored plan is an error.
func (c *changeCounter) exitCode() error {
	switch {
	case c.header.Errored:
		return &ExitError{Code: ExitPlanError, Err: errors.New("the plan errored: Terraform could not complete it")}
	case c.header.Applyable != nil && *c.header.Applyable, c.header.Applyable == nil && c.changes > 0:
		return &ExitError{Code: ExitPlanChanges}
	}
	return nil
}

// Run streams the plan: neither the input nor the output is held whole.
func (c *planDiffCmd) Run(g *Globals) error {
	var in io.Reader = os.Stdin
	name := "standard input"
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			return fmt.Errorf("reading the plan: %w", err)
		}
		defer f.Close()
		in, name = f, c.File
	}
	br := bufio.NewReader(in)
	if magic, _ := br.Peek(4); string(magic) == "PK\x03\x04" {
		return fmt.Errorf("%s is a binary plan file (terraform plan -out): give plan diff its JSON, from terraform show -json %s > plan.json", name, name)
	}
	// plan.Open reads the plan twice: a file (or standard input redirected
	// from one) again from the start, anything else from a temporary copy.
	if f, ok := in.(*os.File); !ok || seekBack(f, br) != nil {
		in = br
	}
	opts := plan.RenderOptions{All: c.All}
	var out plan.Renderer
	if c.JSON || c.Output == "json" {
		out = plan.NewJSONWriter(g.Stdout(), opts)
	} else {
		opts.Color = useColor(c.Color, g.Stdout())
		out = plan.NewTableWriter(g.Stdout(), opts)
	}
	counter := &changeCounter{Renderer: out}
	rd, done := plan.Open(in, "")
	defer done()
	if err := plan.Render(g.Context(), rd, counter); err != nil {
		if errors.Is(err, plan.ErrNotPlan) || errors.Is(err, plan.ErrSyntax) {
			return fmt.Errorf("reading the plan from %s: %w (plan diff reads the output of terraform show -json PLANFILE)", name, err)
		}
		return fmt.Errorf("reading the plan from %s: %w", name, err)
	}
	if c.DetailedExitCode {
		return counter.exitCode()
	}
	return nil
}

// seekBack moves the regular file f back over what br has buffered and
// not returned, so that f reads from where br would.
func seekBack(f *os.File, br *bufio.Reader) error {
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	_, err := f.Seek(-int64(br.Buffered()), io.SeekCurrent)
	return err
}

// useColor decides --color: auto colours a terminal unless NO_COLOR is set.
func useColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
