package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ChangeSource yields changes one at a time; io.EOF ends it.
type ChangeSource interface {
	Next() (release.Change, error)
}

// NotedSource is a ChangeSource that also knows, once it has ended, what
// its plan said beside the changes (plan.Reader is one): the store keeps
// those notes with the changes.
type NotedSource interface {
	ChangeSource
	Notes() release.PlanNotes
}

// ReplaceChanges stores every change from src as the changes of one
// release phase, in one transaction with COPY, replacing whatever an
// earlier ingestion of that phase stored. It never holds all changes in
// memory. The release's summary is set from the resource changes, and its
// plan notes from src when it is a NotedSource (none otherwise).
func (s *Store) ReplaceChanges(ctx context.Context, releaseID int64, phase string, src ChangeSource) (release.Summary, error) {
	return s.replaceChanges(ctx, releaseID, phase, src, false)
}

// IngestPlan is ReplaceChanges for a plan produced elsewhere and sent to an
// existing release (`POST /releases/{id}/plan`): it stores the plan only
// while it rewrites no history, that is when the phase has not run
// (PENDING) or the release is a recorded PLAN (made by RecordPlan, the only
// way a release is created already finished: finished_at = created_at).
// Otherwise it changes nothing and returns an *IngestRefusedError (wrapping
// ErrConflict); a release or phase that does not exist wraps ErrNotFound.
func (s *Store) IngestPlan(ctx context.Context, releaseID int64, phase string, src ChangeSource) (release.Summary, error) {
	return s.replaceChanges(ctx, releaseID, phase, src, true)
}

// IngestRefusedError says why a plan may not replace a release phase's
// changes: the phase already ran in shiplog, so its changes are history.
type IngestRefusedError struct {
	ID          int64
	Phase       string
	Status      release.Status      // the release's
	PhaseStatus release.PhaseStatus // the phase's
}

func (e *IngestRefusedError) Error() string {
	ran := "already ran"
	if e.PhaseStatus == release.PhaseInProgress || e.PhaseStatus == release.PhasePendingApproval {
		ran = "is running"
	}
	return fmt.Sprintf("release %d is %s and its phase %q %s (%s): its changes are history and are not replaced; "+
		"record the plan as a release of its own instead (shiplog release record-plan --env ENV FILE)",
		e.ID, e.Status, e.Phase, ran, e.PhaseStatus)
}

// Unwrap makes the refusal a conflict.
func (e *IngestRefusedError) Unwrap() error { return ErrConflict }

func (s *Store) replaceChanges(ctx context.Context, releaseID int64, phase string, src ChangeSource, guard bool) (release.Summary, error) {
	var sum release.Summary
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Guarded, the release row is locked: its status cannot move while
		// the plan is stored. (The worker's own ingestion runs beside its
		// lease renewals and takes no lock.)
		lock := ""
		if guard {
			lock = " FOR UPDATE OF r"
		}
		var status string
		var phaseStatus *string
		var allowed bool
		err := tx.QueryRow(ctx, `SELECT r.status, p.status,
				coalesce(p.status = 'PENDING' OR (r.release_type = 'PLAN' AND r.finished_at = r.created_at), false)
			FROM releases r LEFT JOIN release_phases p ON p.release_id = r.id AND p.name = $2
			WHERE r.id = $1`+lock, releaseID, phase).Scan(&status, &phaseStatus, &allowed)
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("release %d", releaseID), Doing: fmt.Sprintf("reading release %d", releaseID)}.of(err)
		}
		if guard && phaseStatus == nil {
			return fmt.Errorf("release %d has no phase %q: %w", releaseID, phase, ErrNotFound)
		}
		if guard && !allowed {
			return &IngestRefusedError{ID: releaseID, Phase: phase, Status: release.Status(status), PhaseStatus: release.PhaseStatus(*phaseStatus)}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM release_changes WHERE release_id = $1 AND phase = $2`, releaseID, phase); err != nil {
			return err
		}
		if sum, err = copyChanges(ctx, tx, src, releaseID, phase); err != nil {
			return err
		}
		var notes release.PlanNotes
		if ns, ok := src.(NotedSource); ok {
			notes = ns.Notes()
		}
		if _, err := tx.Exec(ctx, `UPDATE releases SET summary = $2, plan_notes = $3 WHERE id = $1`, releaseID, sum, notes); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return release.Summary{}, fmt.Errorf("storing changes of release %d phase %s: %w", releaseID, phase, err)
	}
	return sum, nil
}

// copyChanges writes every change of src as the changes of one release
// phase, with COPY, and returns their summary. A source whose Next asks
// for its changes to be read again (an error with a Reread method
// reporting true: plan.ErrReread, when a value was marked sensitive after
// changes that may show it) is read again once, what it gave rolled back
// to a savepoint. An error of src is returned as src gave it, one of the
// database wrapped.
func copyChanges(ctx context.Context, tx pgx.Tx, src ChangeSource, releaseID int64, phase string) (release.Summary, error) {
	if _, err := tx.Exec(ctx, `SAVEPOINT changes`); err != nil {
		return release.Summary{}, fmt.Errorf("storing the changes: %w", err)
	}
	for again := false; ; again = true {
		var sum release.Summary
		rows := pipeline(&changeRows{src: src, release: releaseID, phase: phase, sum: &sum})
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"release_changes"}, changeColumns, rows)
		rows.close()
		switch {
		case err == nil:
			return sum, nil
		case rows.srcErr == nil:
			return release.Summary{}, fmt.Errorf("storing the changes: %w", err)
		case !again && asksReread(rows.srcErr):
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT changes`); err != nil {
				return release.Summary{}, fmt.Errorf("storing the changes again: %w", err)
			}
		default:
			return release.Summary{}, rows.srcErr
		}
	}
}

