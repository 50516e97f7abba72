package client

import (
	"context"
	"net/http"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ReleaseFilter selects releases; zero fields do not filter. It is the
// API's release query (apiwire.ReleaseQuery), encoded as the server parses it.
type ReleaseFilter = apiwire.ReleaseQuery

// ListReleases returns one page of the releases that match f, newest first.
func (c *Client) ListReleases(ctx context.Context, f ReleaseFilter) (*apiwire.ReleaseList, error) {
	var p apiwire.ReleaseList
	if err := c.get(ctx, api("releases"), f.Values(), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// LatestRelease returns the newest release that matches f, in full (phases,
// artifacts and all). When none matches it returns an *Error with code
// not_found whose message describes f.
func (c *Client) LatestRelease(ctx context.Context, f ReleaseFilter) (*release.Release, error) {
	f.Limit, f.Cursor = 1, ""
	p, err := c.ListReleases(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(p.Releases) == 0 {
		return nil, &Error{Status: http.StatusNotFound, Code: apiwire.CodeNotFound, Message: "no release matches " + f.String()}
	}
	return c.GetRelease(ctx, p.Releases[0].ID)
}

// GetRelease returns one release with everything recorded about it.
func (c *Client) GetRelease(ctx context.Context, id int64) (*release.Release, error) {
	var r release.Release
	if err := c.get(ctx, api("releases", strconv.FormatInt(id, 10)), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// CreateRelease queues a release and returns it.
func (c *Client) CreateRelease(ctx context.Context, req apiwire.CreateReleaseRequest) (*release.Release, error) {
	var r release.Release
	if err := c.post(ctx, api("releases"), req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// action posts to /api/v1/releases/{id}/{verb} and returns the release the
// server answers with (nil if it answers with no body).
func (c *Client) action(ctx context.Context, id int64, verb string, body any) (*release.Release, error) {
	var r *release.Release
	if err := c.post(ctx, api("releases", strconv.FormatInt(id, 10), verb), body, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// Approve lets a release waiting for approval go on (409 conflict when its
// status does not allow it).
func (c *Client) Approve(ctx context.Context, id int64, comment string) (*release.Release, error) {
	return c.action(ctx, id, "approve", apiwire.CommentRequest{Comment: comment})
}

// Reject ends a release waiting for approval (409 conflict when its status
// does not allow it).
func (c *Client) Reject(ctx context.Context, id int64, comment string) (*release.Release, error) {
	return c.action(ctx, id, "reject", apiwire.CommentRequest{Comment: comment})
}

// Abort stops a queued, running or waiting release (409 conflict when it
// has finished).
func (c *Client) Abort(ctx context.Context, id int64, comment string) (*release.Release, error) {
	return c.action(ctx, id, "abort", apiwire.CommentRequest{Comment: comment})
}

// SignOff records a verdict (APPROVED or REJECTED) on a finished release.
func (c *Client) SignOff(ctx context.Context, id int64, status release.SignOffStatus, comment string) (*release.Release, error) {
	return c.action(ctx, id, "signoff", apiwire.SignOffRequest{Status: status, Comment: comment})
}

// Rollback queues a ROLLBACK release that re-applies what an earlier
// SUCCEEDED apply ran (its blueprint version, artifacts, targets and
// variables), and returns the new release.
func (c *Client) Rollback(ctx context.Context, id int64) (*release.Release, error) {
	return c.action(ctx, id, "rollback", struct{}{})
}
