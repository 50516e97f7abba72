package plan_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// fieldDir holds plans other plan tools got wrong (its README says what a
// correct reading shows), in testdata/plans/field.
const fieldDir = "testdata/plans/field"

func fieldFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(fieldDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the field plans are missing (internal/plan/testdata/plans): %v", err)
	}
	return p
}

// fieldRead reads a field plan whole.
func fieldRead(t *testing.T, name string) *plan.Result {
	t.Helper()
	f, err := os.Open(fieldFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := plan.Read(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// diffJSON is `shiplog plan diff --json FILE` decoded.
type diffJSON struct {
	Changes   []release.Change `json:"changes"`
	Summary   release.Summary  `json:"summary"`
	Errored   *bool            `json:"errored"`
	Complete  *bool            `json:"complete"`
	Applyable *bool            `json:"applyable"`
}

func fieldDiff(t *testing.T, name string) (diffJSON, string) {
	t.Helper()
	out, errOut, code := runCLI(t, "plan", "diff", "--json", fieldFile(t, name))
	if code != 0 {
		t.Fatalf("plan diff --json %s: exit %d: %s", name, code, errOut)
	}
	var d diffJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("plan diff --json %s: %v\n%s", name, err, out)
	}
	return d, out
}

// Kind 1: a change that only moves is news, listed by default.
func TestFieldMovedOnly(t *testing.T) {
	t.Parallel()
	d, _ := fieldDiff(t, "moved-only.json")
	if len(d.Changes) != 1 {
		t.Fatalf("changes %+v, want the move alone", d.Changes)
	}
	c := d.Changes[0]
	if c.Address != "terraform_data.jobs" || c.PreviousAddress == nil || *c.PreviousAddress != "terraform_data.queue" {
		t.Errorf("change %s from %v, want terraform_data.jobs moved from terraform_data.queue", c.Address, c.PreviousAddress)
	}
	if d.Summary.Move != 1 || d.Summary.NoOp != 1 {
		t.Errorf("summary %+v, want 1 moved and 1 unchanged (a listed move is not also unchanged)", d.Summary)
	}
	out, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "moved-only.json"))
	if strings.Contains(out, "No changes.") || !strings.Contains(out, "terraform_data.jobs  (moved from terraform_data.queue)") {
		t.Errorf("table:\n%s", out)
	}
}

// Kind 2: an action list the reader does not know is kept, and the rest
// of the plan is read.
func TestFieldEphemeralOpen(t *testing.T) {
	t.Parallel()
	res := fieldRead(t, "ephemeral-open.json")
	got := map[string]release.ChangeAction{}
	for _, c := range res.Changes {
		got[c.Address] = c.Action
	}
	if got["random_pet.name"] != release.ChangeCreate {
		t.Errorf("random_pet.name: %q, want create", got["random_pet.name"])
	}
	if got["ephemeral.random_password.db"] != "open" {
		t.Errorf("the ephemeral entry: %q, want its action kept as open", got["ephemeral.random_password.db"])
	}
	if res.Summary.Create != 1 || res.Summary.Total() != 1 {
		t.Errorf("summary %+v, want 1 to create", res.Summary)
	}
	out, errOut, code := runCLI(t, "plan", "diff", fieldFile(t, "ephemeral-open.json"))
	if code != 0 || !strings.Contains(out, "?   open") || !strings.Contains(out, "random_pet.name") {
		t.Errorf("table: exit %d %s\n%s", code, errOut, out)
	}
}

// Kind 3: --json says the plan errored and is neither complete nor
// applyable.
func TestFieldErroredPrecondition(t *testing.T) {
	t.Parallel()
	d, out := fieldDiff(t, "errored-precondition.json")
	if d.Errored == nil || !*d.Errored {
		t.Errorf("errored is %v, want true:\n%s", d.Errored, out)
	}
	if d.Complete == nil || *d.Complete {
		t.Errorf("complete is %v, want false", d.Complete)
	}
	if d.Applyable == nil || *d.Applyable {
		t.Errorf("applyable is %v, want false", d.Applyable)
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "errored-precondition.json"))
	if !strings.Contains(table, "The plan errored") {
		t.Errorf("table does not say the plan errored:\n%s", table)
	}
	clean, _ := fieldDiff(t, "moved-only.json")
	if clean.Errored == nil || *clean.Errored || clean.Complete == nil || !*clean.Complete || clean.Applyable == nil || !*clean.Applyable {
		t.Errorf("a clean plan: errored %v complete %v applyable %v", clean.Errored, clean.Complete, clean.Applyable)
	}
}

