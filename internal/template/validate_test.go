package template

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	const valid = "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\n"
	const phases = "spec:\n  phases:\n    - {name: init, action: init}\n"
	tests := []struct {
		name  string
		data  string
		wants []string
	}{
		// The document as a whole.
		{"wrong apiVersion", "apiVersion: shiplog.dev/v1\nkind: ReleaseTemplate\nmetadata: {name: x}\n" + phases,
			[]string{`template x: apiVersion "shiplog.dev/v1" is not supported (want shiplog.dev/v1alpha1)`}},
		{"no apiVersion", "kind: ReleaseTemplate\nmetadata: {name: x}\n" + phases,
			[]string{"template x: apiVersion is required (want shiplog.dev/v1alpha1)"}},
		{"wrong kind", "apiVersion: shiplog.dev/v1alpha1\nkind: Template\nmetadata: {name: x}\n" + phases,
			[]string{`template x: kind "Template" is not supported (want ReleaseTemplate)`}},
		{"no kind", "apiVersion: shiplog.dev/v1alpha1\nmetadata: {name: x}\n" + phases,
			[]string{"template x: kind is required (want ReleaseTemplate)"}},
		{"no name", valid + "metadata: {namespace: team}\n" + phases,
			[]string{"t.yaml: template: metadata.name is required"}},
		{"invalid name", valid + "metadata: {name: Full_Plan}\n" + phases,
			[]string{`template Full_Plan: template name "Full_Plan" is not valid: use 1-63 lower-case letters, digits and '-'`}},
		{"invalid namespace", valid + "metadata: {name: x, namespace: -team}\n" + phases,
			[]string{`template -team/x: namespace name "-team" is not valid`}},
		{"no phases", valid + "metadata: {name: x}\nspec: {description: nothing}\n",
			[]string{"template x: spec.phases is empty: a template needs at least one phase"}},
		{"empty phases", valid + "metadata: {name: x}\nspec: {phases: []}\n",
			[]string{"template x: spec.phases is empty"}},
		{"too many phases", doc("x", manyPhases(MaxPhases+1)),
			[]string{"spec.phases has 101 phases: a template may have at most 100"}},

		// Phase names and actions.
		{"phase without a name", doc("x", "- action: init"),
			[]string{"template x: phase 1: name is required"}},
		{"invalid phase name", doc("x", "- name: Plan\n  action: plan"),
			[]string{`template x: phase 1 "Plan": phase name "Plan" is not valid`}},
		{"duplicate phase name", doc("x", "- name: init\n  action: init\n- name: plan\n  action: plan\n- name: plan\n  action: apply"),
			[]string{`template x: phase 3 "plan": duplicate phase name (phase 2 is also called "plan")`}},
		{"no action", doc("x", "- name: init"),
			[]string{`template x: phase 1 "init": action is required (valid: init, migrate, plan, apply, destroy-plan, run, policy)`}},
		{"unknown action", doc("x", "- name: init\n  action: init\n- name: plan\n  action: plann"),
			[]string{`template x: phase 2 "plan": unknown action "plann" (valid: init, migrate, plan, apply, destroy-plan, run, policy)`}},

		// Phase order.
		{"apply without a plan", doc("x", "- name: init\n  action: init\n- name: apply\n  action: apply"),
			[]string{`template x: phase 2 "apply": apply needs a plan or destroy-plan phase before it`}},
		{"apply before its plan", doc("x", "- name: apply\n  action: apply\n- name: plan\n  action: plan"),
			[]string{`phase 1 "apply": apply needs a plan or destroy-plan phase before it`}},
		{"second apply without a plan", doc("x", "- {name: plan, action: plan}\n- {name: apply, action: apply}\n- {name: again, action: apply}"),
			[]string{`phase 3 "again": apply needs a plan or destroy-plan phase between it and the previous apply`}},

		// Run phases.
		{"run without a command", doc("x", "- name: smoke\n  action: run\n  args: [--fast]"),
			[]string{`template x: phase 1 "smoke": action run needs a command`}},
		{"run with a blank command", doc("x", "- name: smoke\n  action: run\n  command: ' '"),
			[]string{`phase 1 "smoke": action run needs a command`}},
		{"command on a plan", doc("x", "- name: plan\n  action: plan\n  command: ./x"),
			[]string{`template x: phase 1 "plan": command is not allowed with action plan (only with run)`}},
		{"args on an init", doc("x", "- name: init\n  action: init\n  args: [-upgrade]"),
			[]string{`phase 1 "init": args is not allowed with action init (only with run)`}},

		// Option values.
		{"bad targets", doc("x", "- name: plan\n  action: plan\n  targets: all"),
			[]string{`template x: phase 1 "plan": targets "all" is not valid (the only value is fromRelease`}},
		{"bad approval", doc("x", "- name: plan\n  action: plan\n  approval: yes please"),
			[]string{`template x: phase 1 "plan": approval "yes please" is not valid (want required or none)`}},
		{"bad timeout", doc("x", "- name: plan\n  action: plan\n  timeout: 10 minutes"),
			[]string{`template x: phase 1 "plan": timeout "10 minutes" is not a duration (write it as Go does: 90s, 10m, 1h30m)`}},
		{"timeout without a unit", doc("x", "- name: plan\n  action: plan\n  timeout: 600"),
			[]string{`timeout "600" is not a duration`}},
		{"zero timeout", doc("x", "- name: plan\n  action: plan\n  timeout: 0s"),
			[]string{`phase 1 "plan": timeout must be positive, got "0s"`}},
		{"negative timeout", doc("x", "- name: plan\n  action: plan\n  timeout: -1m"),
			[]string{`timeout must be positive, got "-1m"`}},
		{"negative parallelism", doc("x", "- name: plan\n  action: plan\n  parallelism: -1"),
			[]string{`template x: phase 1 "plan": parallelism must not be negative, got -1`}},

		// Options that do not suit the action.
		{"targets on init", doc("x", "- name: init\n  action: init\n  targets: fromRelease"),
			[]string{`template x: phase 1 "init": targets is not allowed with action init (only with plan, destroy-plan)`}},
		{"targets on apply", doc("x", "- {name: plan, action: plan}\n- {name: apply, action: apply, targets: fromRelease}"),
			[]string{`phase 2 "apply": targets is not allowed with action apply (only with plan, destroy-plan)`}},
		{"refresh on migrate", doc("x", "- name: migrate\n  action: migrate\n  refresh: true"),
			[]string{`phase 1 "migrate": refresh is not allowed with action migrate (only with plan, destroy-plan)`}},
		{"parallelism on run", doc("x", "- name: smoke\n  action: run\n  command: ./smoke.sh\n  parallelism: 2"),
			[]string{`phase 1 "smoke": parallelism is not allowed with action run (only with plan, destroy-plan, apply)`}},

		// Every problem is reported.
		{"several problems", doc("x", "- name: init\n  action: init\n  targets: fromRelease\n- name: init\n  action: apply\n  timeout: soon"),
			[]string{
				"template x: 4 problems: ",
				`phase 1 "init": targets is not allowed with action init`,
				`; phase 2 "init": duplicate phase name (phase 1 is also called "init")`,
				`; phase 2 "init": timeout "soon" is not a duration`,
				`; phase 2 "init": apply needs a plan or destroy-plan phase before it`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.data))
			wantErr(t, err, append([]string{"t.yaml: "}, tt.wants...)...)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("error %q is not a *ValidationError", err)
			}
		})
	}
}

