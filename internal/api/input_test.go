package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// planJSON is a small plan as `terraform show -json` prints it: two
// resource changes (a create and an update) and an output.
const planJSON = `{"format_version":"1.2","terraform_version":"1.11.4",
"resource_changes":[
 {"address":"terraform_data.web","mode":"managed","type":"terraform_data","name":"web","provider_name":"terraform.io/builtin/terraform",
  "change":{"actions":["create"],"before":null,"after":{"input":"web:2"},"after_unknown":{"id":true,"output":true},"before_sensitive":false,"after_sensitive":{}}},
 {"address":"module.db.terraform_data.main","module_address":"module.db","mode":"managed","type":"terraform_data","name":"main","provider_name":"terraform.io/builtin/terraform",
  "change":{"actions":["update"],"before":{"input":"15"},"after":{"input":"16"},"after_unknown":{},"before_sensitive":{},"after_sensitive":{}}},
 {"address":"terraform_data.same","mode":"managed","type":"terraform_data","name":"same","provider_name":"terraform.io/builtin/terraform",
  "change":{"actions":["no-op"],"before":{"input":"x"},"after":{"input":"x"},"after_unknown":{},"before_sensitive":{},"after_sensitive":{}}}
],
"output_changes":{"web":{"actions":["create"],"before":null,"after":"web:2","after_unknown":false,"before_sensitive":false,"after_sensitive":false}}
}`