// Kind 4: a secret copied unmarked is masked even when the resource that
// marks it sorts after the copy.
func TestFieldSecretCopyOrder(t *testing.T) {
	t.Parallel()
	const secret = "tok-Zq81-secret-Kx"
	_, out := fieldDiff(t, "secret-copy-order.json")
	table, _, _ := runCLI(t, "plan", "diff", "--all", fieldFile(t, "secret-copy-order.json"))
	for name, text := range map[string]string{"--json": out, "table": table} {
		if strings.Contains(text, secret) || strings.Contains(text, "Zq81") {
			t.Errorf("%s shows the token:\n%s", name, text)
		}
	}
	res := fieldRead(t, "secret-copy-order.json")
	var input *release.Field
	for _, c := range res.Changes {
		for i, f := range c.Fields {
			if c.Address == "terraform_data.client" && f.Path == "input" {
				input = &c.Fields[i]
			}
		}
	}
	if input == nil || !input.Sensitive || input.After != nil || !input.Changed {
		t.Errorf("terraform_data.client input: %+v, want masked and changed", input)
	}
}

// Kind 6: a set gaining one element shows that element added, the others
// unchanged.
func TestFieldSetInsert(t *testing.T) {
	t.Parallel()
	res := fieldRead(t, "set-insert.json")
	if len(res.Changes) != 1 {
		t.Fatalf("%d changes", len(res.Changes))
	}
	fields := res.Changes[0].Fields
	var paths []string
	for _, f := range fields {
		paths = append(paths, f.Path)
		if f.Before != nil {
			t.Errorf("field %s had a value (%v): an existing rule is reported changed", f.Path, f.Before)
		}
	}
	b, _ := json.Marshal(fields)
	text := string(b)
	if !strings.Contains(text, "587") || !strings.Contains(text, "submission") {
		t.Errorf("the new rule is not shown: %s", text)
	}
	for _, old := range []string{"25", "993"} {
		if strings.Contains(text, `"`+old+`"`) || strings.Contains(text, ":"+old+",") {
			t.Errorf("rule %s shows as changed: %s", old, text)
		}
	}
	prefix := ""
	for _, p := range paths {
		i := strings.Index(p, "]")
		if prefix == "" {
			prefix = p[:i+1]
		} else if p[:i+1] != prefix {
			t.Errorf("fields of more than one rule: %v", paths)
		}
	}
}

// Issue 20 kind 1: OpenTofu's ["forget","create"] is a replace whose old
// object is forgotten, counted as a replace, not an unknown action.
func TestFieldForgetCreate(t *testing.T) {
	d, out := fieldDiff(t, "forget-create.json")
	if len(d.Changes) != 1 || d.Changes[0].Action != release.ChangeReplace {
		t.Fatalf("changes %+v, want terraform_data.db replaced:\n%s", d.Changes, out)
	}
	if d.Changes[0].Modification != release.ModReplaced {
		t.Errorf("modification %q, want replaced", d.Changes[0].Modification)
	}
	if d.Summary.Replace != 1 || d.Summary.Total() != 1 {
		t.Errorf("summary %+v, want 1 to replace", d.Summary)
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "forget-create.json"))
	if !strings.Contains(table, "-/+ replace  terraform_data.db") {
		t.Errorf("table does not show the replace:\n%s", table)
	}
}

// Issue 20 kind 4: an outputs-only plan counts the one output that
// changes, and "No changes." never stands next to a non-zero count.
func TestFieldOutputsOnlyCounts(t *testing.T) {
	table, errOut, code := runCLI(t, "plan", "diff", fieldFile(t, "outputs-only.json"))
	if code != 0 {
		t.Fatalf("plan diff: exit %d: %s", code, errOut)
	}
	if !strings.Contains(table, " 1 output changes, 0 drifted.") {
		t.Errorf("table does not count the one changing output:\n%s", table)
	}
	if strings.Contains(table, "No changes.") {
		t.Errorf("table says \"No changes.\" beside an output change:\n%s", table)
	}
	if !strings.Contains(table, "output.version") || strings.Contains(table, "output.region") {
		t.Errorf("table lists %q, want output.version alone:\n%s", table, table)
	}
}

