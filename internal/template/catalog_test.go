package template

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// writeDir writes files (name -> content) into a new temporary directory.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	t.Parallel()
	dir := writeDir(t, map[string]string{
		// Overrides the built-in terraform-apply: plans and applies with approval.
		"apply.yaml": doc("terraform-apply", "- {name: init, action: init}\n- {name: plan, action: plan}\n"+
			"- {name: apply, action: apply, approval: required}"),
		// Two documents; the second has the built-in's name in another
		// namespace, which overrides nothing.
		"team.yml": doc("smoke", "- {name: smoke, action: run, command: ./smoke.sh}") + "---\n" +
			"apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nmetadata: {name: full-plan, namespace: team-a}\n" +
			"spec: {phases: [{name: plan, action: plan}]}\n",
		"README.md":           "not a template",
		".hidden.yaml":        "not: [valid",
		"sub/nested.yaml":     "not: [valid",
		"notes.yaml.disabled": "not: [valid",
	})
	c, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	apply, err := c.Get("default", "terraform-apply")
	if err != nil {
		t.Fatal(err)
	}
	if apply.Builtin() || apply.Source() != filepath.Join(dir, "apply.yaml") || len(apply.Spec.Phases) != 3 ||
		!apply.Phases()[2].Options.ApprovalRequired {
		t.Errorf("terraform-apply is not the user's: built-in %v, from %s, %d phases",
			apply.Builtin(), apply.Source(), len(apply.Spec.Phases))
	}
	full, err := c.Get("", "full-plan")
	if err != nil {
		t.Error(err)
	}
	if !full.Builtin() {
		t.Errorf("built-in full-plan: %v, %v", full, err)
	}
	teamFull, err := c.Get("team-a", "full-plan")
	if err != nil {
		t.Fatal(err)
	}
	if teamFull.Builtin() || teamFull.Line() != 9 || teamFull.Type() != release.TypePlan {
		t.Errorf("team-a/full-plan: built-in %v, line %d", teamFull.Builtin(), teamFull.Line())
	}
	if _, err := c.Get("", "smoke"); err != nil {
		t.Error(err)
	}

	var got []string
	for _, tmpl := range c.List() {
		got = append(got, tmpl.String())
	}
	want := []string{"full-plan", "policy-apply", "selective-apply", "selective-plan", "smoke", "terraform-apply", "terraform-destroy", "team-a/full-plan"}
	if !slices.Equal(got, want) {
		t.Errorf("List: %v, want %v", got, want)
	}
}

func TestLoadDirErrors(t *testing.T) {
	t.Parallel()
	phase := "- {name: init, action: init}"
	tests := []struct {
		name  string
		files map[string]string
		wants []string // with DIR standing for the directory
	}{
		{
			name: "duplicate across files",
			files: map[string]string{
				"a.yaml": doc("mine", phase),
				"b.yaml": "# mine again\n" + doc("mine", phase),
			},
			wants: []string{"loading templates from DIR: ", "template mine is defined twice: in DIR/a.yaml:1 and in DIR/b.yaml:2"},
		},
		{
			name:  "duplicate within a file",
			files: map[string]string{"a.yaml": doc("mine", phase) + "---\n" + doc("mine", phase)},
			wants: []string{"template mine is defined twice: in DIR/a.yaml:1 and in DIR/a.yaml:9"},
		},
		{
			name: "malformed file",
			files: map[string]string{
				"good.yaml": doc("good", phase),
				"bad.yaml":  "apiVersion: shiplog.dev/v1alpha1\nkind: ReleaseTemplate\nmetadata:\n  name: [bad\n",
			},
			wants: []string{"loading templates from DIR: DIR/bad.yaml:4: did not find expected ',' or ']'"},
		},
		{
			name: "problems in several files are all reported",
			files: map[string]string{
				"one.yaml": doc("one", "- {name: plan, action: plan, targets: some}"),
				"two.yml":  "kind: Something\n",
			},
			wants: []string{
				`DIR/one.yaml: template one: phase 1 "plan": targets "some" is not valid`,
				`DIR/two.yml: template: 4 problems: apiVersion is required (want shiplog.dev/v1alpha1); kind "Something" is not supported`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, tt.files)
			c, err := NewCatalog()
			if err != nil {
				t.Fatal(err)
			}
			before := c.List()
			err = c.LoadDir(dir)
			var wants []string
			for _, w := range tt.wants {
				wants = append(wants, strings.ReplaceAll(w, "DIR", dir))
			}
			wantErr(t, err, wants...)
			if after := c.List(); len(after) != len(before) {
				t.Errorf("a failed LoadDir changed the catalog: %d templates, then %d", len(before), len(after))
			}
			if _, err := Load(dir); err == nil {
				t.Error("Load succeeded")
			}
		})
	}
}

func TestLoadDirTwice(t *testing.T) {
	t.Parallel()
	one := writeDir(t, map[string]string{"a.yaml": doc("mine", "- {name: init, action: init}")})
	two := writeDir(t, map[string]string{"b.yaml": doc("mine", "- {name: init, action: init}")})
	c, err := Load(one)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, c.LoadDir(two), "template mine is defined twice: in "+filepath.Join(one, "a.yaml")+":1 and in "+filepath.Join(two, "b.yaml")+":1")
}

func TestLoadMissingDir(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope"))
	wantErr(t, err, "reading the templates directory: open ", "nope: no such file or directory")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %q does not match os.ErrNotExist", err)
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(DefaultNamespace, "full-plan"); err != nil {
		t.Errorf("Get default/full-plan: %v", err)
	}
	_, err = c.Get("", "ful-plan")
	wantErr(t, err, `template "ful-plan" not found in namespace "default" (it has full-plan, policy-apply, selective-apply, selective-plan, terraform-apply, terraform-destroy)`)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("error %q does not match ErrNotFound", err)
	}
	_, err = c.Get("team-a", "full-plan")
	wantErr(t, err, `template "full-plan" not found in namespace "team-a" (it has none)`)
}

func TestParseFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a.yaml":       {Data: []byte(doc("same", "- {name: init, action: init}"))},
		"b.yaml":       {Data: []byte(doc("same", "- {name: init, action: init}"))},
		"c.yaml":       {Data: []byte("kind: [")},
		"crd/crd.yaml": {Data: []byte("not: [read")},
	}
	_, err := parseFS(fsys, "built-in ")
	wantErr(t, err, "template same is defined twice: in built-in a.yaml:1 and in built-in b.yaml:1",
		"built-in c.yaml:1: did not find expected node content")
	if strings.Contains(err.Error(), "crd") {
		t.Errorf("parseFS read a subdirectory: %v", err)
	}
}

func TestLoadDirSkipsSymlinkedDirectories(t *testing.T) {
	t.Parallel()
	dir := writeDir(t, map[string]string{
		"real/bad.yaml": "not: [valid",
		"ok.yaml":       doc("ok", "- {name: init, action: init}"),
	})
	if err := os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink(filepath.Join(dir, "ok.yaml"), filepath.Join(dir, "alias.yml")); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	// The symlinked directory is skipped; the symlinked file is read, and
	// defines ok a second time.
	wantErr(t, err, "template ok is defined twice: in "+filepath.Join(dir, "alias.yml")+":1 and in "+filepath.Join(dir, "ok.yaml")+":1")
	if strings.Contains(err.Error(), "link.yaml") {
		t.Errorf("LoadDir read a symlinked directory: %v", err)
	}
}
