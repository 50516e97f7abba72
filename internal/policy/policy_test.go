package policy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/policy"
)

const denyDeletes = `package shiplog.nodelete

deny contains msg if {
	some rc in input.resource_changes
	rc.action == "delete"
	msg := sprintf("%s would be deleted", [rc.address])
}

warn contains {"msg": "a change touches production"} if input.environment.name == "prod"
`

func TestEvaluateDenyAndWarn(t *testing.T) {
	t.Parallel()
	pol := policy.Policy{Name: "nodelete", Version: 3, Module: denyDeletes}
	input := map[string]any{
		"environment":      map[string]any{"name": "prod"},
		"resource_changes": []any{map[string]any{"address": "terraform_data.db", "action": "delete"}, map[string]any{"address": "terraform_data.web", "action": "create"}},
	}
	rs, err := policy.Evaluate(context.Background(), []policy.Policy{pol}, input, policy.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d results, want 1", len(rs))
	}
	r := rs[0]
	if r.Verdict != policy.VerdictDeny {
		t.Errorf("verdict %s, want deny", r.Verdict)
	}
	if strings.Join(r.Denials, "|") != "terraform_data.db would be deleted" {
		t.Errorf("denials %q", r.Denials)
	}
	if strings.Join(r.Warnings, "|") != "a change touches production" {
		t.Errorf("warnings %q (an object's msg is the message)", r.Warnings)
	}
	if r.Version != 3 || r.Policy != "nodelete" {
		t.Errorf("result names policy %s version %d, want nodelete version 3", r.Policy, r.Version)
	}

	input["environment"] = map[string]any{"name": "staging"}
	input["resource_changes"] = []any{}
	rs, err = policy.Evaluate(context.Background(), []policy.Policy{pol}, input, policy.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Verdict != policy.VerdictPass {
		t.Errorf("verdict with nothing to say: %s, want pass", rs[0].Verdict)
	}
}

func TestCheckRefusesBadRego(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src  string
		line       int
		mentioning string
	}{
		{"syntax", "package p\n\ndeny contains msg if {\n\tmsg := \n}\n", 5, ""},
		{"unsafe variable", "package p\n\ndeny contains msg if {\n\tx == 1\n\tmsg := \"no\"\n}\n", 4, "x"},
		{"network builtin", "package p\n\ndeny contains msg if {\n\tr := http.send({\"method\": \"GET\", \"url\": \"http://example.com\"})\n\tmsg := r.body\n}\n", 4, "http.send"},
		{"process builtin", "package p\n\nwarn contains msg if {\n\tmsg := opa.runtime().env.HOME\n}\n", 4, "opa.runtime"},
		{"nothing to say", "package p\n\nallow := true\n", 1, "neither deny nor warn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := policy.Check("p", tc.src)
			var se *policy.SourceError
			if !errors.As(err, &se) {
				t.Fatalf("Check: %v, want a *SourceError", err)
			}
			if se.Problems[0].Line != tc.line {
				t.Errorf("problem at line %d, want %d: %v", se.Problems[0].Line, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.mentioning) {
				t.Errorf("error %q does not mention %q", err, tc.mentioning)
			}
		})
	}
}

// A policy that would run for hours is stopped at its time limit, with an
// error saying so; the caller is not stuck.
func TestRunawayPolicyIsStopped(t *testing.T) {
	t.Parallel()
	runaway := policy.Policy{Name: "spin", Version: 1, Module: `package spin

deny contains "never" if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
}
`}
	_, err := policy.Evaluate(context.Background(), []policy.Policy{runaway}, map[string]any{}, policy.Limits{Time: 300 * time.Millisecond})
	var le *policy.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("Evaluate: %v, want a *LimitError", err)
	}
	if le.What != "time" {
		t.Errorf("limit %q, want time", le.What)
	}
	if !strings.Contains(err.Error(), "spin") {
		t.Errorf("error %q does not name the policy", err)
	}
}

// A policy that allocates without bound is stopped at its memory limit.
func TestGreedyPolicyIsStopped(t *testing.T) {
	t.Parallel()
	greedy := policy.Policy{Name: "hog", Version: 1, Module: `package hog

deny contains msg if {
	xs := [sprintf("%d-%d", [i, j]) | some i in numbers.range(1, 5000); some j in numbers.range(1, 5000)]
	count(xs) == 0
	msg := "never"
}
`}
	_, err := policy.Evaluate(context.Background(), []policy.Policy{greedy}, map[string]any{}, policy.Limits{Time: time.Minute, Memory: 64 << 20})
	var le *policy.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("Evaluate: %v, want a *LimitError", err)
	}
	if le.What != "memory" {
		t.Errorf("limit %q, want memory", le.What)
	}
}