// Issue 20 kind 3: an attribute that appears as null is a change (Terraform
// 1.11.4 shows `+ extra = null`), told apart from a null that was there.
func TestFieldNullAppears(t *testing.T) {
	d, out := fieldDiff(t, "null-appears.json")
	if len(d.Changes) != 1 {
		t.Fatalf("changes %+v, want terraform_data.svc", d.Changes)
	}
	var extra *release.Field
	for i, f := range d.Changes[0].Fields {
		if f.Path == "input.extra" {
			extra = &d.Changes[0].Fields[i]
		}
	}
	if extra == nil {
		t.Fatalf("no field input.extra:\n%s", out)
	}
	if extra.Absent != "before" || extra.Before != nil || extra.After != nil || !extra.Changed {
		t.Errorf("input.extra %+v, want absent before, null after, changed", *extra)
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "null-appears.json"))
	if !strings.Contains(table, "input.extra  (absent) → null") {
		t.Errorf("table does not show the null appearing:\n%s", table)
	}
}

// Issue 20 kind 7: values people can read, in the table, from a plan
// Terraform 1.11.4 made; --json keeps the values exact.
func TestFieldReadableValues(t *testing.T) {
	table, errOut, code := runCLI(t, "plan", "diff", fieldFile(t, "readable-values.json"))
	if code != 0 {
		t.Fatalf("plan diff: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		// the jsonencode() policy: which statement gained which action
		`+ Statement[0].Action[2]: null → "s3:PutObject"`,
		// the heredoc: the changed line, with context
		`- echo "worker_processes 2;" > /etc/nginx/conf.d/workers.conf`,
		`+ echo "worker_processes 4;" > /etc/nginx/conf.d/workers.conf`,
		"    systemctl enable nginx",
		// the long value: where it differs, past the 120 bytes shown
		`… differs at character 1157: …".com,node-39.internal.example.com,node-40.internal.example.com" → …".com,node-39.internal.example.com,node-41.internal.example.com"`,
		// invisible and direction characters, as Terraform escapes them
		`"admin" → "admin\u200b\u202egnp.exe\u00a0"`,
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if strings.ContainsAny(table, "\u200b\u202e\u00a0") {
		t.Errorf("table holds an invisible or direction character raw")
	}
	d, _ := fieldDiff(t, "readable-values.json")
	for _, c := range d.Changes {
		for _, f := range c.Fields {
			if c.Address == "terraform_data.name" && f.Path == "input" && f.After != "admin\u200b\u202egnp.exe\u00a0" {
				t.Errorf("--json input %q, want the exact text", f.After)
			}
		}
	}
}

// fieldsOf indexes a change's fields by path, failing on a path listed
// twice (issue 20 kind 6: one path, one field).
func fieldsOf(t *testing.T, c release.Change) map[string]release.Field {
	t.Helper()
	m := map[string]release.Field{}
	for _, f := range c.Fields {
		if _, dup := m[f.Path]; dup {
			t.Errorf("%s: two fields at path %s", c.Address, f.Path)
		}
		m[f.Path] = f
	}
	return m
}

// Issue 20 kind 5: a set of rules reordered while one rule's description
// changes reads as that change, never as the SSH rule turning into an
// HTTPS rule open to the internet.
func TestFieldSetReorder(t *testing.T) {
	d, out := fieldDiff(t, "set-reorder.json")
	if len(d.Changes) != 1 {
		t.Fatalf("changes %+v", d.Changes)
	}
	fs := fieldsOf(t, d.Changes[0])
	if f := fs["rule[1].description"]; f.Before != "ssh" || f.After != "ssh from the bastion" {
		t.Errorf("rule[1].description %+v, want ssh → ssh from the bastion:\n%s", f, out)
	}
	// The HTTP rule, closer to the HTTPS rule than the SSH rule is (same
	// CIDR, protocol), reads as becoming it.
	if f := fs["rule[0].from_port"]; f.Before != float64(80) || f.After != float64(443) {
		t.Errorf("rule[0].from_port %+v, want 80 → 443", f)
	}
	for p, f := range fs {
		if f.Before == float64(22) || f.Before == "10.0.0.0/8" {
			t.Errorf("%s %+v: the SSH rule reads as changed into another", p, f)
		}
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "set-reorder.json"))
	if strings.Contains(table, "22 → 443") || !strings.Contains(table, `rule[1].description`) {
		t.Errorf("table:\n%s", table)
	}
}

// Issue 20 kind 6: a list of maps with an insert, a change and a removal
// (Terraform 1.11.4) gives each path one field: x added at [0], b's weight
// changed at [2], c removed from [was 2].
func TestFieldListInsertChangeRemove(t *testing.T) {
	d, out := fieldDiff(t, "list-insert-change-remove.json")
	if len(d.Changes) != 1 {
		t.Fatalf("changes %+v", d.Changes)
	}
	fs := fieldsOf(t, d.Changes[0])
	want := map[string][2]any{
		"input[0].name":       {nil, "x"},
		"input[0].weight":     {nil, "1"},
		"input[2].weight":     {"1", "2"},
		"input[was 2].name":   {"c", nil},
		"input[was 2].weight": {"1", nil},
	}
	for p, w := range want {
		f, ok := fs[p]
		if !ok || f.Before != w[0] || f.After != w[1] {
			t.Errorf("%s: %+v (present %v), want %v → %v:\n%s", p, f, ok, w[0], w[1], out)
		}
	}
	for p := range fs {
		if _, ok := want[p]; !ok && strings.HasPrefix(p, "input") {
			t.Errorf("unexpected field %s %+v", p, fs[p])
		}
	}
}

// Issue 20 kind 8: a value marked sensitive elsewhere in the plan
// (Terraform 1.11.4, nonsensitive() copies) is masked where it ends up as
// a map key, a for_each key in an address and an index.
func TestFieldSecretAsKey(t *testing.T) {
	const secret = "tok-9f8e7d6c5b4a"
	d, out := fieldDiff(t, "secret-key.json")
	if strings.Contains(out, secret) {
		t.Errorf("--json shows the token:\n%s", out)
	}
	var sawKey, sawAddr bool
	for _, c := range d.Changes {
		if c.Address == `terraform_data.per_token["(sensitive value)"]` {
			sawAddr = true
			if c.Index != "(sensitive value)" {
				t.Errorf("index %v, want masked", c.Index)
			}
		}
		for _, f := range c.Fields {
			if c.Address == "terraform_data.by_key" && f.Path == `input["(sensitive key 1)"]` && f.After == "allowed" {
				sawKey = true
			}
		}
	}
	if !sawAddr {
		t.Errorf("no change at terraform_data.per_token[\"(sensitive value)\"]:\n%s", out)
	}
	if !sawKey {
		t.Errorf("no field input[\"(sensitive key 1)\"] on terraform_data.by_key:\n%s", out)
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "secret-key.json"))
	if strings.Contains(table, secret) {
		t.Errorf("the table shows the token:\n%s", table)
	}
}

