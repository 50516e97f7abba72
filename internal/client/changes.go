package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ChangeFilter selects a release's changes; zero fields do not filter.
type ChangeFilter struct {
	// Kind is resource (the server's default), output or drift.
	Kind   release.ChangeKind
	Phase  string // one phase's plan only
	Action release.ChangeAction
	Type   string // resource type, e.g. aws_instance
	// Module is a module address (module.net); "root" means the root module.
	Module        string
	AddressPrefix string
	// All lists no-op and read changes too (left out unless Action asks
	// for them).
	All    bool
	Cursor string
	Limit  int // page size: server default 50, at most 500
}

func (f ChangeFilter) query() url.Values {
	q := url.Values{}
	setQuery(q, "kind", string(f.Kind))
	setQuery(q, "phase", f.Phase)
	setQuery(q, "action", string(f.Action))
	setQuery(q, "type", f.Type)
	setQuery(q, "module", f.Module)
	setQuery(q, "address_prefix", f.AddressPrefix)
	if f.All {
		q.Set("all", "true")
	}
	setQuery(q, "cursor", f.Cursor)
	setLimit(q, f.Limit)
	return q
}

// String describes the filter for messages.
func (f ChangeFilter) String() string {
	var parts []string
	if f.Kind != "" {
		parts = append(parts, "kind "+string(f.Kind))
	}
	if f.Phase != "" {
		parts = append(parts, fmt.Sprintf("phase %q", f.Phase))
	}
	if f.Action != "" {
		parts = append(parts, "action "+string(f.Action))
	}
	if f.Type != "" {
		parts = append(parts, fmt.Sprintf("type %q", f.Type))
	}
	if f.Module != "" {
		parts = append(parts, fmt.Sprintf("module %q", f.Module))
	}
	if f.AddressPrefix != "" {
		parts = append(parts, fmt.Sprintf("address starting with %q", f.AddressPrefix))
	}
	if len(parts) == 0 {
		return "any change"
	}
	return strings.Join(parts, ", ")
}

// ListChanges returns one page of release id's changes that match f.
func (c *Client) ListChanges(ctx context.Context, id int64, f ChangeFilter) (*apiwire.ChangeList, error) {
	var p apiwire.ChangeList
	if err := c.get(ctx, api("releases", strconv.FormatInt(id, 10), "changes"), f.query(), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// AllChanges follows the cursor from f.Cursor to the last page and returns
// every change that matches f. max > 0 stops with an error once more than
// max changes have been read.
func (c *Client) AllChanges(ctx context.Context, id int64, f ChangeFilter, max int) ([]apiwire.Change, error) {
	if f.Limit == 0 {
		f.Limit = 500
	}
	var all []apiwire.Change
	for {
		p, err := c.ListChanges(ctx, id, f)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Changes...)
		if max > 0 && len(all) > max {
			return nil, fmt.Errorf("release %d has more than %d changes matching %s: narrow the filter", id, max, f)
		}
		if p.NextCursor == "" || p.NextCursor == f.Cursor {
			return all, nil
		}
		f.Cursor = p.NextCursor
	}
}

// IngestPlan stores a plan produced elsewhere (the JSON of
// `terraform show -json PLANFILE`) as the changes of release id's phase
// (default "plan"), replacing what that phase had.
func (c *Client) IngestPlan(ctx context.Context, id int64, phase string, planJSON io.Reader) (*apiwire.PlanResult, error) {
	q := url.Values{}
	setQuery(q, "phase", phase)
	var out apiwire.PlanResult
	err := c.do(ctx, request{method: http.MethodPost, path: api("releases", strconv.FormatInt(id, 10), "plan"), query: q, raw: planJSON, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RecordPlanOptions say what a recorded plan is.
type RecordPlanOptions struct {
	Template         string // template of the record (server default: full-plan)
	Phase            string // the template's phase the plan belongs to (default: its first plan phase)
	BlueprintVersion string // configuration version the plan was made from
}

// RecordPlan records a plan produced elsewhere (the JSON of
// `terraform show -json PLANFILE`) as a finished PLAN release of environment
// env, and returns that release; nothing is queued.
func (c *Client) RecordPlan(ctx context.Context, env string, o RecordPlanOptions, planJSON io.Reader) (*release.Release, error) {
	q := url.Values{}
	setQuery(q, "template", o.Template)
	setQuery(q, "phase", o.Phase)
	setQuery(q, "blueprint_version", o.BlueprintVersion)
	var r release.Release
	err := c.do(ctx, request{method: http.MethodPost, path: api("environments", env, "plans"), query: q, raw: planJSON, out: &r})
	if err != nil {
		return nil, err
	}
	return &r, nil
}
