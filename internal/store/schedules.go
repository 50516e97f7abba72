package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is the environments' schedules (migration 0062) and the drift
// their plans record.

const scheduleColumns = `sc.id, e.name, sc.name, sc.cron, sc.time_zone, sc.template, sc.enabled, sc.created_by,
	sc.created_at, sc.updated_at, sc.next_at, coalesce(sc.last_release_id, 0), coalesce(r.status, ''), sc.last_fired_at, sc.last_skip`

const scheduleFrom = ` FROM schedules sc JOIN environments e ON e.id = sc.environment_id
	LEFT JOIN releases r ON r.id = sc.last_release_id`

func scanSchedule(row pgx.Row) (*release.Schedule, error) {
	var sc release.Schedule
	var status string
	err := row.Scan(&sc.ID, &sc.Environment, &sc.Name, &sc.Cron, &sc.TimeZone, &sc.Template, &sc.Enabled, &sc.CreatedBy,
		&sc.CreatedAt, &sc.UpdatedAt, &sc.NextAt, &sc.LastReleaseID, &status, &sc.LastFiredAt, &sc.LastSkip)
	if err != nil {
		return nil, err
	}
	sc.LastReleaseStatus = release.Status(status)
	return &sc, nil
}

// CreateSchedule stores schedule sc of environment sc.Environment (by
// name), due first at sc.NextAt, and returns it as stored. ErrNotFound
// when the environment does not exist; ErrConflict when it has a schedule
// of that name.
func (s *Store) CreateSchedule(ctx context.Context, sc *release.Schedule) (*release.Schedule, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO schedules (environment_id, name, cron, time_zone, template, enabled, created_by, next_at)
		SELECT e.id, $2, $3, $4, $5, $6, $7, $8 FROM environments e WHERE e.name = $1 RETURNING id`,
		sc.Environment, sc.Name, sc.Cron, sc.TimeZone, sc.Template, sc.Enabled, sc.CreatedBy, sc.NextAt).Scan(&id)
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("environment %q", sc.Environment),
			Duplicate: fmt.Sprintf("environment %q already has a schedule named %q", sc.Environment, sc.Name),
			Doing:     fmt.Sprintf("creating schedule %q of %s", sc.Name, sc.Environment)}.of(err)
	}
	return s.GetSchedule(ctx, id)
}

// GetSchedule reads schedule id; ErrNotFound when there is none.
func (s *Store) GetSchedule(ctx context.Context, id int64) (*release.Schedule, error) {
	sc, err := scanSchedule(s.pool.QueryRow(ctx, `SELECT `+scheduleColumns+scheduleFrom+` WHERE sc.id = $1`, id))
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("schedule %d", id), Doing: fmt.Sprintf("reading schedule %d", id)}.of(err)
	}
	return sc, nil
}

// ListSchedules lists environment env's schedules by name (every
// environment's, by environment and name, when env is "").
func (s *Store) ListSchedules(ctx context.Context, env string) ([]*release.Schedule, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+scheduleColumns+scheduleFrom+` WHERE $1 = '' OR e.name = $1 ORDER BY e.name, sc.name`, env)
	if err != nil {
		return nil, fmt.Errorf("listing schedules of %q: %w", env, err)
	}
	defer rows.Close()
	out := []*release.Schedule{}
	for rows.Next() {
		sc, err := scanSchedule(rows)
		if err != nil {
			return nil, fmt.Errorf("listing schedules of %q: %w", env, err)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// SetScheduleEnabled enables (due next at nextAt) or disables schedule
// id. ErrNotFound when there is none.
func (s *Store) SetScheduleEnabled(ctx context.Context, id int64, enabled bool, nextAt time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE schedules SET enabled = $2,
		next_at = CASE WHEN $2 THEN $3 ELSE next_at END, updated_at = now() WHERE id = $1`, id, enabled, nextAt)
	if err != nil {
		return fmt.Errorf("updating schedule %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("schedule %d: %w", id, ErrNotFound)
	}
	return nil
}

// DeleteSchedule removes schedule id; the releases it queued stay.
// ErrNotFound when there is none.
func (s *Store) DeleteSchedule(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM schedules WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("deleting schedule %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("schedule %d: %w", id, ErrNotFound)
	}
	return nil
}

// ScheduleFiring is what firing one due schedule did: the release it
// queued (or found already queued for that tick), or why it queued none,
// and when the schedule is due next.
type ScheduleFiring struct {
	// ReleaseID is the release queued for the tick; 0 when it skipped.
	ReleaseID int64
	// Skip says why it queued nothing ("" when it queued).
	Skip string
	// NextAt is when the schedule is due next (the first tick after now).
	NextAt time.Time
}

// FireDueSchedule takes the enabled schedule due longest at now (next_at
// at or before it), locked for the call, calls fire with it (its last
// release's current status filled in), and records what fire did: next_at,
// last_fired_at = now, and the release or why none. A schedule another
// scheduler holds is passed over (FOR UPDATE SKIP LOCKED), and one it has
// just fired is no longer due, so two schedulers never fire one tick
// twice. It reports whether a schedule was due; an error from fire rolls
// back (the schedule stays due).
func (s *Store) FireDueSchedule(ctx context.Context, now time.Time, fire func(context.Context, *release.Schedule) (ScheduleFiring, error)) (bool, error) {
	var due bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		sc, err := scanSchedule(tx.QueryRow(ctx, `SELECT `+scheduleColumns+scheduleFrom+`
			WHERE sc.enabled AND sc.next_at <= $1 ORDER BY sc.next_at, sc.id LIMIT 1 FOR UPDATE OF sc SKIP LOCKED`, now))
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("taking a due schedule: %w", err)
		}
		due = true
		f, err := fire(ctx, sc)
		if err != nil {
			return fmt.Errorf("firing schedule %d (%s): %w", sc.ID, sc.Name, err)
		}
		var rel *int64
		if f.ReleaseID != 0 {
			rel = &f.ReleaseID
		}
		_, err = tx.Exec(ctx, `UPDATE schedules SET next_at = $2, last_fired_at = $3, last_skip = $4,
			last_release_id = coalesce($5, last_release_id) WHERE id = $1`, sc.ID, f.NextAt, now, f.Skip, rel)
		if err != nil {
			return fmt.Errorf("recording the firing of schedule %d: %w", sc.ID, err)
		}
		return nil
	})
	return due, err
}
