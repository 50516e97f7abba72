package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/policy"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// This file is the policy action: the stored policies that apply to the
// environment, evaluated over the plan saved before it (internal/policy).

// masked replaces a sensitive value in the policies' input, as terraform
// itself shows one.
const masked = "(sensitive value)"

// policyPhase evaluates the policies and records their verdicts. A denial
// fails the phase, unless every denying policy may be overridden: the
// release then waits for an approval before its next phase (ru.override).
func (ru *run) policyPhase(ctx context.Context, p release.Phase, out output) error {
	st := ru.w.cfg.Store
	pols, err := st.PoliciesFor(ctx, ru.r.Environment)
	if err != nil {
		return err
	}
	ps := make([]policy.Policy, len(pols))
	for i, pol := range pols {
		ps[i] = policy.Policy{Name: pol.Name, Version: pol.Version, Module: pol.Module, Overridable: pol.Overridable}
	}
	own, err := ru.configPolicies()
	if err != nil {
		return err
	}
	ps = append(ps, own...)
	if len(ps) == 0 {
		ru.sys(p.Name, "no policy applies to environment %s and the configuration has no %s directory: nothing to check", ru.r.Environment, policyDir)
		return st.RecordPolicyChecks(ctx, ru.r.ID, p.Name, nil)
	}
	input, err := ru.policyInput(ctx, p, out)
	if err != nil {
		return err
	}
	results, err := policy.Evaluate(ctx, ps, input, ru.w.cfg.Policy)
	if err != nil {
		return err
	}
	checks := make([]release.PolicyCheck, len(results))
	for i, r := range results {
		checks[i] = release.PolicyCheck{Phase: p.Name, Policy: r.Policy, Version: r.Version, Verdict: string(r.Verdict),
			Overridable: r.Overridable, Denials: r.Denials, Warnings: r.Warnings}
		if r.Version == 0 {
			checks[i].Source = release.PolicyFromConfiguration
		}
		ru.sys(p.Name, "policy %s (%s): %s", r.Policy, policyVersionWords(r.Version, ru.r.BlueprintVersion), r.Verdict)
		for _, m := range r.Denials {
			ru.sys(p.Name, "  deny: %s", m)
		}
		for _, m := range r.Warnings {
			ru.sys(p.Name, "  warn: %s", m)
		}
	}
	if err := st.RecordPolicyChecks(ctx, ru.r.ID, p.Name, checks); err != nil {
		return err
	}
	denied, overridable := release.PolicyDenied(checks)
	if !denied {
		return nil
	}
	var names, msgs []string
	for _, c := range checks {
		if c.Verdict == "deny" {
			names = append(names, c.Policy)
			msgs = append(msgs, c.Policy+": "+strings.Join(c.Denials, "; "))
		}
	}
	if !overridable {
		return fmt.Errorf("denied by policy %s", strings.Join(msgs, " | "))
	}
	ru.override = names
	ru.sys(p.Name, "denied by policy %s; every denial may be overridden: the release waits for an approval that overrides it", strings.Join(names, ", "))
	return nil
}

// policyInput is what the policies read as input: the plan (terraform
// show -json of the saved plan, terraform's JSON output format, sensitive
// values masked), shiplog's recorded resource changes, the release and the
// environment.
func (ru *run) policyInput(ctx context.Context, p release.Phase, out output) (map[string]any, error) {
	st := ru.w.cfg.Store
	data, _, from, err := st.PlanFile(ctx, ru.planSource(), "")
	if err != nil {
		return nil, fmt.Errorf("the policy phase needs the plan of a plan phase before it: %w", err)
	}
	path := filepath.Join(ru.state, p.Name+".tfplan")
	if err := ru.writeOwnFile(path, data); err != nil {
		return nil, fmt.Errorf("writing the saved plan: %w", err)
	}
	defer os.Remove(path)
	ru.sys(p.Name, "checking the plan saved by phase %s", from)
	var plan map[string]any
	err = ru.tf.showJSON(ctx, out.stderr, path, func(r io.Reader) error {
		dec := json.NewDecoder(r)
		dec.UseNumber()
		return dec.Decode(&plan)
	})
	if err != nil {
		return nil, err
	}
	if err := ru.ingest.wait(); err != nil { // the recorded changes are complete
		return nil, err
	}
	var changes []store.StoredChange
	for f := (store.ChangeFilter{Limit: 5000}); ; {
		page, err := st.ListChanges(ctx, ru.r.ID, f)
		if err != nil {
			return nil, err
		}
		changes = append(changes, page...)
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.AfterPhase, f.AfterSeq = last.Phase, last.Seq
	}
	if changes == nil {
		changes = []store.StoredChange{}
	}
	artifacts := make([]map[string]any, len(ru.r.Artifacts))
	for i, a := range ru.r.Artifacts {
		artifacts[i] = map[string]any{"artifact_uri": a.URI, "build_id": a.BuildID, "app_name": a.AppName, "stack_name": a.StackName}
	}
	return map[string]any{
		"plan":             maskPlan(plan, ru.masks),
		"resource_changes": changes,
		"release": map[string]any{
			"id": ru.r.ID, "environment": ru.r.Environment, "namespace": ru.r.Namespace,
			"template": ru.r.Template, "template_namespace": ru.r.TemplateNamespace,
			"release_type": ru.r.Type, "deployment_type": ru.r.DeploymentType, "triggered_by": ru.r.TriggeredBy,
			"blueprint_version": ru.r.BlueprintVersion, "targets": ru.r.Targets, "artifacts": artifacts,
		},
		"environment": map[string]any{
			"name": ru.env.Name, "namespace": ru.env.Namespace, "approval_required": ru.env.ApprovalRequired,
		},
	}, nil
}