// asksReread reports whether a change source's error asks for its changes
// to be read again (plan.ErrReread).
func asksReread(err error) bool {
	var r interface{ Reread() bool }
	return errors.As(err, &r) && r.Reread()
}

var changeColumns = []string{"release_id", "phase", "seq", "kind", "address", "previous_address", "module_address", "mode", "type", "name",
	"index", "provider", "deposed_key", "action", "replace_order", "modification", "action_reason", "import_id", "replace_paths", "fields", "import_identity"}

// changeRows adapts a ChangeSource to pgx.CopyFromSource.
type changeRows struct {
	src     ChangeSource
	release int64
	phase   string
	seq     int
	cur     []any
	sum     *release.Summary
	srcErr  error
	err     error
}

func (r *changeRows) Next() bool {
	c, err := r.src.Next()
	if errors.Is(err, io.EOF) {
		return false
	}
	if err != nil {
		r.srcErr, r.err = err, err
		return false
	}
	if c.Kind == "" {
		c.Kind = release.KindResource
	}
	if c.Kind == release.KindResource {
		r.sum.Add(c)
	}
	r.seq++
	index, err := jsonOrNil(c.Index)
	if err != nil {
		r.err = err
		return false
	}
	var paths []byte
	if len(c.ReplacePaths) > 0 {
		if paths, err = json.Marshal(c.ReplacePaths); err != nil {
			r.err = err
			return false
		}
	}
	fields, err := encodeFields(c.Fields)
	if err != nil {
		r.err = err
		return false
	}
	var identity []byte
	if len(c.ImportIdentity) > 0 {
		if identity, err = json.Marshal(c.ImportIdentity); err != nil {
			r.err = err
			return false
		}
	}
	r.cur = []any{r.release, r.phase, r.seq, string(c.Kind), c.Address, c.PreviousAddress, c.ModuleAddress, c.Mode, c.Type, c.Name,
		index, c.Provider, c.DeposedKey, string(c.Action), string(c.ReplaceOrder), string(c.Modification), c.ActionReason, c.ImportID,
		paths, fields, identity}
	return true
}

func (r *changeRows) Values() ([]any, error) { return r.cur, r.err }
func (r *changeRows) Err() error             { return r.err }

// pipelinedRows is a pgx.CopyFromSource that reads a changeRows (parsing
// the plan, masking, encoding each row's JSON) in a goroutine of its own,
// a few batches ahead of COPY, so that reading the plan overlaps with
// encoding and sending rows to the server. close ends the goroutine; the
// summary, the source's notes and srcErr may be read only after it.
type pipelinedRows struct {
	batches chan rowBatch
	stop    chan struct{}
	done    chan struct{}
	batch   [][]any
	cur     []any
	err     error
	srcErr  error
}

// rowBatch is up to pipelineBatch rows; err (and srcErr, when the source
// failed) ends the rows after the batch's.
type rowBatch struct {
	rows        [][]any
	err, srcErr error
}

// pipelineBatch rows go over the channel at once; pipelineDepth batches
// may wait: at most 512 rows are held ahead of COPY.
const pipelineBatch, pipelineDepth = 128, 4

func pipeline(rows *changeRows) *pipelinedRows {
	p := &pipelinedRows{batches: make(chan rowBatch, pipelineDepth), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer close(p.batches)
		var b [][]any
		for rows.Next() {
			b = append(b, rows.cur)
			if len(b) == pipelineBatch {
				select {
				case p.batches <- rowBatch{rows: b}:
				case <-p.stop:
					return
				}
				b = nil
			}
		}
		select {
		case p.batches <- rowBatch{rows: b, err: rows.err, srcErr: rows.srcErr}:
		case <-p.stop:
		}
	}()
	return p
}

func (p *pipelinedRows) Next() bool {
	for len(p.batch) == 0 {
		if p.err != nil {
			return false
		}
		b, ok := <-p.batches
		if !ok {
			return false
		}
		p.batch, p.err, p.srcErr = b.rows, b.err, b.srcErr
	}
	p.cur, p.batch = p.batch[0], p.batch[1:]
	return true
}

