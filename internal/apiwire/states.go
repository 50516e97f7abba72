package apiwire

import "github.com/shiplog-dev/terraform-provider-shiplog/internal/release"

// StateVersionList is GET /api/v1/environments/{name}/states: the
// environment's Terraform state versions kept by shiplog, newest first,
// metadata only (never a state).
type StateVersionList struct {
	States []release.StateVersion `json:"states"`
}