// maskPlan masks a plan's sensitive values for the policies: the values
// its sensitivity marks cover (resource changes and drift, output
// changes, planned values, prior state) and every string holding a value
// shiplog knows is secret. Root variables go (their sensitivity is in the
// configuration, which may hold sensitive defaults: it goes too).
func maskPlan(plan map[string]any, secrets []string) map[string]any {
	if plan == nil {
		return nil
	}
	delete(plan, "variables")
	delete(plan, "configuration")
	for _, key := range []string{"resource_changes", "resource_drift"} {
		rcs, _ := plan[key].([]any)
		for _, rc := range rcs {
			if rc, ok := rc.(map[string]any); ok {
				if ch, ok := rc["change"].(map[string]any); ok {
					maskChange(ch)
				}
			}
		}
	}
	if ocs, ok := plan["output_changes"].(map[string]any); ok {
		for _, oc := range ocs {
			if ch, ok := oc.(map[string]any); ok {
				maskChange(ch)
			}
		}
	}
	if pv, ok := plan["planned_values"].(map[string]any); ok {
		maskValues(pv)
	}
	if ps, ok := plan["prior_state"].(map[string]any); ok {
		if v, ok := ps["values"].(map[string]any); ok {
			maskValues(v)
		}
	}
	return maskStrings(plan, secrets).(map[string]any)
}

// maskChange masks before and after by before_sensitive and
// after_sensitive.
func maskChange(ch map[string]any) {
	ch["before"] = maskByMarks(ch["before"], ch["before_sensitive"])
	ch["after"] = maskByMarks(ch["after"], ch["after_sensitive"])
}

// maskValues masks a values representation (planned_values, prior
// state): each resource's values by its sensitive_values, outputs marked
// sensitive, child modules alike.
func maskValues(v map[string]any) {
	if outs, ok := v["outputs"].(map[string]any); ok {
		for _, o := range outs {
			if o, ok := o.(map[string]any); ok && o["sensitive"] == true {
				o["value"] = masked
			}
		}
	}
	var module func(m map[string]any)
	module = func(m map[string]any) {
		rs, _ := m["resources"].([]any)
		for _, r := range rs {
			if r, ok := r.(map[string]any); ok {
				r["values"] = maskByMarks(r["values"], r["sensitive_values"])
			}
		}
		cms, _ := m["child_modules"].([]any)
		for _, cm := range cms {
			if cm, ok := cm.(map[string]any); ok {
				module(cm)
			}
		}
	}
	if rm, ok := v["root_module"].(map[string]any); ok {
		module(rm)
	}
}

// maskByMarks replaces what marks (true, or a like-shaped object or array
// of marks, terraform's *_sensitive) says is sensitive.
func maskByMarks(v, marks any) any {
	switch m := marks.(type) {
	case bool:
		if m && v != nil {
			return masked
		}
	case map[string]any:
		if obj, ok := v.(map[string]any); ok {
			for k, mk := range m {
				if x, ok := obj[k]; ok {
					obj[k] = maskByMarks(x, mk)
				}
			}
		}
	case []any:
		if arr, ok := v.([]any); ok {
			for i := range arr {
				if i < len(m) {
					arr[i] = maskByMarks(arr[i], m[i])
				}
			}
		}
	}
	return v
}

// maskStrings replaces every secret within the strings of v (keys
// included).
func maskStrings(v any, secrets []string) any {
	if len(secrets) == 0 {
		return v
	}
	replace := func(s string) string {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, masked)
			}
		}
		return s
	}
	switch x := v.(type) {
	case string:
		return replace(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[replace(k)] = maskStrings(e, secrets)
		}
		return out
	case []any:
		for i := range x {
			x[i] = maskStrings(x[i], secrets)
		}
		return x
	}
	return v
}

// policyDir is the directory of a configuration whose Rego files are
// policies of its own, checked beside the stored ones.
const policyDir = "policies"

// configPolicies reads the configuration's own policies: every *.rego
// file of its policies directory (not below), named "policies/<file>",
// version 0 (they are as the release's blueprint has them), never
// overridable. A file that does not compile is an error naming it, with
// line and column.
func (ru *run) configPolicies() ([]policy.Policy, error) {
	files, err := filepath.Glob(filepath.Join(ru.config, policyDir, "*.rego"))
	if err != nil {
		return nil, err
	}
	var out []policy.Policy
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading the configuration's policy %s: %w", filepath.Base(f), err)
		}
		name := policyDir + "/" + filepath.Base(f)
		if _, err := policy.Check(name, string(body)); err != nil {
			return nil, fmt.Errorf("the configuration's policy %s does not compile: %w", name, err)
		}
		out = append(out, policy.Policy{Name: name, Module: string(body)})
	}
	return out, nil
}

// policyVersionWords says which version of a policy ran.
func policyVersionWords(version int, blueprint string) string {
	if version > 0 {
		return fmt.Sprintf("version %d", version)
	}
	if blueprint != "" {
		return "from the configuration, blueprint " + blueprint
	}
	return "from the configuration"
}
