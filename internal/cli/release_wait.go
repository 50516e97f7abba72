package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Exit codes of `shiplog release wait` (and `release create --wait/--follow`).
const (
	ExitFailed          = 10 // the release FAILED
	ExitAborted         = 11 // ABORTED
	ExitRejected        = 12 // REJECTED at approval
	ExitTimedOut        = 13 // TIMED_OUT (a phase or the release ran too long)
	ExitStopped         = 14 // STOPPED (its worker shut down or vanished)
	ExitGaveUp          = 15 // the wait ended (--within, or interrupted) before the release did
	ExitPendingApproval = 16 // the release waits for approval (without --through-approval)
	ExitUnreachable     = 17 // the server did not answer for --retry-for (wrong endpoint, network down)
)

// defaultRetryFor is how long wait and logs --follow retry a server that
// does not answer before they give up with ExitUnreachable.
const defaultRetryFor = 5 * time.Minute

// KeepWaiting is what ExitCode gives for a status `release wait` does not
// stop at: the release has not finished yet.
const KeepWaiting = -1

// exitCodes says, for every release status, what `release wait` ends with:
// its exit code, or KeepWaiting. A status missing here (one added to
// internal/release, or one a newer server sends) ends the wait with exit
// code 1, never 0: TestEveryStatusIsHandled fails until it is added.
var exitCodes = map[release.Status]int{
	release.StatusQueued:          KeepWaiting,
	release.StatusInProgress:      KeepWaiting,
	release.StatusPendingApproval: ExitPendingApproval, // unless --through-approval
	release.StatusSucceeded:       0,
	release.StatusFailed:          ExitFailed,
	release.StatusAborted:         ExitAborted,
	release.StatusRejected:        ExitRejected,
	release.StatusTimedOut:        ExitTimedOut,
	release.StatusStopped:         ExitStopped,
}

// ExitCode is the exit code `shiplog release wait` ends with for a release
// in status s (ExitPendingApproval for PENDING_APPROVAL without
// --through-approval), or KeepWaiting while it has not finished. ok is false
// for a status this shiplog does not know: wait then stops with exit code 1.
func ExitCode(s release.Status) (code int, ok bool) {
	code, ok = exitCodes[s]
	return code, ok
}

// exitCodesHelp lists the exit codes for --help.
const exitCodesHelp = `Exit codes:
   0  SUCCEEDED
  10  FAILED
  11  ABORTED
  12  REJECTED (at approval)
  13  TIMED_OUT
  14  STOPPED (its worker shut down or vanished)
  15  gave up waiting (--within ran out, or interrupted) before it finished
  16  PENDING_APPROVAL: the release waits for a decision (not with --through-approval)
  17  the server could not be reached (no answer, or 5xx) for --retry-for
   1  any other error (unknown release, bad token, ...), or a status this
      shiplog does not know (a newer server's): never 0`

type releaseLogsCmd struct {
	apiFlags
	ID       int64         `arg:"" help:"Release ID."`
	Follow   bool          `short:"f" help:"Follow the log live until the release ends or waits for approval, reconnecting (and resuming) as needed."`
	Phase    string        `help:"Only this phase's lines (without --follow)."`
	After    int64         `help:"Start after this line (seq)."`
	RetryFor time.Duration `name:"retry-for" default:"5m" help:"With --follow: how long to keep retrying a server that does not answer (saying so on standard error) before giving up with exit 17."`
}

// Help is shown by `shiplog release logs --help`.
func (c *releaseLogsCmd) Help() string {
	return `Prints a release's log; --follow streams it live. A stream that breaks is
resumed after the last line printed; while the server does not answer, each
retry is reported on standard error, and after --retry-for without an answer
the command gives up with exit 17.`
}

