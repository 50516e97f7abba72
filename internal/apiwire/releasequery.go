package apiwire

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ReleaseQuery selects a page of releases, newest first: the query string
// of GET /api/v1/releases and of the /releases page, parsed and encoded
// here only (ParseReleaseQuery, Values). Zero fields do not filter.
type ReleaseQuery struct {
	Environment    string
	Statuses       []release.Status // any of these
	Template       string
	DeploymentType release.DeploymentType
	Type           release.Type // release_type: PLAN, APPLY or DESTROY
	TriggeredBy    string
	// CreatedAfter (inclusive) and CreatedBefore (exclusive) bound the
	// creation time.
	CreatedAfter  time.Time
	CreatedBefore time.Time
	// Cursor continues a listing: the next_cursor of the previous page,
	// opaque, valid only with the same filters.
	Cursor string
	// Limit is the page size: DefaultLimit when zero; more than MaxLimit
	// is read as MaxLimit.
	Limit int
}

// The page sizes of listings.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// QueryError says which query parameter was wrong and why.
type QueryError struct {
	Field   string
	Message string
}

func (e *QueryError) Error() string { return e.Message }

// ParseReleaseQuery reads a release query: status repeated and/or
// comma-separated; created_after/created_before as RFC 3339 times or
// dates (2026-01-02, midnight UTC, as a browser's date input gives);
// empty parameters ignored (a submitted form sends every field). A wrong
// value is a *QueryError naming the parameter.
func ParseReleaseQuery(q url.Values) (ReleaseQuery, error) {
	f := ReleaseQuery{Environment: q.Get("environment"), Template: q.Get("template"), TriggeredBy: q.Get("triggered_by"),
		Cursor: q.Get("cursor")}
	bad := func(field, format string, args ...any) (ReleaseQuery, error) {
		return f, &QueryError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	for _, part := range q["status"] {
		for s := range strings.SplitSeq(part, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			st, err := release.ParseStatus(s)
			if err != nil {
				return bad("status", "%s", err.Error())
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := q.Get("deployment_type"); v != "" {
		dt, err := release.ParseDeploymentType(v)
		if err != nil {
			return bad("deployment_type", "%s", err.Error())
		}
		f.DeploymentType = dt
	}
	if v := q.Get("release_type"); v != "" {
		t, err := release.ParseType(v)
		if err != nil {
			return bad("release_type", "%s", err.Error())
		}
		f.Type = t
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"created_after", &f.CreatedAfter}, {"created_before", &f.CreatedBefore}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, v); err != nil {
				return bad(p.name, "%s %q is not an RFC 3339 time like 2026-01-02T15:04:05Z or a date like 2026-01-02", p.name, v)
			}
		}
		*p.dst = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bad("limit", "limit must be a whole number from 1 to %d, not %q", MaxLimit, v)
		}
		f.Limit = min(n, MaxLimit)
	}
	return f, nil
}

// Values encodes the query (statuses comma-separated, times in RFC 3339
// with nanoseconds), leaving out zero fields; ParseReleaseQuery reads it
// back unchanged.
func (f ReleaseQuery) Values() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("environment", f.Environment)
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ss[i] = string(s)
		}
		q.Set("status", strings.Join(ss, ","))
	}
	set("template", f.Template)
	set("deployment_type", string(f.DeploymentType))
	set("release_type", string(f.Type))
	set("triggered_by", f.TriggeredBy)
	if !f.CreatedAfter.IsZero() {
		q.Set("created_after", f.CreatedAfter.Format(time.RFC3339Nano))
	}
	if !f.CreatedBefore.IsZero() {
		q.Set("created_before", f.CreatedBefore.Format(time.RFC3339Nano))
	}
	set("cursor", f.Cursor)
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// Filters is the query without its cursor and limit: what a cursor is
// bound to.
func (f ReleaseQuery) Filters() ReleaseQuery {
	f.Cursor, f.Limit = "", 0
	return f
}

// HasStatus reports whether the query picks status s.
func (f ReleaseQuery) HasStatus(s release.Status) bool {
	for _, st := range f.Statuses {
		if st == s {
			return true
		}
	}
	return false
}

// String describes the filters for messages, e.g.
// `environment "prod", status SUCCEEDED`.
func (f ReleaseQuery) String() string {
	var parts []string
	if f.Environment != "" {
		parts = append(parts, fmt.Sprintf("environment %q", f.Environment))
	}
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ss[i] = string(s)
		}
		parts = append(parts, "status "+strings.Join(ss, " or "))
	}
	if f.Template != "" {
		parts = append(parts, fmt.Sprintf("template %q", f.Template))
	}
	if f.Type != "" {
		parts = append(parts, "release type "+string(f.Type))
	}
	if f.DeploymentType != "" {
		parts = append(parts, "deployment type "+string(f.DeploymentType))
	}
	if f.TriggeredBy != "" {
		parts = append(parts, fmt.Sprintf("triggered by %q", f.TriggeredBy))
	}
	if !f.CreatedAfter.IsZero() {
		parts = append(parts, "created at or after "+f.CreatedAfter.Format(time.RFC3339))
	}
	if !f.CreatedBefore.IsZero() {
		parts = append(parts, "created before "+f.CreatedBefore.Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return "any release"
	}
	return strings.Join(parts, ", ")
}
