package template

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// doc is a ReleaseTemplate document named name whose spec.phases is the
// given YAML, indented as a list under phases.
func doc(name, phases string) string {
	return "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nmetadata:\n  name: " + name +
		"\nspec:\n  phases:\n" + indent(phases, "    ")
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// wantErr fails the test unless err is non-nil and its message contains every
// fragment.
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q\ndoes not contain %q", err, f)
		}
	}
}

func parseOne(t *testing.T, data string) *Template {
	t.Helper()
	ts, err := Parse("t.yaml", []byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(ts) != 1 {
		t.Fatalf("Parse returned %d templates, want 1", len(ts))
	}
	return ts[0]
}

func TestBuiltins(t *testing.T) {
	t.Parallel()
	c, err := NewCatalog()
	if err != nil {
		t.Fatalf("NewCatalog: %v", err)
	}
	tests := []struct {
		name    string
		actions []release.Action
		typ     release.Type
		targets bool // a phase uses targets: fromRelease
	}{
		{"full-plan", []release.Action{"init", "plan"}, release.TypePlan, false},
		{"policy-apply", []release.Action{"init", "migrate", "plan", "policy", "apply"}, release.TypeApply, false},
		{"selective-apply", []release.Action{"init", "plan", "apply"}, release.TypeSelective, true},
		{"selective-plan", []release.Action{"init", "plan"}, release.TypePlan, true},
		{"terraform-apply", []release.Action{"init", "migrate", "plan", "apply"}, release.TypeApply, false},
		{"terraform-destroy", []release.Action{"init", "destroy-plan", "apply"}, release.TypeDestroy, false},
	}
	var names []string
	for _, tt := range tests {
		names = append(names, tt.name)
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := c.Get("", tt.name)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if err := tmpl.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !tmpl.Builtin() || tmpl.Namespace() != DefaultNamespace || tmpl.Spec.Description == "" {
				t.Errorf("builtin %v, namespace %q, description %q: want a described built-in in %q",
					tmpl.Builtin(), tmpl.Namespace(), tmpl.Spec.Description, DefaultNamespace)
			}
			if want := "built-in " + tt.name + ".yaml"; tmpl.Source() != want || tmpl.Line() != 1 {
				t.Errorf("source %s:%d, want %s:1", tmpl.Source(), tmpl.Line(), want)
			}
			var actions []release.Action
			targets := false
			for _, p := range tmpl.Phases() {
				actions = append(actions, p.Action)
				targets = targets || p.Options.TargetsFromRelease
			}
			if !reflect.DeepEqual(actions, tt.actions) {
				t.Errorf("actions %v, want %v", actions, tt.actions)
			}
			if tmpl.Type() != tt.typ {
				t.Errorf("type %s, want %s", tmpl.Type(), tt.typ)
			}
			if targets != tt.targets {
				t.Errorf("uses the release's targets: %v, want %v", targets, tt.targets)
			}
		})
	}
	var got []string
	for _, tmpl := range c.List() {
		got = append(got, tmpl.Name())
	}
	if !reflect.DeepEqual(got, names) {
		t.Errorf("built-in templates %v, want %v", got, names)
	}
}

func TestPhases(t *testing.T) {
	t.Parallel()
	tmpl := parseOne(t, doc("all-options", `
- name: init
  action: init
  timeout: 5m
- name: plan
  action: plan
  targets: fromRelease
  refresh: false
  parallelism: 10
  timeout: 1h30m
  approval: none
- name: apply
  action: apply
  approval: required
  parallelism: 0
- name: smoke
  action: run
  command: ./smoke.sh
  args: ["--fast", "-n", "3"]
`))
	no := false
	want := []release.Phase{
		{Index: 0, Name: "init", Action: release.ActionInit, Status: release.PhasePending,
			Options: release.PhaseOptions{Timeout: 5 * time.Minute}},
		{Index: 1, Name: "plan", Action: release.ActionPlan, Status: release.PhasePending,
			Options: release.PhaseOptions{TargetsFromRelease: true, Refresh: &no, Parallelism: 10, Timeout: 90 * time.Minute}},
		{Index: 2, Name: "apply", Action: release.ActionApply, Status: release.PhasePending,
			Options: release.PhaseOptions{ApprovalRequired: true}},
		{Index: 3, Name: "smoke", Action: release.ActionRun, Status: release.PhasePending,
			Options: release.PhaseOptions{Command: "./smoke.sh", Args: []string{"--fast", "-n", "3"}}},
	}
	got := tmpl.Phases()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Phases:\n got %+v\nwant %+v", got, want)
	}

	// The phases are the release's own: changing them leaves the template be.
	*got[1].Options.Refresh = true
	got[3].Options.Args[0] = "--slow"
	again := tmpl.Phases()
	if *again[1].Options.Refresh || again[3].Options.Args[0] != "--fast" {
		t.Errorf("changing a release's phases changed the template: %+v", again)
	}
}

