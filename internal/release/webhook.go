package release

import "time"

// WebhookEvents are the events a webhook subscription may ask for
// (none: all): a release created, moved to each status, approved,
// signed off, or whose plan found drift (objects changed outside
// Terraform). The payload of each is documented in docs/guides/webhooks.md.
var WebhookEvents = []string{
	"release.created", "release.queued", "release.started", "release.pending_approval", "release.approved",
	"release.rejected", "release.succeeded", "release.failed", "release.aborted", "release.timed_out",
	"release.stopped", "release.signed_off", "release.drift_detected",
}

// Webhook is a subscription: shiplog POSTs the events it asks for, about
// the environments it names, to URL, signed per the Standard Webhooks
// specification (https://www.standardwebhooks.com/).
type Webhook struct {
	ID          int64  `json:"id"`
	URL         string `json:"url"`
	Description string `json:"description"`
	// Environments are names or patterns (prod-*); none: every one.
	Environments []string `json:"environments"`
	// Events are those it wants (WebhookEvents); none: every one.
	Events []string `json:"events"`
	// Format is "standard" (the versioned JSON payload) or "slack"
	// ({"text": ...}, for an incoming webhook of a chat).
	Format    string    `json:"format"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Rotating is set while a rotated-out secret still signs (until it).
	Rotating *time.Time `json:"rotating_until,omitempty"`
}

// WebhookDelivery is one message to a subscription and how its delivery
// went: pending (attempts left, next at NextAttemptAt), delivered, or
// failed (given up).
type WebhookDelivery struct {
	ID            int64      `json:"id"`
	WebhookID     int64      `json:"webhook_id"`
	ReleaseID     *int64     `json:"release_id,omitempty"`
	Event         string     `json:"event"`
	MessageID     string     `json:"message_id"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	LastStatus    *int       `json:"last_status,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	LastLatencyMS *int       `json:"last_latency_ms,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
}
