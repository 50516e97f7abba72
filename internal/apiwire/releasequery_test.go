package apiwire_test

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func TestReleaseQueryRoundTrip(t *testing.T) {
	t.Parallel()
	in := apiwire.ReleaseQuery{Environment: "prod", Statuses: []release.Status{release.StatusFailed, release.StatusTimedOut},
		Template: "terraform-apply", DeploymentType: release.DeploymentRegular, Type: release.TypeApply, TriggeredBy: "ci",
		CreatedAfter: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), CreatedBefore: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Cursor: "abc.def", Limit: 20}
	out, err := apiwire.ParseReleaseQuery(in.Values())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("parsed back %+v, want %+v", out, in)
	}
}

func TestParseReleaseQueryForms(t *testing.T) {
	t.Parallel()
	t.Run("repeated and comma-separated statuses both count", func(t *testing.T) {
		t.Parallel()
		q, err := apiwire.ParseReleaseQuery(url.Values{"status": {"FAILED,STOPPED", "ABORTED", ""}})
		if err != nil {
			t.Fatal(err)
		}
		want := []release.Status{release.StatusFailed, release.StatusStopped, release.StatusAborted}
		if !reflect.DeepEqual(q.Statuses, want) {
			t.Errorf("statuses %v, want %v", q.Statuses, want)
		}
	})
	t.Run("a date is midnight UTC", func(t *testing.T) {
		t.Parallel()
		q, err := apiwire.ParseReleaseQuery(url.Values{"created_after": {"2026-03-04"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC); !q.CreatedAfter.Equal(want) {
			t.Errorf("created_after %v, want %v", q.CreatedAfter, want)
		}
	})
	t.Run("empty form fields do not filter", func(t *testing.T) {
		t.Parallel()
		q, err := apiwire.ParseReleaseQuery(url.Values{"environment": {""}, "release_type": {""}, "created_before": {""}})
		if err != nil {
			t.Fatal(err)
		}
		if q.String() != "any release" {
			t.Errorf("filters %q, want none", q)
		}
	})
	t.Run("a limit over the maximum is the maximum", func(t *testing.T) {
		t.Parallel()
		q, err := apiwire.ParseReleaseQuery(url.Values{"limit": {"9000"}})
		if err != nil {
			t.Fatal(err)
		}
		if q.Limit != apiwire.MaxLimit {
			t.Errorf("limit %d, want %d", q.Limit, apiwire.MaxLimit)
		}
	})
	for field, v := range map[string]string{"status": "DONE", "release_type": "X", "deployment_type": "Y",
		"created_after": "yesterday", "limit": "0"} {
		t.Run("bad "+field+" is named", func(t *testing.T) {
			t.Parallel()
			_, err := apiwire.ParseReleaseQuery(url.Values{field: {v}})
			var qe *apiwire.QueryError
			if !errors.As(err, &qe) || qe.Field != field {
				t.Errorf("%s=%s: %v, want a QueryError for %s", field, v, err, field)
			}
		})
	}
}