func TestCheckRelease(t *testing.T) {
	t.Parallel()
	c, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	selective, _ := c.Get("", "selective-plan")
	full, _ := c.Get("", "full-plan")

	wantErr(t, selective.CheckRelease(nil),
		`template selective-plan phase 2 "plan" uses targets: fromRelease but the release has no targets`)
	if err := selective.CheckRelease([]string{"aws_instance.web"}); err != nil {
		t.Errorf("selective-plan with a target: %v", err)
	}
	if err := full.CheckRelease(nil); err != nil {
		t.Errorf("full-plan without targets: %v", err)
	}

	other := parseOne(t, "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nmetadata:\n  name: pick\n  namespace: team-a\n"+
		"spec:\n  phases:\n    - name: p\n      action: destroy-plan\n      targets: fromRelease\n")
	wantErr(t, other.CheckRelease([]string{}), `template team-a/pick phase 1 "p" uses targets: fromRelease`)
}

func TestParseDocuments(t *testing.T) {
	t.Parallel()
	data := "\uFEFF# leading comment, then an empty document\n---\n" +
		doc("one", "- name: init\n  action: init") +
		"--- # the second\n" +
		doc("two", "- name: init\n  action: init") +
		"---\n# only a comment\n...\n---\n" +
		"apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nmetadata: {name: three, namespace: team-a}\nspec: {phases: [{name: p, action: plan}]}\n" +
		"---\n"
	ts, err := Parse("multi.yaml", []byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var got []string
	for _, tmpl := range ts {
		got = append(got, fmt.Sprintf("%s@%s:%d", tmpl, tmpl.Source(), tmpl.Line()))
	}
	want := []string{"one@multi.yaml:3", "two@multi.yaml:12", "team-a/three@multi.yaml:24"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("templates %v, want %v", got, want)
	}
	if ts[0].Metadata.Namespace != DefaultNamespace {
		t.Errorf("namespace %q, want it defaulted to %q", ts[0].Metadata.Namespace, DefaultNamespace)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	valid := doc("ok", "- name: init\n  action: init")
	tests := []struct {
		name  string
		data  string
		wants []string
	}{
		{
			name:  "syntax error, with its line",
			data:  "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\n  metadata: x\n",
			wants: []string{"bad.yaml:3: mapping values are not allowed in this context"},
		},
		{
			name:  "syntax error in a later document counts lines from the top of the file",
			data:  valid + "---\nspec:\n  phases: [\n",
			wants: []string{"bad.yaml:11: did not find expected node content"},
		},
		{
			name:  "duplicate key",
			data:  "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nkind: ReleaseTemplate\n",
			wants: []string{`bad.yaml:3: key "kind" already set in map`},
		},
		{
			name:  "unknown field, with its path",
			data:  doc("x", "- name: init\n  action: init\n  refrsh: false"),
			wants: []string{`bad.yaml: unknown field "spec.phases[0].refrsh"`},
		},
		{
			name:  "field names are case-sensitive",
			data:  "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nMetadata: {name: x}\nspec: {phases: [{name: a, action: init}], Description: d}\n",
			wants: []string{`bad.yaml: unknown fields "Metadata", "spec.Description"`},
		},
		{
			name:  "unknown metadata field",
			data:  "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nmetadata: {name: x, uid: u}\nspec: {phases: [{name: a, action: init}]}\n",
			wants: []string{`unknown field "metadata.uid"`},
		},
		{
			name: "a YAML 1.1 boolean where a string is wanted",
			data: "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nmetadata: {name: x, labels: {gate: on}}\n" +
				"spec: {description: yes, phases: [{name: y, action: init}], extra: 1}\n",
			wants: []string{`bad.yaml: unknown field "spec.extra"; "metadata.labels.gate", "spec.description", "spec.phases[0].name": ` +
				`got a boolean, want a string (YAML reads an unquoted yes, no, on, off, y or n as a boolean: quote it)`},
		},
		{
			name:  "wrong type",
			data:  doc("x", "- name: plan\n  action: plan\n  parallelism: ten"),
			wants: []string{`bad.yaml: field "spec.phases.parallelism": got a string, want an integer`},
		},
		{
			name:  "phases not a list",
			data:  "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nmetadata: {name: x}\nspec: {phases: {name: a}}\n",
			wants: []string{`field "spec.phases": got a mapping, want a list`},
		},
		{
			name:  "not a mapping",
			data:  "- name: x\n",
			wants: []string{"bad.yaml: the document is not a mapping"},
		},
		{
			name:  "an error in one of several documents names it",
			data:  valid + "---\n" + doc("bad-one", "- name: init\n  action: innit"),
			wants: []string{`bad.yaml (document 2, line 10): template bad-one: phase 1 "init": unknown action "innit"`},
		},
		{
			name: "every document's problems are reported",
			data: doc("a", "- name: x\n  action: x") + "---\n" + doc("b", "- name: z\n  action: z"),
			wants: []string{
				`bad.yaml (document 1, line 1): template a: phase 1 "x": unknown action "x"`,
				`bad.yaml (document 2, line 10): template b: phase 1 "z": unknown action "z"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := Parse("bad.yaml", []byte(tt.data))
			wantErr(t, err, tt.wants...)
			if ts != nil {
				t.Errorf("Parse returned %d templates with its error", len(ts))
			}
		})
	}
}
