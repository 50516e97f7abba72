package apiwire

import (
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// LogIndex is GET /api/v1/releases/{id}/logs/index: where each phase's
// lines are, so that a viewer fetches line n of a phase (runs map
// line numbers to seqs).
type LogIndex struct {
	Phases []PhaseLog `json:"phases"`
	// LastSeq is the highest seq written so far (0: no line yet).
	LastSeq int64          `json:"last_seq"`
	Status  release.Status `json:"status"`
}

// PhaseLog is one phase's part of the log and the phase's status
// (PENDING until the phase has started; "" for lines of no phase of the
// release's template).
type PhaseLog struct {
	release.PhaseLog
	Status release.PhaseStatus `json:"status"`
}

// LogSearch is GET /api/v1/releases/{id}/logs/search.
type LogSearch struct {
	Matches []release.LogMatch `json:"matches"`
	// Total counts every matching line, beyond limit too.
	Total int64 `json:"total"`
	// Entries are the matching lines themselves, with lines=true.
	Entries []release.LogEntry `json:"entries,omitempty"`
}

// DeploymentList is GET /api/v1/releases/{id}/deployments.
type DeploymentList struct {
	Deployments []release.ApplicationDeployment `json:"deployments"`
}

// ResourceHistory is GET /api/v1/environments/{name}/resources/history,
// newest release first.
type ResourceHistory struct {
	Events []ResourceEvent `json:"events"`
}

// ResourceEvent is one release's planned change to one address.
type ResourceEvent struct {
	ReleaseID   int64          `json:"release_id"`
	Status      release.Status `json:"status"`
	CreatedAt   time.Time      `json:"created_at"`
	TriggeredBy string         `json:"triggered_by"`
	Template    string         `json:"template"`
	Change      Change         `json:"change"`
}

// ChangeFacets is GET /api/v1/releases/{id}/changes/facets: how many
// changes of a kind there are by action, module ("" for the root) and
// type, for filter choices.
type ChangeFacets struct {
	Actions map[string]int `json:"actions"`
	Modules map[string]int `json:"modules"`
	Types   map[string]int `json:"types"`
}
