package worker

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// These tests check the terraform argument lists the worker builds without
// running terraform; the end-to-end tests run the real binary.

func TestInitOptions(t *testing.T) {
	t.Parallel()
	t.Run("own backend", func(t *testing.T) {
		got := initOptions("")
		want := []tfexec.InitOption{tfexec.Upgrade(false)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("initOptions(\"\") = %#v, want %#v", got, want)
		}
	})
	t.Run("pg backend", func(t *testing.T) {
		got := initOptions("/w/shiplog/backend.hcl")
		want := []tfexec.InitOption{tfexec.Upgrade(false), tfexec.BackendConfig("/w/shiplog/backend.hcl")}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("initOptions(backend.hcl) = %#v, want %#v", got, want)
		}
	})
}

func TestPlanOptions(t *testing.T) {
	t.Parallel()
	off := false
	cases := []struct {
		name string
		in   planOptions
		want []tfexec.PlanOption
	}{
		{"bare", planOptions{out: "p.tfplan"}, []tfexec.PlanOption{tfexec.Out("p.tfplan"), tfexec.Destroy(false)}},
		{"destroy", planOptions{out: "p.tfplan", destroy: true}, []tfexec.PlanOption{tfexec.Out("p.tfplan"), tfexec.Destroy(true)}},
		{"everything", planOptions{out: "p.tfplan", varFile: "vars.tfvars.json", targets: []string{"a.b", "c.d"}, refresh: &off, parallelism: 3},
			[]tfexec.PlanOption{tfexec.Out("p.tfplan"), tfexec.Destroy(false), tfexec.VarFile("vars.tfvars.json"),
				tfexec.Target("a.b"), tfexec.Target("c.d"), tfexec.Refresh(false), tfexec.Parallelism(3)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.in.options()
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("options() = %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestRunPlanOptions(t *testing.T) {
	t.Parallel()
	newRun := func(targets []string) *run {
		return &run{r: &release.Release{Targets: targets}, state: "/w/shiplog", varFile: "/w/shiplog/vars.tfvars.json"}
	}
	t.Run("targets from the release", func(t *testing.T) {
		ru := newRun([]string{"terraform_data.a"})
		got, err := ru.planOptions(release.Phase{Name: "plan", Action: release.ActionPlan, Options: release.PhaseOptions{TargetsFromRelease: true}})
		if err != nil {
			t.Fatal(err)
		}
		want := planOptions{out: filepath.Join("/w/shiplog", "plan.tfplan"), varFile: "/w/shiplog/vars.tfvars.json", targets: []string{"terraform_data.a"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("planOptions = %#v, want %#v", got, want)
		}
	})
	t.Run("destroy plan", func(t *testing.T) {
		ru := newRun(nil)
		got, err := ru.planOptions(release.Phase{Name: "destroy", Action: release.ActionDestroyPlan, Options: release.PhaseOptions{Parallelism: 2}})
		if err != nil {
			t.Fatal(err)
		}
		want := planOptions{out: filepath.Join("/w/shiplog", "destroy.tfplan"), varFile: "/w/shiplog/vars.tfvars.json", parallelism: 2, destroy: true}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("planOptions = %#v, want %#v", got, want)
		}
	})
	t.Run("targets from a release without targets", func(t *testing.T) {
		ru := newRun(nil)
		_, err := ru.planOptions(release.Phase{Name: "plan", Action: release.ActionPlan, Options: release.PhaseOptions{TargetsFromRelease: true}})
		if err == nil {
			t.Error("planOptions accepted targets: fromRelease on a release without targets")
		}
	})
}

func TestApplyOptions(t *testing.T) {
	t.Parallel()
	t.Run("default parallelism", func(t *testing.T) {
		got := applyOptions("apply.tfplan", 0)
		want := []tfexec.ApplyOption{tfexec.DirOrPlan("apply.tfplan")}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("applyOptions = %#v, want %#v", got, want)
		}
	})
	t.Run("parallelism", func(t *testing.T) {
		got := applyOptions("apply.tfplan", 5)
		want := []tfexec.ApplyOption{tfexec.DirOrPlan("apply.tfplan"), tfexec.Parallelism(5)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("applyOptions = %#v, want %#v", got, want)
		}
	})
}

func TestImportOptions(t *testing.T) {
	t.Parallel()
	t.Run("no var file", func(t *testing.T) {
		if got := importOptions(""); len(got) != 0 {
			t.Errorf("importOptions(\"\") = %#v, want none", got)
		}
	})
	t.Run("var file", func(t *testing.T) {
		got := importOptions("vars.tfvars.json")
		want := []tfexec.ImportOption{tfexec.VarFile("vars.tfvars.json")}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("importOptions = %#v, want %#v", got, want)
		}
	})
}

func TestShowCommand(t *testing.T) {
	t.Parallel()
	t.Run("arguments", func(t *testing.T) {
		got := showArgs("/w/plan.tfplan")
		want := []string{"show", "-json", "-no-color", "/w/plan.tfplan"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("showArgs = %q, want %q", got, want)
		}
	})
	t.Run("environment", func(t *testing.T) {
		tf := &terraform{env: map[string]string{"PATH": "/usr/bin"}}
		got := tf.showEnv()
		want := []string{"PATH=/usr/bin", "TF_IN_AUTOMATION=1"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("showEnv = %q, want %q", got, want)
		}
	})
}

func TestCommandPath(t *testing.T) {
	t.Parallel()
	t.Run("relative path is in the working copy", func(t *testing.T) {
		if got, want := commandPath("scripts/check.sh", "/w/config"), "/w/config/scripts/check.sh"; got != want {
			t.Errorf("commandPath = %q, want %q", got, want)
		}
	})
	t.Run("absolute path is kept", func(t *testing.T) {
		if got, want := commandPath("/bin/true", "/w/config"), "/bin/true"; got != want {
			t.Errorf("commandPath = %q, want %q", got, want)
		}
	})
	t.Run("unknown bare name is kept", func(t *testing.T) {
		if got, want := commandPath("no-such-command-shiplog", "/w/config"), "no-such-command-shiplog"; got != want {
			t.Errorf("commandPath = %q, want %q", got, want)
		}
	})
}