func (c *releaseLogsCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	print := logPrinter(s.out, s.json)
	if c.Follow {
		if c.Phase != "" {
			return errors.New("--phase cannot be combined with --follow")
		}
		st, last, err := followLogs(g.Context(), s.c, g, c.ID, c.After, true, newRetrier(g.Stderr(), s.c.Endpoint(), c.RetryFor), print)
		if err != nil {
			return err
		}
		if st == release.StatusPendingApproval {
			fmt.Fprintln(g.Stderr(), approvalHint(c.ID, last))
		}
		return nil
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

// logPrinter prints log entries to w: JSON lines, or a time (local, to the
// millisecond), phase and text column.
func logPrinter(w io.Writer, asJSON bool) func(release.LogEntry) error {
	return func(e release.LogEntry) error {
		if asJSON {
			b, err := jsonLine(e)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(w, "%s\n", b)
			return err
		}
		_, err := fmt.Fprintf(w, "%s  %-10s  %s\n", e.Time.Local().Format("15:04:05.000"), e.Phase, e.Text)
		return err
	}
}

// approvalHint says how to go on with a release that waits for approval
// whose log was printed up to line last.
func approvalHint(id, last int64) string {
	return fmt.Sprintf("release %d waits for approval: shiplog release changes %d; shiplog release approve %d (or reject); "+
		"then shiplog release logs %d --follow --after %d", id, id, id, id, last)
}

// retrier bounds how long a command retries a server that does not answer,
// and says on standard error what it retries. Each answer starts the bound
// again.
type retrier struct {
	w        io.Writer
	endpoint string
	bound    time.Duration // 0: defaultRetryFor
	since    time.Time     // the first failure since the last answer; zero while answered
	now      func() time.Time
}

func newRetrier(w io.Writer, endpoint string, bound time.Duration) *retrier {
	if bound <= 0 {
		bound = defaultRetryFor
	}
	return &retrier{w: w, endpoint: endpoint, bound: bound, now: time.Now}
}

// answered says the server answered.
func (r *retrier) answered() { r.since = time.Time{} }

// failed reports that doing (such as "reading release 7") failed with err
// and that it is retried in next; once the server has not answered for the
// bound it returns the ExitError (ExitUnreachable) to end with instead.
func (r *retrier) failed(doing string, err error, next time.Duration) error {
	now := r.now()
	if r.since.IsZero() {
		r.since = now
	}
	if gone := now.Sub(r.since); gone >= r.bound {
		return &ExitError{Code: ExitUnreachable, Err: fmt.Errorf("gave up %s: the shiplog server at %s did not answer for %s (--retry-for): %w",
			doing, r.endpoint, gone.Round(time.Millisecond), err)}
	}
	left := r.bound - now.Sub(r.since)
	fmt.Fprintf(r.w, "shiplog: %s from %s failed: %v; retrying in %s (giving up in %s, --retry-for)\n",
		doing, r.endpoint, err, next.Round(time.Millisecond), left.Round(100*time.Millisecond))
	return nil
}

// followLogs streams a release's log from after, resuming from the last
// line seen whenever the connection breaks, until the release has ended (or,
// untilSettled, waits for approval) and every line was printed. It returns
// the status the stream ended at and the seq of the last line printed; a
// server that does not answer for rt's bound ends it with ExitUnreachable.
func followLogs(ctx context.Context, c *client.Client, g *Globals, id, after int64, untilSettled bool, rt *retrier, fn func(release.LogEntry) error) (release.Status, int64, error) {
	last := after
	backoff := 250 * time.Millisecond
	for {
		cursor := ""
		if last > 0 {
			cursor = fmt.Sprint(last)
		}
		st, err := c.FollowLogs(ctx, id, cursor, untilSettled, func(e release.LogEntry) error {
			rt.answered()
			if e.Seq <= last {
				return nil // already printed
			}
			last = e.Seq
			backoff = 250 * time.Millisecond
			return fn(e)
		})
		if err == nil || ctx.Err() != nil {
			return st, last, err
		}
		if ce, ok := client.AsError(err); (ok && ce.Status >= 400 && ce.Status < 500) || errors.Is(err, client.ErrRevoked) {
			return "", last, err // not found, not allowed, revoked: retrying will not help
		}
		g.Logger().Debug("log stream broke; resuming", "release", id, "after", last, "error", err)
		if gaveUp := rt.failed(fmt.Sprintf("following the log of release %d", id), err, backoff); gaveUp != nil {
			return "", last, gaveUp
		}
		select {
		case <-ctx.Done():
			return "", last, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// waitFlags say how long and how far a command waits for a release.
type waitFlags struct {
	Within          time.Duration `name:"within" default:"0" help:"Give up after this long (0: wait for as long as it takes), with exit 15, printing the release as it was last seen."`
	Interval        time.Duration `default:"2s" help:"How often to look."`
	RetryFor        time.Duration `name:"retry-for" default:"5m" help:"How long to keep retrying a server that does not answer (each retry said on standard error) before giving up with exit 17."`
	ThroughApproval bool          `name:"through-approval" help:"Keep waiting while the release waits for approval (default: stop there with exit 16)."`
}

type releaseWaitCmd struct {
	apiFlags
	waitFlags
	ID int64 `arg:"" help:"Release ID."`
}

// Help is shown by `shiplog release wait --help`.
func (c *releaseWaitCmd) Help() string {
	return `Waits until the release has finished, or waits for approval, and prints it.
On a terminal it shows progress (status and phase) on standard error.
Requests that fail without an answer (the server restarting, the network,
a 5xx) are retried, each retry said on standard error, for --retry-for since
the last answer (default 5m); then it gives up with exit 17. When --within
runs out it prints the release as last seen (JSON with -o json) and exits 15.

` + exitCodesHelp
}

func (c *releaseWaitCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	return s.await(g, c.ID, c.waitFlags, false)
}

// await waits for release id as wf says (with follow, printing its log to
// standard error as it goes), prints it and returns the ExitError its
// status calls for.
func (s *apiSession) await(g *Globals, id int64, wf waitFlags, follow bool) error {
	ctx := g.Context()
	if wf.Within > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wf.Within)
		defer cancel()
	}
	rt := newRetrier(g.Stderr(), s.c.Endpoint(), wf.RetryFor)
	if follow {
		_, _, err := followLogs(ctx, s.c, g, id, 0, !wf.ThroughApproval, rt, logPrinter(g.Stderr(), false))
		if err != nil && ctx.Err() != nil {
			return s.gaveUp(g, id, nil, "")
		}
		if err != nil {
			return err
		}
	}
	r, err := s.poll(ctx, g, id, wf, rt)
	if err != nil {
		return err
	}
	return s.settled(r)
}

// poll looks at release id every wf.Interval until it is finished (or waits
// for approval, unless wf.ThroughApproval).
func (s *apiSession) poll(ctx context.Context, g *Globals, id int64, wf waitFlags, rt *retrier) (*release.Release, error) {
	interval := max(wf.Interval, 50*time.Millisecond)
	var shown string
	var r *release.Release
	for {
		cur, err := s.c.GetRelease(ctx, id)
		switch {
		case err == nil:
			r = cur
			rt.answered()
		case ctx.Err() != nil:
			return nil, s.gaveUp(g, id, r, shown)
		default:
			if ce, ok := client.AsError(err); ok && ce.Status >= 400 && ce.Status < 500 {
				return nil, err
			}
			if gaveUp := rt.failed(fmt.Sprintf("reading release %d", id), err, interval); gaveUp != nil {
				return nil, gaveUp
			}
		}
		if r != nil {
			line := progressLine(r)
			if line != shown && s.progress != nil {
				fmt.Fprintf(s.progress, "\r\033[K%s", line)
			}
			shown = line
			code, known := ExitCode(r.Status)
			if !known || (code != KeepWaiting && !(r.Status == release.StatusPendingApproval && wf.ThroughApproval)) {
				if s.progress != nil {
					fmt.Fprintln(s.progress)
				}
				return r, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, s.gaveUp(g, id, r, shown)
		case <-time.After(interval):
		}
	}
}

// settled prints r and returns the error carrying the exit code its status
// calls for (nil for SUCCEEDED).
func (s *apiSession) settled(r *release.Release) error {
	if err := s.showRelease(r); err != nil {
		return err
	}
	code, known := ExitCode(r.Status)
	if !known {
		return &ExitError{Code: 1, Err: fmt.Errorf("release %d has status %q, which this shiplog does not know: "+
			"upgrade shiplog to a version that matches the server", r.ID, r.Status)}
	}
	if r.Status == release.StatusPendingApproval {
		return &ExitError{Code: ExitPendingApproval, Err: fmt.Errorf("release %d waits for approval: review with shiplog release changes %d, "+
			"decide with shiplog release approve %d (or reject), then shiplog release wait %d", r.ID, r.ID, r.ID, r.ID)}
	}
	if code == 0 {
		return nil
	}
	msg := fmt.Sprintf("release %d %s", r.ID, r.Status)
	if first, _, _ := strings.Cut(strings.TrimSpace(r.ErrorLog), "\n"); first != "" {
		msg += ": " + first
	}
	return &ExitError{Code: code, Err: errors.New(msg)}
}

// gaveUp ends a wait that ran out (--within, or interrupted): it prints the
// release as it is now (read once more when the command was not
// interrupted; else as last seen, if ever) and returns ExitGaveUp.
func (s *apiSession) gaveUp(g *Globals, id int64, r *release.Release, shown string) error {
	if s.progress != nil && shown != "" {
		fmt.Fprintln(s.progress)
	}
	if g.Context().Err() == nil {
		if cur, err := s.c.GetRelease(g.Context(), id); err == nil {
			r = cur
		}
	}
	status := "not seen"
	if r != nil {
		status = string(r.Status)
		if err := s.showRelease(r); err != nil {
			return err
		}
	}
	return &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("gave up waiting for release %d (now %s)", id, status)}
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
