package release

import "time"

// Artifact is a build output that a release deploys.
type Artifact struct {
	ID                   int64          `json:"id"`
	URI                  string         `json:"artifact_uri"`
	BuildID              string         `json:"build_id"`
	StackName            string         `json:"stack_name"`
	AppName              string         `json:"app_name"`
	RegistrationMetadata map[string]any `json:"registration_metadata"`
	CreatedAt            time.Time      `json:"created_at"`
	// DeploysTo, on a release's artifact, names the resource addresses or
	// module prefixes ("module.web") the artifact deploys to: only those
	// resources take its URL as their artifact.
	DeploysTo []string `json:"deploys_to,omitempty"`
}

// DeploysToAddress reports whether the artifact is linked to the resource
// at address: an entry equal to the address, or a prefix of it that ends
// where an address step ends ("module.web" covers "module.web.aws_s3_bucket.b"
// and "module.web[0].x", not "module.webhooks.x"; "aws_instance.app" covers
// "aws_instance.app[1]").
func (a Artifact) DeploysToAddress(address string) bool {
	for _, p := range a.DeploysTo {
		if p == "" || len(p) > len(address) || address[:len(p)] != p {
			continue
		}
		if len(p) == len(address) || address[len(p)] == '.' || address[len(p)] == '[' {
			return true
		}
	}
	return false
}

// ArtifactFor is the first of a release's artifacts linked to the resource
// at address, or nil when none is: that resource's artifact fields are then
// left as they were.
func ArtifactFor(artifacts []Artifact, address string) *Artifact {
	for i := range artifacts {
		if artifacts[i].DeploysToAddress(address) {
			return &artifacts[i]
		}
	}
	return nil
}

// ApplicationDeployment records that an artifact went out with a release.
type ApplicationDeployment struct {
	ID          int64     `json:"id"`
	ReleaseID   int64     `json:"release_id"`
	Environment string    `json:"environment"`
	ArtifactID  int64     `json:"artifact_id"`
	ArtifactURI string    `json:"artifact_uri"`
	AppName     string    `json:"app_name"`
	StackName   string    `json:"stack_name"`
	BuildID     string    `json:"build_id,omitempty"`
	DeployedAt  time.Time `json:"deployed_at"`
}

// SyncStatus says whether a resource matches what was last released.
type SyncStatus string

const (
	InSync    SyncStatus = "IN_SYNC"
	OutOfSync SyncStatus = "OUT_OF_SYNC"
)

// ResourceReleaseStatus is the state of the last release that touched a resource.
type ResourceReleaseStatus string

const (
	ResourceQueued     ResourceReleaseStatus = "QUEUED"
	ResourceFailed     ResourceReleaseStatus = "FAILED"
	ResourceInProgress ResourceReleaseStatus = "IN_PROGRESS"
	ResourceCompleted  ResourceReleaseStatus = "COMPLETED"
)

// HealthStatus is a resource's reported health.
type HealthStatus string

const (
	Healthy     HealthStatus = "HEALTHY"
	Progressing HealthStatus = "PROGRESSING"
	Degraded    HealthStatus = "DEGRADED"
	Suspended   HealthStatus = "SUSPENDED"
	Missing     HealthStatus = "MISSING"
	Unknown     HealthStatus = "UNKNOWN"
)

// HealthStatuses lists every health status.
var HealthStatuses = []HealthStatus{Healthy, Progressing, Degraded, Suspended, Missing, Unknown}

// ResourceStatus is a resource's standing in an environment: what the last
// release wanted (current) against what is actually out there (live).
type ResourceStatus struct {
	Environment             string                `json:"environment"`
	Address                 string                `json:"address"`
	CurrentBlueprintVersion string                `json:"current_blueprint_version"`
	LiveBlueprintVersion    string                `json:"live_blueprint_version"`
	CurrentArtifactURL      string                `json:"current_artifact_url"`
	LiveArtifactURL         string                `json:"live_artifact_url"`
	SyncStatus              SyncStatus            `json:"sync_status"`
	ReleaseStatus           ResourceReleaseStatus `json:"release_status"`
	HealthStatus            HealthStatus          `json:"health_status"`
	LastReleaseID           int64                 `json:"last_release_id"`
	UpdatedAt               time.Time             `json:"updated_at"`
	// DriftReleaseID is the scheduled plan release that found the resource
	// changed outside its releases (drifted: OUT_OF_SYNC until a later
	// successful apply touches it); 0 when none did. DriftedAt is when.
	DriftReleaseID int64      `json:"drift_release_id,omitempty"`
	DriftedAt      *time.Time `json:"drifted_at,omitempty"`
}

// Sync derives the sync status from current and live values.
func (r ResourceStatus) Sync() SyncStatus {
	if r.CurrentBlueprintVersion == r.LiveBlueprintVersion && r.CurrentArtifactURL == r.LiveArtifactURL {
		return InSync
	}
	return OutOfSync
}