// Issue 20 kind 2 (imports by identity, Terraform 1.12 format): the import
// says which object it takes, by the identity's attributes, not an empty
// import id.
func TestFieldImportIdentity(t *testing.T) {
	d, out := fieldDiff(t, "import-identity.json")
	if len(d.Changes) != 1 || d.Changes[0].ImportID == nil {
		t.Fatalf("changes %+v, want the import listed:\n%s", d.Changes, out)
	}
	id := d.Changes[0].ImportIdentity
	if id["account_id"] != "123456789012" || id["bucket"] != "shiplog-logs" || id["region"] != "eu-west-1" {
		t.Errorf("import identity %v, want account_id, bucket and region", id)
	}
	if d.Summary.Import != 1 || d.Summary.NoOp != 0 {
		t.Errorf("summary %+v, want 1 to import and none unchanged", d.Summary)
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "import-identity.json"))
	if !strings.Contains(table, `(import identity {account_id = "123456789012", bucket = "shiplog-logs", region = "eu-west-1"})`) {
		t.Errorf("the table does not say which object is imported:\n%s", table)
	}
}

// Issue 20 kind 2 (checks): a check block whose assertion fails
// (Terraform 1.11.4) is reported with its message, in --json and the
// table, although no resource changes.
func TestFieldFailedCheck(t *testing.T) {
	_, out := fieldDiff(t, "failed-check.json")
	var d struct {
		FailedChecks []plan.FailedCheck `json:"failed_checks"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	const msg = "the service runs 1 replica: at least 2 are needed for high availability"
	if len(d.FailedChecks) != 1 {
		t.Fatalf("failed_checks %+v, want check.ha:\n%s", d.FailedChecks, out)
	}
	c := d.FailedChecks[0]
	if c.Address != "check.ha" || c.Kind != "check" || c.Status != "fail" || len(c.Problems) != 1 || c.Problems[0] != msg {
		t.Errorf("failed check %+v, want check.ha failing with %q", c, msg)
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "failed-check.json"))
	if !strings.Contains(table, "Failed checks:") || !strings.Contains(table, "check.ha") || !strings.Contains(table, msg) {
		t.Errorf("the table does not show the failed check:\n%s", table)
	}
}

// Issue 20 kind 2 (deferred changes, Terraform 1.14 format): each deferred
// resource is read with its reason, [*] addresses kept, not just
// "incomplete".
func TestFieldDeferred(t *testing.T) {
	_, out := fieldDiff(t, "deferred.json")
	var d struct {
		Deferred []plan.DeferredChange `json:"deferred_changes"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	want := []plan.DeferredChange{
		{Address: "aws_instance.web[*]", Reason: "resource_config_unknown", Action: release.ChangeCreate},
		{Address: "kubernetes_namespace.apps", Reason: "provider_config_unknown", Action: release.ChangeCreate},
	}
	if len(d.Deferred) != len(want) || d.Deferred[0] != want[0] || d.Deferred[1] != want[1] {
		t.Errorf("deferred_changes %+v, want %+v", d.Deferred, want)
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "deferred.json"))
	if !strings.Contains(table, "aws_instance.web[*]  (resource_config_unknown)") || !strings.Contains(table, "kubernetes_namespace.apps  (provider_config_unknown)") {
		t.Errorf("the table does not list the deferred resources:\n%s", table)
	}
}

