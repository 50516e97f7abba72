package release

import "time"

// Stream names where a log line came from.
type Stream string

const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
	System Stream = "system" // written by shiplog itself
)

// LogEntry is one line of a release's log. Seq increases by one per line
// across the whole release, so (release, seq) is a cursor.
type LogEntry struct {
	ReleaseID      int64          `json:"release_id"`
	Phase          string         `json:"phase"`
	Seq            int64          `json:"seq"`
	Time           time.Time      `json:"time"`
	Stream         Stream         `json:"stream"`
	Text           string         `json:"text"`
	DeploymentType DeploymentType `json:"deployment_type"`
}