// Bad input is refused with a 4xx JSON error naming the field or the
// reason, and leaves nothing half-written.
func TestBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.MaxPlanBody = 4096 })
	h.env("prod")
	h.env("targeted")
	cases := []struct {
		name, method, path, body string
		status                   int
		field, says              string
	}{
		{"malformed JSON", "POST", "/api/v1/releases", `{"environment": "prod",`, 400, "", "malformed JSON"},
		{"malformed JSON mid-way", "POST", "/api/v1/releases", "{\"environment\": \"prod\",\n \"targets\": [1,}", 400, "", "line 2"},
		{"two values", "POST", "/api/v1/releases", `{"environment": "prod"} {}`, 400, "", "more than one JSON value"},
		{"empty body", "POST", "/api/v1/releases", ``, 400, "", "empty"},
		{"not an object", "POST", "/api/v1/releases", `[1]`, 400, "", "JSON object"},
		{"unknown field", "POST", "/api/v1/releases", `{"environment": "prod", "colour": "red"}`, 400, "colour", "unknown field"},
		{"wrong type", "POST", "/api/v1/releases", `{"environment": 5}`, 400, "environment", "must be a string"},
		{"wrong type in a list", "POST", "/api/v1/releases", `{"environment": "prod", "targets": "a"}`, 400, "targets", "an array"},
		{"wrong nested type", "POST", "/api/v1/releases", `{"environment": "prod", "artifacts": [{"id": "seven"}]}`, 400, "artifacts.id", "an integer"},
		{"missing environment", "POST", "/api/v1/releases", `{}`, 400, "environment", "required"},
		{"unknown environment", "POST", "/api/v1/releases", `{"environment": "nope"}`, 400, "environment", `"nope" does not exist`},
		{"unknown template", "POST", "/api/v1/releases", `{"environment": "prod", "template": "yolo-apply"}`, 400, "template", `"yolo-apply" not found`},
		{"template needs targets", "POST", "/api/v1/releases", `{"environment": "targeted", "template": "selective-plan"}`, 400, "targets", "no targets"},
		{"bad deployment type", "POST", "/api/v1/releases", `{"environment": "prod", "deployment_type": "HOTFIX"}`, 400, "deployment_type", "HOTFIX"},
		{"rollback by create", "POST", "/api/v1/releases", `{"environment": "prod", "deployment_type": "ROLLBACK"}`, 400, "deployment_type", "rollback"},
		{"unknown artifact", "POST", "/api/v1/releases", `{"environment": "prod", "artifacts": [{"artifact_uri": "oci://new:1"}, {"id": 999}]}`, 400, "artifacts[1].id", "999"},
		{"artifact without uri", "POST", "/api/v1/releases", `{"environment": "prod", "artifacts": [{"app_name": "web"}]}`, 400, "artifacts[0].artifact_uri", "artifact_uri"},
		{"variable twice", "POST", "/api/v1/releases", `{"environment": "prod", "variables": [{"name": "a"}, {"name": "a"}]}`, 400, "variables", "twice"},
		{"wrong content type", "POST", "/api/v1/artifacts", `artifact_uri=x`, 415, "", "application/json"},
		{"unknown release", "GET", "/api/v1/releases/999999", ``, 404, "", "999999"},
		{"release id not a number", "GET", "/api/v1/releases/abc", ``, 400, "id", "abc"},
		{"unknown environment path", "GET", "/api/v1/environments/nope", ``, 404, "", "nope"},
		{"unknown artifact path", "GET", "/api/v1/artifacts/424242", ``, 404, "", "424242"},
		{"bad status filter", "GET", "/api/v1/releases?status=SUCCEEDED,DONE", ``, 400, "status", "DONE"},
		{"bad time filter", "GET", "/api/v1/releases?created_after=yesterday", ``, 400, "created_after", "RFC 3339"},
		{"bad limit", "GET", "/api/v1/releases?limit=lots", ``, 400, "limit", "lots"},
		{"unknown filter", "GET", "/api/v1/releases?enviroment=prod", ``, 400, "enviroment", "unknown query parameter"},
		{"bad change kind", "GET", "/api/v1/releases/1/changes?kind=everything", ``, 400, "kind", "everything"},
		{"bad log cursor", "GET", "/api/v1/releases/1/logs?cursor=-4", ``, 400, "cursor", "-4"},
		{"bad health", "POST", "/api/v1/environments/prod/resources/health", `{"address": "a.b", "health_status": "FINE"}`, 400, "health_status", "FINE"},
		{"bad environment name", "POST", "/api/v1/environments", `{"name": "Prod EU", "source": {"dir": "/tmp"}}`, 400, "name", "not valid"},
		{"environment without source", "POST", "/api/v1/environments", `{"name": "eu"}`, 400, "source", "source"},
		{"environment with unknown template", "POST", "/api/v1/environments", `{"name": "eu", "source": {"dir": "/tmp"}, "default_template": "nope"}`, 400, "default_template", "nope"},
		{"environment bad timeout", "POST", "/api/v1/environments", `{"name": "eu", "source": {"dir": "/tmp"}, "phase_timeouts": {"plan": "soon"}}`, 400, "phase_timeouts", "soon"},
		{"environment exists", "POST", "/api/v1/environments", `{"name": "prod", "source": {"dir": "/tmp"}}`, 409, "", "already exists"},
		{"rename environment", "PUT", "/api/v1/environments/prod", `{"name": "staging", "source": {"dir": "/tmp"}}`, 400, "name", "renamed"},
		{"relative dir", "POST", "/api/v1/environments", `{"name": "eu", "source": {"dir": "envs/eu"}}`, 400, "source.dir", "absolute"},
		{"missing dir", "POST", "/api/v1/environments", `{"name": "eu", "source": {"dir": "/nonexistent/eu"}}`, 400, "source.dir", "does not exist on the API server's machine"},
		{"git password in URL", "POST", "/api/v1/environments", `{"name": "eu", "source": {"git_url": "https://me:hunter2@example.com/r.git"}}`, 400, "source.git_url", "git_token"},
		{"git subdir outside", "POST", "/api/v1/environments", `{"name": "eu", "source": {"git_url": "file:///r.git", "git_subdir": "../x"}}`, 400, "source.git_subdir", "relative"},
		{"git bad ref", "POST", "/api/v1/environments", `{"name": "eu", "source": {"git_url": "file:///r.git", "git_ref": "--upload-pack=x"}}`, 400, "source.git_ref", "--upload-pack"},
		{"unknown source kind", "POST", "/api/v1/environments", `{"name": "eu", "source": {"kind": "s3"}}`, 400, "source.kind", "s3"},
		{"push to a dir environment", "POST", "/api/v1/environments/prod/configurations", ``, 409, "", "upload"},
		{"sign-off status", "POST", "/api/v1/releases/1/signoff", `{"status": "MAYBE"}`, 400, "status", "MAYBE"},
		{"no route", "GET", "/api/v1/nothing", ``, 404, "", "no route"},
		{"wrong method", "DELETE", "/api/v1/releases", ``, 405, "", "not allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			if c.name == "wrong content type" {
				code, b := h.doWithType(c.method, c.path, "writer", c.body, "application/x-www-form-urlencoded")
				if code != c.status {
					t.Fatalf("%d %s", code, b)
				}
				if !strings.Contains(string(b), c.says) {
					t.Fatalf("%d %s", code, b)
				}
				return
			}
			tok := "admin"
			e := h.fails(c.method, c.path, tok, body, c.status)
			if e.Error.Field != c.field {
				t.Fatalf("error %+v: want field %q and a message saying %q", e.Error, c.field, c.says)
			}
			if !strings.Contains(strings.ToLower(e.Error.Message), strings.ToLower(c.says)) {
				t.Fatalf("error %+v: want field %q and a message saying %q", e.Error, c.field, c.says)
			}
			if want := map[int]string{400: "invalid", 404: "not_found", 409: "conflict", 405: "invalid", 415: "invalid"}[c.status]; e.Error.Code != want {
				t.Fatalf("code %q, want %q", e.Error.Code, want)
			}
		})
	}
	// None of that wrote anything.
	var rl apiwire.ReleaseList
	h.call("GET", "/api/v1/releases", "reader", nil, 200, &rl)
	var al apiwire.ArtifactList
	h.call("GET", "/api/v1/artifacts", "reader", nil, 200, &al)
	if len(rl.Releases) != 0 {
		t.Fatalf("bad requests left %d releases and %d artifacts", len(rl.Releases), len(al.Artifacts))
	}
	if len(al.Artifacts) != 0 {
		t.Fatalf("bad requests left %d releases and %d artifacts", len(rl.Releases), len(al.Artifacts))
	}

	// Bodies over the limit: 413, named.
	big := `{"environment": "prod", "targets": ["` + strings.Repeat("x", 2<<20) + `"]}`
	if e := h.fails("POST", "/api/v1/releases", "writer", big, 413); e.Error.Code != "too_large" || !strings.Contains(e.Error.Message, "1048576") {
		t.Fatalf("oversized body: %+v", e)
	}
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "full-plan"})
	var pr apiwire.PlanResult
	h.call("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", planJSON, 200, &pr)
	if pr.Summary.Create != 1 {
		t.Fatalf("ingested: %+v", pr)
	}
	if pr.Summary.Update != 1 {
		t.Fatalf("ingested: %+v", pr)
	}
	if pr.Summary.NoOp != 1 {
		t.Fatalf("ingested: %+v", pr)
	}
	bigPlan := `{"format_version":"1.2","resource_changes":[` + strings.Repeat(` `, 8192) + `]}`
	if e := h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", bigPlan, 413); e.Error.Code != "too_large" {
		t.Fatalf("oversized plan: %+v", e)
	}
	// A broken plan leaves the phase's changes as they were.
	broken := planJSON[:len(planJSON)/2]
	if e := h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", broken, 400); !strings.Contains(e.Error.Message, "plan") {
		t.Fatalf("broken plan: %+v", e)
	}
	h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", `{"values": {}}`, 400)
	h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/plan?phase=apply", rel.ID), "writer", planJSON, 400)
	var cl apiwire.ChangeList
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes", rel.ID), "reader", nil, 200, &cl)
	if len(cl.Changes) != 2 {
		t.Fatalf("changes after the broken upload: %+v", cl)
	}
	// Recording a broken plan creates no release.
	h.fails("POST", "/api/v1/environments/prod/plans", "writer", broken, 400)
	h.call("GET", "/api/v1/releases", "reader", nil, 200, &rl)
	if len(rl.Releases) != 1 {
		t.Fatalf("%d releases after a broken plan record", len(rl.Releases))
	}
}

