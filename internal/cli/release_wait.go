package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is `shiplog release logs` and `shiplog release wait`: following
// a release's log and waiting for its end, with wait's exit codes.

// Exit codes of `shiplog release wait`.
const (
	ExitFailed   = 10 // the release FAILED
	ExitAborted  = 11 // ABORTED
	ExitRejected = 12 // REJECTED at approval
	ExitTimedOut = 13 // TIMED_OUT (a phase or the release ran too long)
	ExitStopped  = 14 // STOPPED (its worker shut down or vanished)
	ExitGaveUp   = 15 // the wait ended (--timeout, or interrupted) before the release did
)

// exitCodes maps final statuses to wait's exit codes.
var exitCodes = map[release.Status]int{
	release.StatusSucceeded: 0,
	release.StatusFailed:    ExitFailed,
	release.StatusAborted:   ExitAborted,
	release.StatusRejected:  ExitRejected,
	release.StatusTimedOut:  ExitTimedOut,
	release.StatusStopped:   ExitStopped,
}

type releaseLogsCmd struct {
	apiFlags
	ID     int64  `arg:"" help:"Release ID."`
	Follow bool   `short:"f" help:"Follow the log live until the release ends, reconnecting (and resuming) as needed."`
	Phase  string `help:"Only this phase's lines (without --follow)."`
	After  int64  `help:"Start after this line (seq)."`
}

func (c *releaseLogsCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	print := func(e release.LogEntry) error {
		if s.json {
			b, err := jsonLine(e)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(s.out, "%s\n", b)
			return err
		}
		_, err := fmt.Fprintln(s.out, e.Text)
		return err
	}
	if c.Follow {
		if c.Phase != "" {
			return errors.New("--phase cannot be combined with --follow")
		}
		return followLogs(g.Context(), s.c, g, c.ID, c.After, print)
	}
	f := client.LogFilter{Phase: c.Phase, Limit: 500}
	if c.After > 0 {
		f.Cursor = fmt.Sprint(c.After)
	}
	for {
		p, err := s.c.ListLogs(g.Context(), c.ID, f)
		if err != nil {
			return err
		}
		for _, e := range p.Entries {
			if err := print(e); err != nil {
				return err
			}
		}
		if p.NextCursor == "" {
			return nil
		}
		f.Cursor = p.NextCursor
	}
}

// followLogs streams a release's log from after, resuming from the last
// line seen whenever the connection breaks, until the release has ended and
// every line was printed.
func followLogs(ctx context.Context, c *client.Client, g *Globals, id, after int64, fn func(release.LogEntry) error) error {
	last := after
	backoff := 250 * time.Millisecond
	for {
		cursor := ""
		if last > 0 {
			cursor = fmt.Sprint(last)
		}
		err := c.StreamLogs(ctx, id, cursor, func(e release.LogEntry) error {
			if e.Seq <= last {
				return nil // already printed
			}
			last = e.Seq
			backoff = 250 * time.Millisecond
			return fn(e)
		})
		if err == nil || ctx.Err() != nil {
			return err
		}
		if ce, ok := client.AsError(err); ok && ce.Status >= 400 && ce.Status < 500 {
			return err // not found, not allowed: retrying will not help
		}
		g.Logger().Debug("log stream broke; resuming", "release", id, "after", last, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

type releaseWaitCmd struct {
	apiFlags
	ID       int64         `arg:"" help:"Release ID."`
	Within   time.Duration `name:"within" default:"0" help:"Give up after this long (0: wait for as long as it takes)."`
	Interval time.Duration `default:"2s" help:"How often to look."`
}

// Help is shown by `shiplog release wait --help`.
func (c *releaseWaitCmd) Help() string {
	return `Waits until the release has finished and prints it. On a terminal it shows
progress (status and phase) on standard error. Requests that fail (the server
restarting, the network) are retried until --within runs out.

Exit codes:
   0  SUCCEEDED
  10  FAILED
  11  ABORTED
  12  REJECTED (at approval)
  13  TIMED_OUT
  14  STOPPED (its worker shut down or vanished)
  15  gave up waiting (--within ran out, or interrupted) before it finished
   1  any other error (unknown release, bad token, ...)`
}

func (c *releaseWaitCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	ctx := g.Context()
	if c.Within > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Within)
		defer cancel()
	}
	interval := max(c.Interval, 50*time.Millisecond)
	var shown string
	var r *release.Release
	for {
		r, err = s.c.GetRelease(ctx, c.ID)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return s.gaveUp(c.ID, r, shown)
		default:
			if ce, ok := client.AsError(err); ok && ce.Status >= 400 && ce.Status < 500 {
				return err
			}
			g.Logger().Debug("waiting: the server did not answer; trying again", "error", err)
		}
		if r != nil {
			line := progressLine(r)
			if line != shown && s.progress != nil {
				fmt.Fprintf(s.progress, "\r\033[K%s", line)
			}
			shown = line
			if r.Status.Terminal() {
				if s.progress != nil {
					fmt.Fprintln(s.progress)
				}
				break
			}
		}
		select {
		case <-ctx.Done():
			return s.gaveUp(c.ID, r, shown)
		case <-time.After(interval):
		}
	}
	if err := s.showRelease(r); err != nil {
		return err
	}
	code := exitCodes[r.Status]
	if code == 0 {
		return nil
	}
	msg := fmt.Sprintf("release %d %s", r.ID, r.Status)
	if first, _, _ := strings.Cut(strings.TrimSpace(r.ErrorLog), "\n"); first != "" {
		msg += ": " + first
	}
	return &ExitError{Code: code, Err: errors.New(msg)}
}

func (s *apiSession) gaveUp(id int64, r *release.Release, shown string) error {
	if s.progress != nil && shown != "" {
		fmt.Fprintln(s.progress)
	}
	status := "not seen"
	if r != nil {
		status = string(r.Status)
	}
	return &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("gave up waiting for release %d (last seen %s)", id, status)}
}

// progressLine says where a release is: its status and current phase.
func progressLine(r *release.Release) string {
	line := fmt.Sprintf("release %d %s", r.ID, r.Status)
	for _, p := range r.Phases {
		if p.Status == release.PhaseInProgress || p.Status == release.PhasePendingApproval {
			line += fmt.Sprintf(": phase %s (%s) %s", p.Name, p.Action, p.Status)
		}
	}
	if r.Status == release.StatusPendingApproval {
		line += " — approve with: shiplog release approve " + fmt.Sprint(r.ID)
	}
	return line
}
