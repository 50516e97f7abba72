package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ArtifactFilter selects artifacts; zero fields do not filter.
type ArtifactFilter struct {
	AppName   string
	StackName string
	BuildID   string
	Cursor    string
	Limit     int // page size: server default 50, at most 500
}

func (f ArtifactFilter) query() url.Values {
	q := url.Values{}
	setQuery(q, "app_name", f.AppName)
	setQuery(q, "stack_name", f.StackName)
	setQuery(q, "build_id", f.BuildID)
	setQuery(q, "cursor", f.Cursor)
	setLimit(q, f.Limit)
	return q
}

// String describes the filter for messages.
func (f ArtifactFilter) String() string {
	var parts []string
	if f.AppName != "" {
		parts = append(parts, fmt.Sprintf("app %q", f.AppName))
	}
	if f.StackName != "" {
		parts = append(parts, fmt.Sprintf("stack %q", f.StackName))
	}
	if f.BuildID != "" {
		parts = append(parts, fmt.Sprintf("build ID %q", f.BuildID))
	}
	if len(parts) == 0 {
		return "any artifact"
	}
	return strings.Join(parts, ", ")
}

// ListArtifacts returns one page of the artifacts that match f, newest first.
func (c *Client) ListArtifacts(ctx context.Context, f ArtifactFilter) (*apiwire.ArtifactList, error) {
	var p apiwire.ArtifactList
	if err := c.get(ctx, api("artifacts"), f.query(), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetArtifact returns one artifact.
func (c *Client) GetArtifact(ctx context.Context, id int64) (*release.Artifact, error) {
	var a release.Artifact
	if err := c.get(ctx, api("artifacts", strconv.FormatInt(id, 10)), nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// LatestArtifact returns the newest artifact of an app (in a stack, if stack
// is not empty), through GET /api/v1/artifacts/latest.
func (c *Client) LatestArtifact(ctx context.Context, app, stack string) (*release.Artifact, error) {
	q := url.Values{}
	setQuery(q, "app_name", app)
	setQuery(q, "stack_name", stack)
	var a release.Artifact
	if err := c.get(ctx, api("artifacts", "latest"), q, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// FindArtifact returns the newest artifact that matches f. When none does it
// returns an *Error with code not_found whose message describes f.
func (c *Client) FindArtifact(ctx context.Context, f ArtifactFilter) (*release.Artifact, error) {
	f.Limit, f.Cursor = 1, ""
	p, err := c.ListArtifacts(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(p.Artifacts) == 0 {
		return nil, &Error{Status: http.StatusNotFound, Code: apiwire.CodeNotFound, Message: "no artifact matches " + f.String()}
	}
	return &p.Artifacts[0], nil
}

// RegisterArtifact records a build output and returns it with its ID.
func (c *Client) RegisterArtifact(ctx context.Context, req apiwire.ArtifactRequest) (*release.Artifact, error) {
	var a release.Artifact
	if err := c.post(ctx, api("artifacts"), req, &a); err != nil {
		return nil, err
	}
	return &a, nil
}
