package store_test

import (
	"context"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func newEnv(t *testing.T, s *store.Store, name string) *release.Environment {
	return newEnvTB(t, s, name)
}

func newEnvTB(t testing.TB, s *store.Store, name string) *release.Environment {
	t.Helper()
	env := &release.Environment{Name: name, Source: release.Source{Dir: "/srv/" + name},
		Variables: []release.Variable{{Name: "region", Value: "eu-west-1"}, {Name: "db_password", Value: "hunter2-secret", Sensitive: true}}}
	if err := s.CreateEnvironment(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	return env
}

func newRelease(t *testing.T, s *store.Store, env string) *release.Release {
	return newReleaseTB(t, s, env)
}

func newReleaseTB(t testing.TB, s *store.Store, env string) *release.Release {
	t.Helper()
	r := &release.Release{Environment: env, Template: "terraform-apply", TemplateNamespace: "shiplog", TriggeredBy: "alice",
		Phases:  []release.Phase{{Name: "init", Action: release.ActionInit}, {Name: "plan", Action: release.ActionPlan}, {Name: "apply", Action: release.ActionApply}},
		Targets: []string{"terraform_data.a"}, BlueprintVersion: "v1",
		Artifacts: []release.Artifact{{URI: "oci://registry/app:1", BuildID: "b1", AppName: "app", StackName: "web"}}}
	if err := s.CreateRelease(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}
