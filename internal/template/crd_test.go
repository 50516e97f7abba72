package template

import (
	"bytes"
	"io/fs"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/templates/releases"
)

// dig follows keys (and list indexes, as ints) down a decoded YAML value.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("CRD has no %v", path[:i+1])
			}
			if m[p] == nil {
				t.Fatalf("CRD has no %v", path[:i+1])
			}
			v = m[p]
		case int:
			l, ok := v.([]any)
			if !ok {
				t.Fatalf("CRD has no %v", path[:i+1])
			}
			if p >= len(l) {
				t.Fatalf("CRD has no %v", path[:i+1])
			}
			v = l[p]
		}
	}
	return v
}

func strs(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not a list", v)
	}
	s := make([]string, len(l))
	for i, e := range l {
		s[i], ok = e.(string)
		if !ok {
			t.Fatalf("%v is not a list of strings", v)
		}
	}
	return s
}

// TestCRD checks that the CustomResourceDefinition says what Validate does,
// so that the two cannot drift apart.
func TestCRD(t *testing.T) {
	t.Parallel()
	var crd map[string]any
	if err := yaml.UnmarshalStrict(bytes.TrimPrefix(releases.CRD, []byte("---\n")), &crd); err != nil {
		t.Fatalf("the CRD is not valid YAML: %v", err)
	}
	if crd["apiVersion"] != "apiextensions.k8s.io/v1" || crd["kind"] != "CustomResourceDefinition" {
		t.Errorf("the CRD is a %v %v", crd["apiVersion"], crd["kind"])
	}
	group := dig(t, crd, "spec", "group").(string)
	plural := dig(t, crd, "spec", "names", "plural").(string)
	version := dig(t, crd, "spec", "versions", 0, "name").(string)
	if got := dig(t, crd, "metadata", "name"); got != plural+"."+group {
		t.Errorf("CRD name %v, want %s.%s", got, plural, group)
	}
	if group+"/"+version != APIVersion {
		t.Errorf("CRD group and version %s/%s, want %s", group, version, APIVersion)
	}
	if got := dig(t, crd, "spec", "names", "kind"); got != Kind {
		t.Errorf("CRD kind %v, want %s", got, Kind)
	}

	schema := dig(t, crd, "spec", "versions", 0, "schema", "openAPIV3Schema")
	spec := dig(t, schema, "properties", "spec")
	phases := dig(t, spec, "properties", "phases")
	phase := dig(t, phases, "items")
	props := dig(t, phase, "properties").(map[string]any)
	enum := func(field string) []string { return strs(t, dig(t, props, field, "enum")) }

	var actions []string
	for _, a := range release.Actions {
		actions = append(actions, string(a))
	}
	if got := enum("action"); !slices.Equal(got, actions) {
		t.Errorf("CRD action enum %v, want release.Actions %v", got, actions)
	}
	if got, want := enum("approval"), []string{string(ApprovalRequired), string(ApprovalNone)}; !slices.Equal(got, want) {
		t.Errorf("CRD approval enum %v, want %v", got, want)
	}
	if got, want := enum("targets"), []string{string(TargetsFromRelease)}; !slices.Equal(got, want) {
		t.Errorf("CRD targets enum %v, want %v", got, want)
	}

	// The same fields, and the same required ones.
	wantProps := slices.Sorted(maps.Keys(jsonFields(reflect.TypeFor[PhaseSpec]())))
	gotProps := slices.Sorted(maps.Keys(props))
	if !slices.Equal(gotProps, wantProps) {
		t.Errorf("CRD phase properties %v, want PhaseSpec's fields %v", gotProps, wantProps)
	}
	if got := slices.Sorted(slices.Values(strs(t, dig(t, phase, "required")))); !slices.Equal(got, []string{"action", "name"}) {
		t.Errorf("CRD phase required %v, want [name action]", got)
	}
	if got := strs(t, dig(t, spec, "required")); !slices.Equal(got, []string{"phases"}) {
		t.Errorf("CRD spec required %v, want [phases]", got)
	}
	if got := dig(t, phases, "minItems"); got != float64(1) {
		t.Errorf("CRD phases minItems %v, want 1", got)
	}
	if got := dig(t, phases, "maxItems"); got != float64(MaxPhases) {
		t.Errorf("CRD phases maxItems %v, want %d", got, MaxPhases)
	}
	if got := dig(t, props, "parallelism", "minimum"); got != float64(0) {
		t.Errorf("CRD parallelism minimum %v, want 0", got)
	}

	// Template and phase names follow release.ValidateName (the template's
	// name through a rule on the whole object: a CRD cannot give
	// metadata a schema).
	rule := dig(t, schema, "x-kubernetes-validations", 0, "rule").(string)
	namePattern, ok := strings.CutPrefix(rule, "self.metadata.name.matches('")
	namePattern, ok2 := strings.CutSuffix(namePattern, "')")
	if !ok || !ok2 {
		t.Fatalf("CRD's first rule %q does not check the name with a pattern", rule)
	}
	for _, pattern := range []string{
		namePattern,
		dig(t, schema, "properties", "spec", "properties", "phases", "items", "properties", "name", "pattern").(string),
	} {
		path := pattern
		re := regexp.MustCompile(pattern)
		for _, name := range []string{"plan", "destroy-plan", "a", "0-a", strings.Repeat("a", 63),
			strings.Repeat("a", 64), "", "Plan", "-plan", "plan-", "plan_2", "plan.2"} {
			if got, want := re.MatchString(name), release.ValidateName("x", name) == nil; got != want {
				t.Errorf("CRD %v matches %q: %v, release.ValidateName accepts it: %v", path, name, got, want)
			}
		}
	}

	// The timeout pattern accepts what time.ParseDuration does, signs aside.
	re := regexp.MustCompile(dig(t, props, "timeout", "pattern").(string))
	for _, d := range []string{"10m", "1h30m", "1.5h", ".5s", "90s", "100ms", "1us", "1µs"} {
		if !re.MatchString(d) {
			t.Errorf("CRD timeout pattern rejects %q", d)
		}
	}
	for _, d := range []string{"10", "10 minutes", "-1m", "1d", ""} {
		if re.MatchString(d) {
			t.Errorf("CRD timeout pattern accepts %q", d)
		}
	}
}

// TestCRDIsNotATemplate checks that the CRD is kept out of the built-in
// templates.
func TestCRDIsNotATemplate(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(releases.FS, "*")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"full-plan.yaml", "policy-apply.yaml", "selective-apply.yaml", "selective-plan.yaml", "terraform-apply.yaml", "terraform-destroy.yaml"}
	if !slices.Equal(names, want) {
		t.Errorf("releases.FS holds %v, want %v", names, want)
	}
}