func (p *pipelinedRows) Values() ([]any, error) { return p.cur, nil }
func (p *pipelinedRows) Err() error             { return p.err }

// close stops the reading goroutine (COPY may have ended early) and waits
// for it.
func (p *pipelinedRows) close() {
	close(p.stop)
	<-p.done
}

func jsonOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// ChangeFilter selects stored changes.
type ChangeFilter struct {
	Kind          release.ChangeKind // default: resource
	Phase         string
	Action        string
	Type          string
	Module        string // module address; "root" for the root module
	AddressPrefix string
	// IncludeNoOp lists plain no-op changes too. Without it, the listing
	// is what release.Change.Listed keeps: every change but a no-op that
	// neither moves, imports nor concerns a deposed object.
	IncludeNoOp bool
	// After continues a listing: changes after this (phase, seq).
	AfterPhase string
	AfterSeq   int
	Limit      int
}

// StoredChange is a change with its place in the release.
type StoredChange struct {
	release.Change
	Phase string `json:"phase"`
	Seq   int    `json:"seq"`
}

// ListChanges returns a release's changes in plan order.
func (s *Store) ListChanges(ctx context.Context, releaseID int64, f ChangeFilter) ([]StoredChange, error) {
	if f.Kind == "" {
		f.Kind = release.KindResource
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	where := []string{"release_id = $1", "kind = $2"}
	args := []any{releaseID, string(f.Kind)}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Phase != "" {
		add("phase = ?", f.Phase)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	} else if !f.IncludeNoOp && f.Kind == release.KindResource {
		where = append(where, "(action <> 'no-op' OR previous_address <> address OR import_id IS NOT NULL OR deposed_key <> '')")
	}
	if f.Type != "" {
		add("type = ?", f.Type)
	}
	switch f.Module {
	case "":
	case "root":
		where = append(where, "module_address IS NULL")
	default:
		add("module_address = ?", f.Module)
	}
	if f.AddressPrefix != "" {
		add("address LIKE ? || '%'", escapeLike(f.AddressPrefix))
	}
	if f.AfterPhase != "" {
		args = append(args, f.AfterPhase, f.AfterSeq)
		where = append(where, fmt.Sprintf("(phase, seq) > ($%d, $%d)", len(args)-1, len(args)))
	}
	args = append(args, f.Limit)
	rows, err := s.pool.Query(ctx, `SELECT phase, seq, kind, address, previous_address, module_address, mode, type, name, index, provider,
		deposed_key, action, replace_order, modification, action_reason, import_id, replace_paths, fields, applied, import_identity
		FROM release_changes WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY phase, seq LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("reading changes of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	out := []StoredChange{}
	for rows.Next() {
		var c StoredChange
		var kind, action, order, mod string
		var index, paths, identity []byte
		var fields string
		if err := rows.Scan(&c.Phase, &c.Seq, &kind, &c.Address, &c.PreviousAddress, &c.ModuleAddress, &c.Mode, &c.Type, &c.Name, &index,
			&c.Provider, &c.DeposedKey, &action, &order, &mod, &c.ActionReason, &c.ImportID, &paths, &fields, &c.Applied, &identity); err != nil {
			return nil, fmt.Errorf("reading changes of release %d: %w", releaseID, err)
		}
		c.Kind, c.Action, c.ReplaceOrder, c.Modification = release.ChangeKind(kind), release.ChangeAction(action), release.ReplaceOrder(order), release.Modification(mod)
		if len(index) > 0 {
			d := json.NewDecoder(strings.NewReader(string(index)))
			d.UseNumber()
			_ = d.Decode(&c.Index)
		}
		if len(paths) > 0 {
			_ = json.Unmarshal(paths, &c.ReplacePaths)
		}
		if len(identity) > 0 {
			d := json.NewDecoder(strings.NewReader(string(identity)))
			d.UseNumber()
			_ = d.Decode(&c.ImportIdentity)
		}
		if c.Fields, err = decodeFields(fields); err != nil {
			return nil, fmt.Errorf("release %d: change %s has damaged fields: %w", releaseID, c.Address, err)
		}
		if c.Fields == nil {
			c.Fields = []release.Field{}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SetApplied stores the fields of changes with the values the release's
// apply left (release.Change.Applied, Field.Applied), each change found by
// its phase and seq, and marks them applied.
func (s *Store) SetApplied(ctx context.Context, releaseID int64, changes []StoredChange) error {
	b := &pgx.Batch{}
	for _, c := range changes {
		fields, err := encodeFields(c.Fields)
		if err != nil {
			return fmt.Errorf("release %d: change %s: %w", releaseID, c.Address, err)
		}
		b.Queue(`UPDATE release_changes SET fields = $4, applied = true WHERE release_id = $1 AND phase = $2 AND seq = $3`,
			releaseID, c.Phase, c.Seq, fields)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("recording the applied values of release %d: %w", releaseID, err)
	}
	return nil
}
