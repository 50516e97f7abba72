package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// Creating and deleting a schedule needs the deployer role on its
// environment, listing the viewer role; each act is audited, refusals too.
func TestScheduleUseCasesAuthorize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, st, _ := serviceSetup(t)
	req := apiwire.ScheduleRequest{Name: "nightly", Cron: "@daily", Template: "full-plan"}
	elsewhere := service.Caller{Name: "erin", Grants: []service.Grant{{Role: apiwire.RoleDeployer, Environment: "b"}}}
	if _, err := svc.CreateSchedule(ctx, elsewhere, "a", req); kindOf(err) != service.Forbidden {
		t.Errorf("a deployer of another environment creates a schedule: %v, want Forbidden", err)
	}
	if _, err := svc.CreateSchedule(ctx, reader, "a", req); kindOf(err) != service.Forbidden {
		t.Errorf("a reader creates a schedule: %v, want Forbidden", err)
	}
	here := service.Caller{Name: "dana", Grants: []service.Grant{{Role: apiwire.RoleDeployer, Environment: "a"}}}
	sc, err := svc.CreateSchedule(ctx, here, "a", req)
	if err != nil {
		t.Fatal(err)
	}
	if sc.CreatedBy != "dana" || sc.TimeZone != "UTC" {
		t.Errorf("created by %q in %q, want dana in UTC", sc.CreatedBy, sc.TimeZone)
	}
	if l, err := svc.ListSchedules(ctx, reader, "a"); err != nil || len(l) != 1 {
		t.Errorf("a reader lists %d schedules (%v), want 1", len(l), err)
	}
	if err := svc.DeleteSchedule(ctx, reader, "a", sc.ID); kindOf(err) != service.Forbidden {
		t.Errorf("a reader deletes a schedule: %v, want Forbidden", err)
	}
	if err := svc.DeleteSchedule(ctx, here, "a", sc.ID+1); kindOf(err) != service.NotFound {
		t.Errorf("deleting a schedule that does not exist: %v, want NotFound", err)
	}
	if err := svc.DeleteSchedule(ctx, here, "a", sc.ID); err != nil {
		t.Fatal(err)
	}
	evs, err := st.ListAudit(ctx, store.AuditFilter{Kind: "schedule."})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range evs {
		outcomes[e.Kind+" "+e.Outcome]++
	}
	for _, want := range []string{"schedule.create refused", "schedule.create ok", "schedule.delete refused", "schedule.delete ok"} {
		if outcomes[want] == 0 {
			t.Errorf("no audit event %q among %v", want, outcomes)
		}
	}
}

// A schedule of a template every tick would be refused is refused when it
// is made: an apply in an environment that takes only what was signed off
// upstream.
func TestScheduleOfARefusedTemplate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := serviceSetup(t) // environment a
	env := apiwire.EnvironmentRequest{Name: "prod", Upstream: "a", RequireUpstreamSignOff: true}
	env.Source.Dir = "/"
	if _, err := svc.CreateEnvironment(ctx, admin, env); err != nil {
		t.Fatal(err)
	}
	_, err := svc.CreateSchedule(ctx, admin, "prod", apiwire.ScheduleRequest{Name: "nightly", Cron: "@daily", Template: "terraform-apply"})
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.Invalid || se.Field != "template" {
		t.Fatalf("an apply schedule in prod: %v, want invalid template", err)
	}
	if _, err := svc.CreateSchedule(ctx, admin, "prod", apiwire.ScheduleRequest{Name: "drift", Cron: "@daily", Template: "full-plan"}); err != nil {
		t.Errorf("a plan schedule in prod: %v", err)
	}
}