func TestValidateAcceptsEveryOptionWhereItFits(t *testing.T) {
	t.Parallel()
	parseOne(t, doc("everything", `
- {name: init, action: init, timeout: 2m, approval: none}
- {name: migrate, action: migrate, timeout: 5m, approval: required}
- {name: plan, action: plan, targets: fromRelease, refresh: false, parallelism: 4, timeout: 10m}
- {name: apply, action: apply, parallelism: 4, approval: required}
- {name: destroy-plan, action: destroy-plan, targets: fromRelease, refresh: true, parallelism: 0}
- {name: destroy, action: apply}
- {name: smoke, action: run, command: ./smoke.sh, args: [--fast], timeout: 30s}
`))
}

func TestValidationErrorProblems(t *testing.T) {
	t.Parallel()
	tmpl := &Template{APIVersion: APIVersion, Kind: Kind, Metadata: Metadata{Name: "x", Namespace: "team-a"},
		Spec: Spec{Phases: []PhaseSpec{{Name: "go", Action: "jump"}}}}
	err := tmpl.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate: %v, want a *ValidationError", err)
	}
	if ve.Template != "team-a/x" || len(ve.Problems) != 1 ||
		ve.Problems[0].Phase != 1 || ve.Problems[0].PhaseName != "go" {
		t.Errorf("got %+v", ve)
	}
	wantErr(t, err, `template team-a/x: phase 1 "go": unknown action "jump"`)
}

// manyPhases is n plan phases called p1, p2, ...
func manyPhases(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "- {name: p%d, action: plan}\n", i+1)
	}
	return b.String()
}
