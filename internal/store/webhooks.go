package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is webhook subscriptions and their outbox of deliveries
// (migration 0050). Deliveries are added by the database when a release
// changes (shiplog_webhook_release); dispatchers claim the due ones.

// WebhookChannel is the LISTEN/NOTIFY channel announcing new deliveries.
const WebhookChannel = "shiplog_webhooks"

const webhookColumns = `id, url, description, environments, events, format, created_by, created_at,
	CASE WHEN previous_until > now() THEN previous_until END`

func scanWebhook(row pgx.Row) (*release.Webhook, error) {
	var w release.Webhook
	if err := row.Scan(&w.ID, &w.URL, &w.Description, &w.Environments, &w.Events, &w.Format, &w.CreatedBy, &w.CreatedAt, &w.Rotating); err != nil {
		return nil, err
	}
	return &w, nil
}

// CreateWebhook stores a subscription with its signing secret (sealed
// with shiplog's key) and sets its ID and time.
func (s *Store) CreateWebhook(ctx context.Context, w *release.Webhook, secret string) error {
	sealed, err := s.box.Seal(secret)
	if err != nil {
		return fmt.Errorf("sealing the webhook secret: %w", err)
	}
	if w.Environments == nil {
		w.Environments = []string{}
	}
	if w.Events == nil {
		w.Events = []string{}
	}
	err = s.pool.QueryRow(ctx, `INSERT INTO webhook_subscriptions (url, description, environments, events, format, secret, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
		w.URL, w.Description, w.Environments, w.Events, w.Format, sealed, w.CreatedBy).Scan(&w.ID, &w.CreatedAt)
	if err != nil {
		return fmt.Errorf("creating a webhook: %w", err)
	}
	return nil
}

// GetWebhook reads one subscription; ErrNotFound when there is none.
func (s *Store) GetWebhook(ctx context.Context, id int64) (*release.Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhook_subscriptions WHERE id = $1`, id))
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("webhook %d", id), Doing: fmt.Sprintf("reading webhook %d", id)}.of(err)
	}
	return w, nil
}

// ListWebhooks lists every subscription by id.
func (s *Store) ListWebhooks(ctx context.Context) ([]*release.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhook_subscriptions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing webhooks: %w", err)
	}
	defer rows.Close()
	out := []*release.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("listing webhooks: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook removes a subscription and its deliveries; ErrNotFound
// when there is none.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_subscriptions WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("deleting webhook %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	return nil
}

