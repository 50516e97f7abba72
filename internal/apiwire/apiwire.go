// Package apiwire is the JSON contract of shiplog's HTTP API (/api/v1),
// shared by the server (internal/api) and the client (internal/client):
// the request and response bodies, the error body and its codes, and the
// token scopes. The objects inside the bodies are the domain types of
// internal/release. Keys are snake_case, times RFC 3339 (ARCHITECTURE.md,
// "HTTP API").
package apiwire

import (
	"fmt"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Error codes of the contract's error body.
const (
	CodeNotFound     = "not_found"
	CodeInvalid      = "invalid"
	CodeConflict     = "conflict"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeTooLarge     = "too_large"
	CodeInternal     = "internal"
)

// ErrorBody is what every error answer carries:
// {"error": {"code", "message", "field"}}.
type ErrorBody struct {
	Error *Error `json:"error"`
}

// Error is the error object of an error answer.
type Error struct {
	// Code is one of the Code constants.
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the one input field at fault, if there is one.
	Field string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (field %s)", e.Message, e.Field)
	}
	return e.Message
}

// Scope is what a token may do.
type Scope string

// The scopes. Admin implies every other; the others imply nothing.
const (
	ScopeNone    Scope = "" // public routes: health, readiness, metrics
	ScopeRead    Scope = "read"
	ScopeWrite   Scope = "write"   // create releases, register artifacts, ingest plans, abort, report health
	ScopeApprove Scope = "approve" // approve, reject, sign off
	ScopeAdmin   Scope = "admin"   // tokens, environments
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeApprove, ScopeAdmin}

// The request and response bodies.

