package api

import (
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// The request and response bodies of the API. The objects inside are the
// domain types of internal/release.

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
	DeploymentType   string `json:"deployment_type,omitempty"`
	BlueprintVersion string `json:"blueprint_version,omitempty"`
}

// ReleaseList is GET /api/v1/releases.
type ReleaseList struct {
	Releases   []*release.Release `json:"releases"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// CommentRequest is the body of approve, reject and abort (optional).
type CommentRequest struct {
	Comment string `json:"comment,omitempty"`
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

// Token is a token as listed (never its secret).
type Token = store.Token

// TokenList is GET /api/v1/tokens.
type TokenList struct {
	Tokens []*Token `json:"tokens"`
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