// RotateWebhookSecret makes secret the subscription's signing secret; the
// one it replaces keeps signing (a second signature) for overlap, so
// receivers can switch without dropping a message.
func (s *Store) RotateWebhookSecret(ctx context.Context, id int64, secret string, overlap time.Duration) error {
	sealed, err := s.box.Seal(secret)
	if err != nil {
		return fmt.Errorf("sealing the webhook secret: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_subscriptions SET previous_secret = secret, previous_until = now() + $3::interval, secret = $2
		WHERE id = $1`, id, sealed, overlap.String())
	if err != nil {
		return fmt.Errorf("rotating the secret of webhook %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	return nil
}

// EnqueueWebhookTest adds a webhook.test delivery to subscription id and
// wakes the dispatchers; it returns the delivery.
func (s *Store) EnqueueWebhookTest(ctx context.Context, id int64) (*release.WebhookDelivery, error) {
	var d release.WebhookDelivery
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (subscription_id, event, message_id, payload)
			SELECT id, 'webhook.test', 'msg_' || replace(gen_random_uuid()::text, '-', ''),
				jsonb_build_object('type', 'webhook.test', 'version', 1,
					'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
					'data', jsonb_build_object('webhook_id', id))
			FROM webhook_subscriptions WHERE id = $1
			RETURNING `+deliveryColumns, id).Scan(deliveryFields(&d)...)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, '')`, WebhookChannel)
		return err
	})
	if err != nil {
		return nil, dbErr{Missing: fmt.Sprintf("webhook %d", id), Doing: fmt.Sprintf("testing webhook %d", id)}.of(err)
	}
	return &d, nil
}

const deliveryColumns = `id, subscription_id, release_id, event, message_id, state, attempts,
	CASE WHEN state = 'pending' THEN next_attempt_at END, last_status, last_error, last_latency_ms, created_at, finished_at`

func deliveryFields(d *release.WebhookDelivery, extra ...any) []any {
	return append([]any{&d.ID, &d.WebhookID, &d.ReleaseID, &d.Event, &d.MessageID, &d.State, &d.Attempts, &d.NextAttemptAt,
		&d.LastStatus, &d.LastError, &d.LastLatencyMS, &d.CreatedAt, &d.FinishedAt}, extra...)
}

// ListWebhookDeliveries lists a subscription's deliveries, newest first,
// below beforeID when it is positive; at most limit.
func (s *Store) ListWebhookDeliveries(ctx context.Context, id, beforeID int64, limit int) ([]release.WebhookDelivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE subscription_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, id, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries of webhook %d: %w", id, err)
	}
	defer rows.Close()
	out := []release.WebhookDelivery{}
	for rows.Next() {
		var d release.WebhookDelivery
		if err := rows.Scan(deliveryFields(&d)...); err != nil {
			return nil, fmt.Errorf("listing deliveries of webhook %d: %w", id, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DueDelivery is a delivery a dispatcher has claimed: what to send, where,
// and the secrets to sign it with (opened).
type DueDelivery struct {
	ID        int64
	MessageID string
	Event     string
	Attempts  int // before this one
	Payload   json.RawMessage
	URL       string
	Format    string
	Secrets   []string // the current one first
}

// ClaimWebhookDeliveries claims up to limit due deliveries for hold (no
// other dispatcher takes them meanwhile): pending ones whose time has
// come, each the oldest pending one of its subscription and release, so
// a subscription hears of a release's events in order.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, limit int, hold time.Duration) ([]DueDelivery, error) {
	rows, err := s.pool.Query(ctx, `WITH due AS (
			SELECT d.id FROM webhook_deliveries d
			WHERE d.state = 'pending' AND d.next_attempt_at <= now()
			  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.subscription_id = d.subscription_id
			                  AND e.release_id IS NOT DISTINCT FROM d.release_id AND e.state = 'pending' AND e.id < d.id)
			ORDER BY d.id LIMIT $1 FOR UPDATE OF d SKIP LOCKED)
		UPDATE webhook_deliveries w SET next_attempt_at = now() + $2::interval
		FROM due, webhook_subscriptions s
		WHERE w.id = due.id AND s.id = w.subscription_id
		RETURNING w.id, w.message_id, w.event, w.attempts, w.payload, s.url, s.format, s.secret,
			CASE WHEN s.previous_until > now() THEN s.previous_secret END`, limit, hold.String())
	if err != nil {
		return nil, fmt.Errorf("claiming webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []DueDelivery
	for rows.Next() {
		var d DueDelivery
		var sealed string
		var previous *string
		if err := rows.Scan(&d.ID, &d.MessageID, &d.Event, &d.Attempts, &d.Payload, &d.URL, &d.Format, &sealed, &previous); err != nil {
			return nil, fmt.Errorf("claiming webhook deliveries: %w", err)
		}
		cur, err := s.box.Open(sealed)
		if err != nil {
			return nil, fmt.Errorf("opening the secret of delivery %d: %w", d.ID, err)
		}
		d.Secrets = []string{cur}
		if previous != nil {
			if prev, err := s.box.Open(*previous); err == nil {
				d.Secrets = append(d.Secrets, prev)
			}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Attempt is how one delivery attempt went.
type Attempt struct {
	Status    int // the receiver's HTTP status; 0 when none answered
	Err       string
	LatencyMS int
	// Delivered: a 2xx answer. Otherwise Retry says when to try again;
	// zero gives up (the delivery fails).
	Delivered bool
	Retry     time.Time
}

// RecordWebhookAttempt records an attempt at delivery id.
func (s *Store) RecordWebhookAttempt(ctx context.Context, id int64, a Attempt) error {
	state := "pending"
	switch {
	case a.Delivered:
		state = "delivered"
	case a.Retry.IsZero():
		state = "failed"
	}
	var status *int
	if a.Status > 0 {
		status = &a.Status
	}
	var retry *time.Time
	if !a.Retry.IsZero() {
		retry = &a.Retry
	}
	if len(a.Err) > 500 {
		a.Err = a.Err[:500]
	}
	_, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, last_status = $3, last_error = $4,
			last_latency_ms = $5, next_attempt_at = coalesce($6, next_attempt_at),
			finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END
		WHERE id = $1`, id, state, status, a.Err, a.LatencyMS, retry)
	if err != nil {
		return fmt.Errorf("recording an attempt at webhook delivery %d: %w", id, err)
	}
	return nil
}