// EnvironmentRequest creates (POST) or replaces (PUT) an environment.
type EnvironmentRequest struct {
	Name             string             `json:"name"`
	Namespace        string             `json:"namespace,omitempty"`
	Source           release.Source     `json:"source"`
	DefaultTemplate  string             `json:"default_template,omitempty"`
	ApprovalRequired bool               `json:"approval_required"`
	Variables        []release.Variable `json:"variables,omitempty"`
	// PhaseTimeouts bounds phases by action, as Go durations ("45m").
	PhaseTimeouts map[string]string `json:"phase_timeouts,omitempty"`
	// MaintenanceWindows are when its releases may start (none: any
	// time); outside them its releases wait in its queue.
	MaintenanceWindows []release.MaintenanceWindow `json:"maintenance_windows,omitempty"`
	// Runner is what runs its releases: "worker" (default: the worker
	// pool) or "job" (a Kubernetes Job per release in Namespace, made by
	// `shiplog controller --runner=job`).
	Runner release.Runner `json:"runner,omitempty"`
	// Upstream names the environment before this one in its release
	// stream; promotions bring its SUCCEEDED releases here. It must exist
	// and may not loop back (a → b → a).
	Upstream string `json:"upstream,omitempty"`
	// RequireUpstreamSignOff refuses every release that changes this
	// environment (all but PLAN, DESTROY and ROLLBACK) unless the
	// blueprint version and artifacts it carries are those of a SUCCEEDED
	// release of Upstream signed off APPROVED. Needs Upstream.
	RequireUpstreamSignOff bool `json:"require_upstream_signoff,omitempty"`
	// ID, CreatedAt and UpdatedAt are read-only: accepted so that an
	// environment as read can be sent back, and ignored.
	ID        int64      `json:"id,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Environment is an environment as the API shows it: the domain type and
// its phase timeouts as durations ("45m").
type Environment struct {
	*release.Environment
	PhaseTimeouts map[string]string `json:"phase_timeouts"`
}

// EnvironmentDeleted is DELETE /api/v1/environments/{name}: the
// environment is gone, with the history counted here (none unless force).
type EnvironmentDeleted struct {
	Environment   string `json:"environment"`
	Releases      int    `json:"releases"`
	StateVersions int    `json:"state_versions"`
	Outputs       int    `json:"outputs"`
}

// EnvironmentList is GET /api/v1/environments.
type EnvironmentList struct {
	Environments []Environment `json:"environments"`
	NextCursor   string        `json:"next_cursor,omitempty"`
}

// ArtifactRef is an artifact a new release deploys: an existing one by id,
// or a new one to register on the way (artifact_uri and the rest, no id).
type ArtifactRef struct {
	ID                   int64          `json:"id,omitempty"`
	URI                  string         `json:"artifact_uri,omitempty"`
	BuildID              string         `json:"build_id,omitempty"`
	StackName            string         `json:"stack_name,omitempty"`
	AppName              string         `json:"app_name,omitempty"`
	RegistrationMetadata map[string]any `json:"registration_metadata,omitempty"`
	// DeploysTo names the resource addresses or module prefixes
	// ("module.web") the artifact deploys to in this release: only those
	// resources take its URL as their artifact. Without it, no resource's
	// artifact fields change.
	DeploysTo []string `json:"deploys_to,omitempty"`
}

// CreateReleaseRequest is POST /api/v1/releases.
type CreateReleaseRequest struct {
	Environment string `json:"environment"`
	// Template is "name" or "namespace/name"; default: the environment's
	// default template.
	Template         string                    `json:"template,omitempty"`
	Targets          []string                  `json:"targets,omitempty"`
	Artifacts        []ArtifactRef             `json:"artifacts,omitempty"`
	Variables        []release.Variable        `json:"variables,omitempty"`
	MigrationScripts []release.MigrationScript `json:"migration_scripts,omitempty"`
	// DeploymentType is REGULAR (default) or CUSTOM; ROLLBACK releases are
	// made by POST /api/v1/releases/{id}/rollback.
	DeploymentType   release.DeploymentType `json:"deployment_type,omitempty"`
	BlueprintVersion string                 `json:"blueprint_version,omitempty"`
}

// ReleaseList is GET /api/v1/releases: NextCursor continues with older
// releases (absent on the last page), PrevCursor goes back to newer ones
// (absent on the first page).
type ReleaseList struct {
	Releases   []*release.Release `json:"releases"`
	NextCursor string             `json:"next_cursor,omitempty"`
	PrevCursor string             `json:"prev_cursor,omitempty"`
}

// CommentRequest is the body of approve, reject and abort (optional).
type CommentRequest struct {
	Comment string `json:"comment,omitempty"`
}

// PromoteRequest is POST /api/v1/releases/{id}/promote: promote the
// upstream release {id} to Environment (empty: the one environment whose
// upstream is the release's; an error names them when there are several),
// running Template (empty: the environment's default template).
type PromoteRequest struct {
	Environment string `json:"environment,omitempty"`
	Template    string `json:"template,omitempty"`
}

// Unpromoted is GET /api/v1/environments/{name}/unpromoted: what is
// upstream of the environment and not promoted yet, newest first.
type Unpromoted struct {
	Environment            string              `json:"environment"`
	Upstream               string              `json:"upstream"`
	RequireUpstreamSignOff bool                `json:"require_upstream_signoff"`
	Releases               []UnpromotedRelease `json:"releases"`
}

// UnpromotedRelease is a SUCCEEDED apply upstream newer than the newest
// one the environment ran by promotion.
type UnpromotedRelease struct {
	ID               int64      `json:"id"`
	BlueprintVersion string     `json:"blueprint_version"`
	FinishedAt       *time.Time `json:"finished_at"`
	TriggeredBy      string     `json:"triggered_by"`
	// SignOff is APPROVED, REJECTED or "" (not signed off), with who.
	SignOff   release.SignOffStatus `json:"sign_off,omitempty"`
	SignOffBy string                `json:"signed_off_by,omitempty"`
	// Promotion is an unfinished release promoting it downstream (its id
	// and status), if one is queued or running.
	Promotion       int64          `json:"promotion,omitempty"`
	PromotionStatus release.Status `json:"promotion_status,omitempty"`
	// Promotable says whether the environment would take it now (false:
	// it requires upstream sign-off and this release is not APPROVED).
	Promotable bool `json:"promotable"`
}

// StateLockStatus is GET /api/v1/environments/{name}/lock: whether the
// environment's state is locked, and by which lock (terraform's lock ID)
// and release.
type StateLockStatus struct {
	Environment string             `json:"environment"`
	Locked      bool               `json:"locked"`
	Lock        *release.StateLock `json:"lock,omitempty"`
}

// UnlockRequest is POST /api/v1/environments/{name}/unlock: release the
// state lock LockID (required, as terraform force-unlock takes it), for
// Reason (required, kept with the UNLOCK release).
type UnlockRequest struct {
	LockID string `json:"lock_id"`
	Reason string `json:"reason"`
	// Force releases a lock whose release has not ended (its terraform
	// is known to be gone); without it that is a 409.
	Force bool `json:"force,omitempty"`
}

// SignOffRequest is POST /api/v1/releases/{id}/signoff.
type SignOffRequest struct {
	Status  release.SignOffStatus `json:"status"`
	Comment string                `json:"comment,omitempty"`
}

// Change is a recorded change: its fields exactly as `shiplog plan diff
// --json` shows them, plus what it is about (kind) and where it is in the
// release (the phase whose plan it came from, its position there).
type Change struct {
	release.Change
	Kind  release.ChangeKind `json:"kind"`
	Phase string             `json:"phase"`
	Seq   int                `json:"seq"`
}

// ChangeList is GET /api/v1/releases/{id}/changes, in plan order.
type ChangeList struct {
	Changes    []Change `json:"changes"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

// PlanResult is what ingesting a plan into a release returns.
type PlanResult struct {
	ReleaseID int64           `json:"release_id"`
	Phase     string          `json:"phase"`
	Summary   release.Summary `json:"summary"`
}

// LogPage is GET /api/v1/releases/{id}/logs. Its next_cursor (set when the
// page is full) is the seq of the last entry, as the stream's ids are.
type LogPage struct {
	Entries    []release.LogEntry `json:"entries"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// StreamEnd is the data of the `end` event of a log stream.
type StreamEnd struct {
	Status release.Status `json:"status"`
	Cursor string         `json:"cursor"`
}

// StreamTimeout is the data of the `timeout` event of a log stream: resume
// with ?cursor= (or Last-Event-ID) set to Cursor.
type StreamTimeout struct {
	Cursor string `json:"cursor"`
	// Reason is "max_stream" (the stream reached its longest life) or
	// "shutdown" (the server is stopping).
	Reason string `json:"reason"`
}

// StreamRevoked is the data of the `revoked` event that ends a log stream
// whose token was revoked: the stream cannot be resumed with that token.
type StreamRevoked struct {
	Cursor string `json:"cursor"`
	Reason string `json:"reason"`
}

// ArtifactRequest is POST /api/v1/artifacts.
type ArtifactRequest struct {
	URI                  string         `json:"artifact_uri"`
	BuildID              string         `json:"build_id,omitempty"`
	StackName            string         `json:"stack_name,omitempty"`
	AppName              string         `json:"app_name,omitempty"`
	RegistrationMetadata map[string]any `json:"registration_metadata,omitempty"`
}

// ArtifactList is GET /api/v1/artifacts.
type ArtifactList struct {
	Artifacts  []release.Artifact `json:"artifacts"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// ResourceList is GET /api/v1/environments/{name}/resources.
type ResourceList struct {
	Resources []release.ResourceStatus `json:"resources"`
}

// OutputList is GET /api/v1/environments/{name}/outputs: the output values
// the environment's last successful apply left, by name.
type OutputList struct {
	Outputs []release.Output `json:"outputs"`
}

// HealthReport is POST /api/v1/environments/{name}/resources/health.
type HealthReport struct {
	Address      string               `json:"address"`
	HealthStatus release.HealthStatus `json:"health_status"`
}

// TokenRequest is POST /api/v1/tokens.
type TokenRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// Token is a token as listed: never its secret, which only NewToken
// carries.
type Token struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// TokenList is GET /api/v1/tokens.
type TokenList struct {
	Tokens []Token `json:"tokens"`
}

// NewToken is the answer to POST /api/v1/tokens: the only time the secret
// is shown.
type NewToken struct {
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret"`
}

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Migrations are the schema versions applied (readyz).
	Migrations []int `json:"migrations,omitempty"`
}

// TemplateInfo is a release template as GET /api/v1/templates shows it.
type TemplateInfo struct {
	Name        string          `json:"name"`
	Namespace   string          `json:"namespace"`
	Description string          `json:"description"`
	ReleaseType release.Type    `json:"release_type"`
	Builtin     bool            `json:"builtin"`
	Phases      []TemplatePhase `json:"phases"`
}

// TemplatePhase is one phase of a TemplateInfo.
type TemplatePhase struct {
	Name             string         `json:"name"`
	Action           release.Action `json:"action"`
	ApprovalRequired bool           `json:"approval_required"`
}

// TemplateList is GET /api/v1/templates, by namespace and name.
type TemplateList struct {
	Templates []TemplateInfo `json:"templates"`
}

// Configuration answers POST /api/v1/environments/{name}/configurations:
// the uploaded archive stored as blueprint BlueprintVersion
// ("sha256:<12 hex>", a content hash), Created false when that content was
// already stored, Bytes the stored (normalized) archive's size.
type Configuration struct {
	Environment      string `json:"environment"`
	BlueprintVersion string `json:"blueprint_version"`
	Created          bool   `json:"created"`
	Bytes            int    `json:"bytes"`
}

// AuditList is a page of the audit log, newest first (GET /api/v1/audit).
type AuditList struct {
	Events     []release.AuditEvent `json:"events"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// PolicyRequest is a policy to store (PUT /api/v1/policies/{name}):
// Module is its Rego (v1) source, with deny and/or warn rules;
// Environments are names or patterns (prod-*), none for every
// environment; Overridable lets an approval override its denials.
type PolicyRequest struct {
	Description  string   `json:"description,omitempty"`
	Module       string   `json:"module"`
	Environments []string `json:"environments,omitempty"`
	Overridable  bool     `json:"overridable,omitempty"`
}

// PolicyList is GET /api/v1/policies.
type PolicyList struct {
	Policies []*release.Policy `json:"policies"`
}

// PauseRequest is the body of POST /api/v1/environments/{name}/pause.
type PauseRequest struct {
	Reason string `json:"reason"`
}

// Queue is GET /api/v1/environments/{name}/queue: the environment's
// releases that have not finished, in the order they run (position 0: in
// progress or waiting for approval; then 1, 2, … for the queued ones),
// each saying what it waits for, and what holds the whole queue (paused,
// or outside its maintenance windows until window_opens).
type Queue struct {
	Environment string         `json:"environment"`
	Paused      *release.Pause `json:"paused,omitempty"`
	WindowOpens *time.Time     `json:"window_opens,omitempty"`
	Releases    []QueueEntry   `json:"releases"`
}

// QueueEntry is a release in an environment's queue.
type QueueEntry struct {
	Position int              `json:"position"`
	WaitsFor string           `json:"waits_for,omitempty"`
	Release  *release.Release `json:"release"`
}

// WebhookRequest is POST /api/v1/webhooks: where to send which events
// (none: every one) about which environments (names or prod-* patterns;
// none: every one), in which format (standard, the default, or slack).
type WebhookRequest struct {
	URL          string   `json:"url"`
	Description  string   `json:"description,omitempty"`
	Environments []string `json:"environments,omitempty"`
	Events       []string `json:"events,omitempty"`
	Format       string   `json:"format,omitempty"`
}

// NewWebhook is a created subscription, or one whose secret was rotated:
// the signing secret is shown this once and never again.
type NewWebhook struct {
	*release.Webhook
	Secret string `json:"secret"`
}

// WebhookList is GET /api/v1/webhooks.
type WebhookList struct {
	Webhooks []*release.Webhook `json:"webhooks"`
}

// DeliveryList is GET /api/v1/webhooks/{id}/deliveries, newest first.
type DeliveryList struct {
	Deliveries []release.WebhookDelivery `json:"deliveries"`
}

// ScheduleRequest is the body of POST /api/v1/environments/{name}/schedules:
// queue a release of the environment with Template at each tick of Cron
// (five fields, or @daily, @hourly, …) read in TimeZone (an IANA name;
// UTC when empty). Enabled defaults to true.
type ScheduleRequest struct {
	Name     string `json:"name"`
	Cron     string `json:"cron"`
	TimeZone string `json:"time_zone,omitempty"`
	Template string `json:"template"`
	Enabled  *bool  `json:"enabled,omitempty"`
}

// ScheduleUpdate is the body of PATCH
// /api/v1/environments/{name}/schedules/{id}: enable or disable it.
type ScheduleUpdate struct {
	Enabled *bool `json:"enabled"`
}

// ScheduleList is GET /api/v1/environments/{name}/schedules, by name.
type ScheduleList struct {
	Schedules []*release.Schedule `json:"schedules"`
}