// Cursors are opaque and tamper-evident, and bound to their query.
func TestCursors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("a")
	h.env("b")
	var want []int64
	for i := range 7 {
		env := "a"
		if i%3 == 2 {
			env = "b"
		}
		r := h.createRelease(apiwire.CreateReleaseRequest{Environment: env, Template: "full-plan"})
		if env == "a" {
			want = append([]int64{r.ID}, want...)
		}
	}
	var got []int64
	cursor, pages := "", 0
	for {
		var p apiwire.ReleaseList
		h.call("GET", "/api/v1/releases?environment=a&limit=2&cursor="+url.QueryEscape(cursor), "reader", nil, 200, &p)
		for _, r := range p.Releases {
			got = append(got, r.ID)
			if r.Environment != "a" {
				t.Fatalf("listed release %+v", r)
			}
			if len(r.Phases) != 2 {
				t.Fatalf("listed release %+v", r)
			}
		}
		pages++
		if p.NextCursor == "" {
			break
		}
		if pages == 1 {
			// tampered: any change to payload or MAC is refused
			for _, bad := range []string{p.NextCursor + "x", flip(p.NextCursor, 3), flip(p.NextCursor, len(p.NextCursor)-2), "eyJrIjoicmVsZWFzZXMiLCJpIjo5OTl9.AAAA", "garbage"} {
				if e := h.fails("GET", "/api/v1/releases?environment=a&limit=2&cursor="+url.QueryEscape(bad), "reader", nil, 400); e.Error.Field != "cursor" {
					t.Fatalf("tampered cursor: %+v", e)
				}
			}
			// the same cursor with other filters, or on another list, is refused
			h.fails("GET", "/api/v1/releases?environment=b&limit=2&cursor="+url.QueryEscape(p.NextCursor), "reader", nil, 400)
			h.fails("GET", "/api/v1/artifacts?cursor="+url.QueryEscape(p.NextCursor), "reader", nil, 400)
		}
		cursor = p.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("paged %v in %d pages, want %v (newest first)", got, pages, want)
	}
	if pages != 3 {
		t.Fatalf("paged %v in %d pages, want %v (newest first)", got, pages, want)
	}
	var p apiwire.ReleaseList
	h.call("GET", "/api/v1/releases?status=QUEUED&template=full-plan&triggered_by=pipeline&deployment_type=REGULAR&created_after=2000-01-01T00:00:00Z", "reader", nil, 200, &p)
	if len(p.Releases) != 7 {
		t.Fatalf("filtered: %d", len(p.Releases))
	}
	h.call("GET", "/api/v1/releases?status=FAILED,SUCCEEDED", "reader", nil, 200, &p)
	if len(p.Releases) != 0 {
		t.Fatalf("no match: %+v", p)
	}
	if p.NextCursor != "" {
		t.Fatalf("no match: %+v", p)
	}
}

func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