// Issue 20 kind 2 (action invocations, Terraform 1.14 format, written by
// hand from Terraform's internal/command/jsonplan/action_invocations.go):
// each action to invoke is read with its trigger and its configuration,
// sensitive values masked; a plan whose only news is actions is not
// "No changes.".
func TestFieldActionInvocations(t *testing.T) {
	_, out := fieldDiff(t, "action-invocations.json")
	if strings.Contains(out, "tok-7c1f3e9a2b") {
		t.Fatalf("the sensitive payload's token shows in --json:\n%s", out)
	}
	var d struct {
		Actions []plan.ActionInvocation `json:"action_invocations"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Actions) != 2 {
		t.Fatalf("action_invocations %+v, want notify and cdn:\n%s", d.Actions, out)
	}
	notify, cdn := d.Actions[0], d.Actions[1]
	if notify.Address != "action.aws_lambda_invoke.notify" || notify.Type != "aws_lambda_invoke" || notify.Name != "notify" ||
		notify.Trigger != "invoke" || notify.Resource != "" || notify.Provider != "registry.terraform.io/hashicorp/aws" {
		t.Errorf("notify %+v", notify)
	}
	fields := map[string]release.Field{}
	for _, f := range notify.Config {
		fields[f.Path] = f
	}
	if f := fields["function_name"]; f.After != "deploy-notify" || f.Sensitive {
		t.Errorf("notify function_name %+v, want deploy-notify", f)
	}
	if f := fields["payload"]; !f.Sensitive || f.After != nil {
		t.Errorf("notify payload %+v, want masked", f)
	}
	if cdn.Trigger != "after_update" || cdn.Resource != "aws_instance.web" || cdn.OnFailure != "fail" {
		t.Errorf("cdn %+v, want after_update of aws_instance.web, on_failure fail", cdn)
	}
	fields = map[string]release.Field{}
	for _, f := range cdn.Config {
		fields[f.Path] = f
	}
	if f := fields["distribution_id"]; !f.Unknown {
		t.Errorf("cdn distribution_id %+v, want known after apply", f)
	}
	if f := fields["paths[0]"]; f.After != "/*" {
		t.Errorf("cdn paths[0] %+v, want /*", f)
	}
	table, _, _ := runCLI(t, "plan", "diff", fieldFile(t, "action-invocations.json"))
	if strings.Contains(table, "No changes.") || strings.Contains(table, "tok-7c1f3e9a2b") {
		t.Errorf("the table says no changes or shows the token:\n%s", table)
	}
	for _, want := range []string{"Actions to invoke:", "action.aws_lambda_invoke.notify", "(invoke)",
		"action.aws_cloudfront_create_invalidation.cdn", "(after_update of aws_instance.web)", "payload = (sensitive value)",
		"distribution_id = (known after apply)"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}
