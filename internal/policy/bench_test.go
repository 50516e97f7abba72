package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/policy"
)

// benchDeletes is a policy that looks at every resource change of the
// plan, as most do.
const benchDeletes = `package shiplog.bench

deny contains msg if {
	some rc in input.plan.resource_changes
	"delete" in rc.change.actions
	msg := sprintf("%s would be deleted", [rc.address])
}

warn contains msg if {
	n := count([rc | some rc in input.plan.resource_changes; "create" in rc.change.actions])
	n > 1000
	msg := sprintf("%d resources are created at once", [n])
}
`

// BenchmarkPolicyEvaluation10k: a policy phase's evaluation of the
// 10,000-change plan (internal/plan/testdata/bench), beside the baseline
// of decoding that plan's JSON, which any reading of it costs. Median of 5.
func BenchmarkPolicyEvaluation10k(b *testing.B) {
	raw := benchutil.ReadGzip(b, benchutil.BenchPlan10k)
	const runs = 5
	var decode, eval []time.Duration
	var res []policy.Result
	var err error
	for range runs {
		start := time.Now()
		var plan map[string]any
		if err := json.Unmarshal(raw, &plan); err != nil {
			b.Fatal(err)
		}
		decode = append(decode, time.Since(start))
		start = time.Now()
		res, err = policy.Evaluate(context.Background(), []policy.Policy{{Name: "bench", Version: 1, Module: benchDeletes}},
			map[string]any{"plan": plan}, policy.Limits{Time: 5 * time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		eval = append(eval, time.Since(start))
	}
	if len(res) != 1 || res[0].Verdict == "" {
		b.Fatalf("no verdict: %+v", res)
	}
	md, me := benchutil.Median(decode), benchutil.Median(eval)
	fmt.Printf("\npolicy evaluation, plan-10k.json (%.1f MB, 10,000 changes; median of %d)\n", float64(len(raw))/1e6, runs)
	fmt.Printf("  baseline: json.Unmarshal of the plan             %7.0f ms  %v\n", benchutil.Millis(md), benchutil.Runs(decode))
	fmt.Printf("  one policy over every change (deny + warn)       %7.0f ms  %v\n", benchutil.Millis(me), benchutil.Runs(eval))
	fmt.Printf("  evaluation / decode                              %7.2f    (verdict %s, %d denials, %d warnings)\n",
		me.Seconds()/md.Seconds(), res[0].Verdict, len(res[0].Denials), len(res[0].Warnings))
}
