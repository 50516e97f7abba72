package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

func TestMain(m *testing.M) {
	// Re-executed as a separate `shiplog` process (a worker elsewhere).
	if os.Getenv(cliProcessEnv) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := cli.Main(ctx, "test", os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	dbtest.Main(m)
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run runs the command line and returns its exit code and outputs.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	code := cli.Main(ctx, "test", args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, env, args...)
	if code != 0 {
		t.Fatalf("shiplog %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return v
}

// The whole product from the command line: `shiplog server --workers 1`
// serving and running releases, and the pipeline commands talking to it.
func TestServerAndPipelineCommands(t *testing.T) {
	url := dbtest.URL(t)
	dataDir := t.TempDir()
	db := []string{"--database-url", url, "--data-dir", dataDir}
	env := map[string]string{"SHIPLOG_ENDPOINT": "", "SHIPLOG_TOKEN": "", "SHIPLOG_SECRET_KEY": ""}

	// The first token comes from the database directly.
	admin := strings.TrimSpace(mustRun(t, env, append([]string{"token", "create", "root", "--scope", "admin"}, db...)...))
	if !strings.HasPrefix(admin, "shp_") {
		t.Fatalf("token: %q", admin)
	}
	ci := decode[apiwire.NewToken](t, mustRun(t, env, append([]string{"token", "create", "ci", "--scope", "read,write", "-o", "json"}, db...)...))
	approver := strings.TrimSpace(mustRun(t, env, append([]string{"token", "create", "alice", "--scope", "approve,read"}, db...)...))
	if list := mustRun(t, env, append([]string{"token", "list"}, db...)...); !strings.Contains(list, "ci") || strings.Contains(list, ci.Secret) {
		t.Fatalf("token list: %s", list)
	}

	// The server, with one worker slot.
	endpoint := startWorkerServer(t, db)
	as := func(token string) map[string]string {
		return map[string]string{"SHIPLOG_ENDPOINT": endpoint, "SHIPLOG_TOKEN": token}
	}

	dir := quickstartDir(t)
	mustRun(t, as(admin), "env", "create", "shop", "--dir", dir, "--phase-timeout", "apply=20m", "--var", "replicas=3")
	mustRun(t, as(admin), "env", "create", "prod", "--dir", dir, "--approval-required")
	code, _, errOut := run(t, as(ci.Secret), "env", "create", "x", "--dir", dir)
	if code != 1 {
		t.Fatalf("env create with a write token: %d %s", code, errOut)
	}
	if !strings.Contains(errOut, "forbidden") {
		t.Fatalf("env create with a write token: %d %s", code, errOut)
	}
	envs := decode[map[string][]map[string]any](t, mustRun(t, as(ci.Secret), "env", "list", "-o", "json"))
	if len(envs["environments"]) != 2 {
		t.Fatalf("env list: %v", envs)
	}
	if show := mustRun(t, as(ci.Secret), "env", "show", "shop", "-o", "table"); !strings.Contains(show, "apply phases: 20m0s") || !strings.Contains(show, "replicas = 3") {
		t.Fatalf("env show:\n%s", show)
	}

	art := decode[release.Artifact](t, mustRun(t, as(ci.Secret), "artifact", "register", "registry.example.com/shop/web:2.0.0",
		"--app", "web", "--stack", "shop", "--build-id", "b-42", "--meta", "commit=abc123"))
	if art.ID == 0 {
		t.Fatalf("artifact: %+v", art)
	}
	if art.RegistrationMetadata["commit"] != "abc123" {
		t.Fatalf("artifact: %+v", art)
	}
	latest := decode[release.Artifact](t, mustRun(t, as(ci.Secret), "artifact", "show", "--latest", "--app", "web"))
	if latest.ID != art.ID {
		t.Fatalf("latest artifact %+v", latest)
	}
	if l := mustRun(t, as(ci.Secret), "artifact", "list", "-o", "table"); !strings.Contains(l, "b-42") {
		t.Fatalf("artifact list:\n%s", l)
	}

	// A release, followed live, waited for.
	r := decode[release.Release](t, mustRun(t, as(ci.Secret), "release", "create", "--env", "shop", "--artifact", fmt.Sprint(art.ID)))
	logs := mustRun(t, as(ci.Secret), "release", "logs", fmt.Sprint(r.ID), "--follow", "-o", "table")
	if !strings.Contains(logs, "Apply complete!") {
		t.Fatalf("followed log:\n%s", logs)
	}
	got := decode[release.Release](t, mustRun(t, as(ci.Secret), "release", "wait", fmt.Sprint(r.ID), "--interval", "100ms"))
	if got.Status != release.StatusSucceeded {
		t.Fatalf("waited: %s %+v\n%s", got.Status, got.Summary, got.ErrorLog)
	}
	if got.Summary.Create != 3 {
		t.Fatalf("waited: %s %+v\n%s", got.Status, got.Summary, got.ErrorLog)
	}
	first := got
	// what the apply left: the environment's outputs
	outs := decode[apiwire.OutputList](t, mustRun(t, as(ci.Secret), "env", "outputs", "shop"))
	if len(outs.Outputs) != 1 || outs.Outputs[0].Name != "web_image" || outs.Outputs[0].Value != "registry.example.com/shop/web:2.0.0" ||
		outs.Outputs[0].ReleaseID != r.ID {
		t.Fatalf("env outputs after the apply: %+v", outs)
	}
	if table := mustRun(t, as(ci.Secret), "env", "outputs", "shop", "-o", "table"); !strings.Contains(table, `"registry.example.com/shop/web:2.0.0"`) {
		t.Fatalf("env outputs table:\n%s", table)
	}
	// the release wrote the environment's state through shiplog's backend
	states := decode[struct {
		States []release.StateVersion `json:"states"`
	}](t, mustRun(t, as(ci.Secret), "env", "states", "shop"))
	if len(states.States) == 0 {
		t.Fatal("env states lists no state version after a release")
	}
	if v := states.States[0]; v.ReleaseID == nil || *v.ReleaseID != r.ID {
		t.Fatalf("newest state version %+v was not written by release %d", v, r.ID)
	}
	if n := states.States[0].Resources; n != 3 {
		t.Fatalf("newest state version has %d resources, want 3", n)
	}
	if table := mustRun(t, as(ci.Secret), "env", "states", "shop", "-o", "table"); !regexp.MustCompile(`(?m)^\d+\s+` + fmt.Sprint(r.ID) + `\s+\S+\s+3\s`).MatchString(table) {
		t.Fatalf("env states table:\n%s", table)
	}
	// the followed log is the whole log, once
	paged := mustRun(t, as(ci.Secret), "release", "logs", fmt.Sprint(r.ID), "-o", "table")
	if paged != logs {
		t.Fatalf("followed and paged logs differ:\n%s\n---\n%s", logs, paged)
	}
	changes := decode[struct {
		Changes []map[string]any `json:"changes"`
	}](t, mustRun(t, as(ci.Secret), "release", "changes", fmt.Sprint(r.ID)))
	if len(changes.Changes) != 3 {
		t.Fatalf("changes: %+v", changes)
	}
	// A plan sent to the finished apply is refused: its changes are history.
	code, out, errOut := run(t, as(ci.Secret), "release", "ingest-plan", fmt.Sprint(r.ID), writeFile(t, planJSON))
	if code != 1 {
		t.Fatalf("ingest-plan on a SUCCEEDED apply: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "conflict") || !strings.Contains(errOut, `phase "plan" already ran`) {
		t.Fatalf("ingest-plan on a SUCCEEDED apply does not say why it was refused:\n%s", errOut)
	}
	after := decode[struct {
		Changes []map[string]any `json:"changes"`
	}](t, mustRun(t, as(ci.Secret), "release", "changes", fmt.Sprint(r.ID)))
	if len(after.Changes) != 3 {
		t.Fatalf("ingest-plan refused but the apply's changes are now %d, want 3", len(after.Changes))
	}
	if s := decode[release.Release](t, mustRun(t, as(ci.Secret), "release", "show", fmt.Sprint(r.ID))).Summary; s == nil || s.Create != 3 {
		t.Fatalf("ingest-plan refused but the apply's summary is now %+v", s)
	}
	table := mustRun(t, as(ci.Secret), "release", "changes", fmt.Sprint(r.ID), "-o", "table", "--address-prefix", "terraform_data.w")
	if !regexp.MustCompile(`(?m)^ACTION\s+ADDRESS\s+FIELD\s+BEFORE\s+AFTER$`).MatchString(table) {
		t.Fatalf("changes table has no field columns:\n%s", table)
	}
	if !regexp.MustCompile(`(?m)^create\s+terraform_data\.web\s+input\S*\s+-\s+\S`).MatchString(table) {
		t.Fatalf("changes table does not show the field input of terraform_data.web with its value:\n%s", table)
	}
	if counts := mustRun(t, as(ci.Secret), "release", "changes", fmt.Sprint(r.ID), "-o", "table", "--counts", "--address-prefix", "terraform_data.w"); !strings.Contains(counts, "create  terraform_data.web") {
		t.Fatalf("changes --counts table:\n%s", counts)
	}
	if show := mustRun(t, as(ci.Secret), "release", "show", fmt.Sprint(r.ID), "-o", "table"); !strings.Contains(show, "3 to add, 0 to change, 0 to destroy") || !strings.Contains(show, "b-42") {
		t.Fatalf("release show:\n%s", show)
	}
	list := decode[map[string][]release.Release](t, mustRun(t, as(ci.Secret), "release", "list", "--env", "shop", "--status", "SUCCEEDED"))
	if len(list["releases"]) != 1 {
		t.Fatalf("release list: %+v", list)
	}
	health := decode[release.ResourceStatus](t, mustRun(t, as(ci.Secret), "resource", "health", "--env", "shop", "terraform_data.web", "DEGRADED"))
	if health.HealthStatus != release.Degraded || health.Address != "terraform_data.web" {
		t.Fatalf("resource health: %+v", health)
	}
	mustRun(t, as(approver), "release", "signoff", fmt.Sprint(r.ID), "--status", "APPROVED", "-m", "verified")
	code, _, errOut = run(t, as(approver), "release", "signoff", fmt.Sprint(r.ID), "--status", "APPROVED")
	if code != 1 {
		t.Fatalf("second sign-off: %d %s", code, errOut)
	}
	if !strings.Contains(errOut, "already signed off by alice") {
		t.Fatalf("second sign-off: %d %s", code, errOut)
	}
	status := mustRun(t, as(ci.Secret), "status", "-o", "table")
	if !strings.Contains(status, "ready") {
		t.Fatalf("status:\n%s", status)
	}
	if !regexp.MustCompile(`shop\s+1\s+SUCCEEDED\s+terraform-apply`).MatchString(status) {
		t.Fatalf("status:\n%s", status)
	}

	// Approval, as a pipeline script does it, with no polling loop: create
	// and follow stops at PENDING_APPROVAL (16); read the changes; approve;
	// follow the rest of the log; wait: 0.
	code, out, errOut = run(t, as(ci.Secret), "release", "create", "--env", "prod", "--follow", "--interval", "100ms")
	if code != cli.ExitPendingApproval {
		t.Fatalf("create --follow of a release that needs approval: exit %d, want %d\n%s%s", code, cli.ExitPendingApproval, out, errOut)
	}
	p := decode[release.Release](t, out)
	if p.Status != release.StatusPendingApproval {
		t.Fatalf("create --follow printed the release %s, want PENDING_APPROVAL", p.Status)
	}
	if !strings.Contains(errOut, "Plan: 3 to add") {
		t.Fatalf("create --follow did not print the plan's log on stderr:\n%s", errOut)
	}
	if !strings.Contains(errOut, fmt.Sprintf("shiplog release approve %d", p.ID)) {
		t.Fatalf("create --follow did not say how to approve:\n%s", errOut)
	}
	code, out, errOut = run(t, as(ci.Secret), "release", "wait", fmt.Sprint(p.ID), "--interval", "100ms")
	if code != cli.ExitPendingApproval || decode[release.Release](t, out).ID != p.ID {
		t.Fatalf("wait on a release waiting for approval: exit %d, want %d\n%s%s", code, cli.ExitPendingApproval, out, errOut)
	}
	pending := decode[struct {
		Changes []map[string]any `json:"changes"`
	}](t, mustRun(t, as(ci.Secret), "release", "changes", fmt.Sprint(p.ID)))
	if len(pending.Changes) != 3 {
		t.Fatalf("changes of the release waiting for approval: %d, want 3", len(pending.Changes))
	}
	code, parked, errOut := run(t, as(ci.Secret), "release", "logs", fmt.Sprint(p.ID), "--follow", "-o", "table")
	if code != 0 || !strings.Contains(parked, "Plan: 3 to add") {
		t.Fatalf("logs --follow of a release waiting for approval: exit %d\n%s%s", code, parked, errOut)
	}
	hint := regexp.MustCompile(`shiplog release approve \d+ .*then shiplog release logs \d+ --follow --after (\d+)`).FindStringSubmatch(errOut)
	if hint == nil {
		t.Fatalf("logs --follow did not end with how to approve and go on:\n%s", errOut)
	}
	if code, _, _ := run(t, as(ci.Secret), "release", "approve", fmt.Sprint(p.ID)); code != 1 {
		t.Fatalf("approve with a write token: %d", code)
	}
	mustRun(t, as(approver), "release", "approve", fmt.Sprint(p.ID), "-m", "go")
	rest := mustRun(t, as(ci.Secret), "release", "logs", fmt.Sprint(p.ID), "--follow", "-o", "table", "--after", hint[1])
	if !strings.Contains(rest, "Apply complete!") || strings.Contains(rest, "Plan: 3 to add") {
		t.Fatalf("logs --follow after approval, from where it stopped:\n%s", rest)
	}
	got = decode[release.Release](t, mustRun(t, as(ci.Secret), "release", "wait", fmt.Sprint(p.ID), "--interval", "100ms"))
	if got.Status != release.StatusSucceeded {
		t.Fatalf("approved release: %s %+v", got.Status, got.Approval)
	}
	if got.Approval.By != "alice" {
		t.Fatalf("approved release: %s %+v", got.Status, got.Approval)
	}
	// --wait --through-approval waits past the approval.
	tp := decode[release.Release](t, mustRun(t, as(ci.Secret), "release", "create", "--env", "shop", "--wait", "--through-approval", "--interval", "100ms"))
	if tp.Status != release.StatusSucceeded {
		t.Fatalf("create --wait: %s", tp.Status)
	}

	// Rollback of shop to its first release.
	rb := decode[release.Release](t, mustRun(t, as(ci.Secret), "release", "rollback", fmt.Sprint(r.ID)))
	got = decode[release.Release](t, mustRun(t, as(ci.Secret), "release", "wait", fmt.Sprint(rb.ID), "--interval", "100ms"))
	if got.Status != release.StatusSucceeded {
		t.Fatalf("rollback: %+v", got)
	}
	if got.DeploymentType != release.DeploymentRollback {
		t.Fatalf("rollback: %+v", got)
	}
	if got.BlueprintVersion != first.BlueprintVersion {
		t.Fatalf("rollback: %+v", got)
	}
	if *got.RollbackOf != r.ID {
		t.Fatalf("rollback: %+v", got)
	}
	// A plan made elsewhere, recorded.
	rec := decode[release.Release](t, mustRun(t, as(ci.Secret), "release", "record-plan", "--env", "shop", writeFile(t, planJSON)))
	if rec.Status != release.StatusSucceeded {
		t.Fatalf("recorded plan: %+v", rec)
	}
	if rec.Summary.Create != 1 {
		t.Fatalf("recorded plan: %+v", rec)
	}
	// A recorded plan takes its plan again.
	if res := decode[apiwire.PlanResult](t, mustRun(t, as(ci.Secret), "release", "ingest-plan", fmt.Sprint(rec.ID), writeFile(t, planJSON))); res.Summary.Create != 1 {
		t.Fatalf("ingest-plan on a recorded plan: %+v", res)
	}
}

// startWorkerServer runs `shiplog server --workers 1` on the database flags db
// until the test ends and returns its endpoint.
func startWorkerServer(t *testing.T, db []string) string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, "test", append([]string{"server", "--listen", "127.0.0.1:0", "--workers", "1", "--keep-alive", "100ms",
			"--max-stream", "700ms", "--worker-lease", "10s"}, db...), &bytes.Buffer{}, &stderr)
	}()
	var endpoint string
	addr := regexp.MustCompile(`address=(http://127\.0\.0\.1:\d+)`)
	// The server announces its address only in its log, which the test
	// reads as it grows.
	testutil.Eventually(t, "the server to log its address", time.Minute, func() bool {
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			endpoint = m[1]
		}
		return endpoint != ""
	})
	t.Cleanup(func() {
		stop()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("server exited %d:\n%s", code, stderr.String())
			}
		case <-time.After(time.Minute):
			t.Error("the server did not stop")
		}
	})
	return endpoint
}

func writeFile(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const planJSON = `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[
 {"address":"terraform_data.web","mode":"managed","type":"terraform_data","name":"web","provider_name":"terraform.io/builtin/terraform",
  "change":{"actions":["create"],"before":null,"after":{"input":"web:2"},"after_unknown":{"id":true},"before_sensitive":false,"after_sensitive":{}}}]}`

// `release wait` exits with a code for each way a release ends, and
// `release logs --follow` resumes across server-ended streams.
func TestWaitExitCodesAndFollow(t *testing.T) {
	st := dbtest.Store(t)
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Store: st, Catalog: cat, MaxStream: 150 * time.Millisecond, Logger: hclog.NewNullLogger()})
	if err != nil {
		t.Fatal(err)
	}
	// streams says each time a client opens a log stream.
	streams := make(chan struct{}, 100)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/logs/stream") {
			select {
			case streams <- struct{}{}:
			default: // nobody counts these
			}
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.EndStreams(); hs.Close(); srv.Close() })
	ctx := context.Background()
	tokens := map[string]string{}
	for name, scopes := range map[string][]string{"ci": {"read", "write"}, "alice": {"approve", "read"}, "admin": {"admin"}} {
		tokens[name], _, err = api.IssueToken(ctx, st, name, scopes)
		if err != nil {
			t.Fatal(err)
		}
	}
	as := func(token string) map[string]string {
		return map[string]string{"SHIPLOG_ENDPOINT": hs.URL, "SHIPLOG_TOKEN": tokens[token]}
	}
	mustRun(t, as("admin"), "env", "create", "e", "--dir", t.TempDir())
	create := func() int64 {
		return decode[release.Release](t, mustRun(t, as("ci"), "release", "create", "--env", "e", "--template", "full-plan")).ID
	}
	claim := func(id int64) {
		r, err := st.Claim(ctx, "test", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			t.Fatalf("claim: %v %v", r, err)
		}
		if r.ID != id {
			t.Fatalf("claim: %v %v", r, err)
		}
	}
	end := func(id int64, to release.Status) {
		if err := st.Transition(ctx, store.StatusChange{ID: id, From: release.StatusInProgress, To: to, Reason: "phase plan: boom"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		status release.Status
		code   int
	}{
		{release.StatusSucceeded, 0}, {release.StatusFailed, cli.ExitFailed}, {release.StatusTimedOut, cli.ExitTimedOut},
		{release.StatusStopped, cli.ExitStopped}, {release.StatusAborted, cli.ExitAborted},
	} {
		id := create()
		claim(id)
		end(id, c.status)
		code, out, errOut := run(t, as("ci"), "release", "wait", fmt.Sprint(id))
		if code != c.code {
			t.Fatalf("wait on %s: exit %d, want %d\n%s%s", c.status, code, c.code, out, errOut)
		}
		if !strings.Contains(out, string(c.status)) {
			t.Fatalf("wait on %s: exit %d, want %d\n%s%s", c.status, code, c.code, out, errOut)
		}
		if c.code != 0 && !strings.Contains(errOut, "boom") {
			t.Fatalf("wait on %s: exit %d, want %d\n%s%s", c.status, code, c.code, out, errOut)
		}
	}
	id := create()
	claim(id)
	if err := st.Transition(ctx, store.StatusChange{ID: id, From: release.StatusInProgress, To: release.StatusPendingApproval}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, as("alice"), "release", "reject", fmt.Sprint(id), "-m", "no")
	if code, _, _ := run(t, as("ci"), "release", "wait", fmt.Sprint(id)); code != cli.ExitRejected {
		t.Fatalf("wait on REJECTED: %d", code)
	}
	queued := create()
	code, out, errOut := run(t, as("ci"), "release", "wait", fmt.Sprint(queued), "--within", "300ms", "--interval", "50ms", "-o", "json")
	if code != cli.ExitGaveUp {
		t.Fatalf("wait giving up: exit %d, want %d\n%s%s", code, cli.ExitGaveUp, out, errOut)
	}
	if now := decode[release.Release](t, out); now.ID != queued || now.Status != release.StatusQueued {
		t.Fatalf("wait --within printed release %d %s, want %d QUEUED", now.ID, now.Status, queued)
	}
	mustRun(t, as("ci"), "release", "abort", fmt.Sprint(queued))
	if code, _, errOut := run(t, as("ci"), "release", "wait", "999"); code != 1 || !strings.Contains(errOut, "not_found") {
		t.Fatalf("wait on an unknown release: %d %s", code, errOut)
	}

	// logs --follow across streams the server ends every 150ms
	id = create()
	claim(id)
	for len(streams) > 0 { // earlier commands' streams
		<-streams
	}
	go func() {
		// A batch of 100 lines each time the follower (re)opens its
		// stream: five streams, each ended by the server after 150 ms.
		for i := range 5 {
			<-streams
			es := make([]release.LogEntry, 100)
			for j := range es {
				seq := int64(i*100 + j + 1)
				es[j] = release.LogEntry{ReleaseID: id, Phase: "plan", Seq: seq, Time: time.Now(), Stream: release.Stdout, Text: fmt.Sprintf("line %d", seq), DeploymentType: release.DeploymentRegular}
			}
			if err := st.AppendLogs(ctx, es); err != nil {
				t.Error(err)
			}
		}
		if err := st.Transition(ctx, store.StatusChange{ID: id, From: release.StatusInProgress, To: release.StatusSucceeded}); err != nil {
			t.Error(err)
		}
	}()
	out = mustRun(t, as("ci"), "release", "logs", fmt.Sprint(id), "--follow", "-o", "table")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 500 {
		t.Fatalf("followed %d lines, want 500", len(lines))
	}
	column := regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3}  plan        (.*)$`)
	for i, l := range lines {
		m := column.FindStringSubmatch(l)
		if m == nil || m[1] != fmt.Sprintf("line %d", i+1) {
			t.Fatalf("line %d is %q, want time, phase and %q", i+1, l, fmt.Sprintf("line %d", i+1))
		}
	}
	nd := mustRun(t, as("ci"), "release", "logs", fmt.Sprint(id), "--after", "498")
	if strings.Count(nd, "\n") != 2 {
		t.Fatalf("JSON lines after 498:\n%s", nd)
	}
	if !strings.Contains(nd, `"seq":500`) {
		t.Fatalf("JSON lines after 498:\n%s", nd)
	}
}

// A mistyped endpoint does not hang a pipeline: `release wait` and `release
// logs --follow` say on standard error what they retry, and give up after
// --retry-for with exit 17.
func TestWaitGivesUpOnAnUnreachableServer(t *testing.T) {
	env := map[string]string{"SHIPLOG_ENDPOINT": "http://127.0.0.1:1", "SHIPLOG_TOKEN": "shp_x"}
	for _, c := range []struct {
		name  string
		args  []string
		doing string
	}{
		{"wait", []string{"release", "wait", "7", "--interval", "50ms", "--retry-for", "300ms"}, "reading release 7"},
		{"logs --follow", []string{"release", "logs", "7", "--follow", "--retry-for", "300ms"}, "following the log of release 7"},
		{"wait within an hour", []string{"release", "wait", "7", "--interval", "50ms", "--retry-for", "300ms", "--within", "1h"}, "reading release 7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(t, env, c.args...)
			if code != cli.ExitUnreachable {
				t.Fatalf("exit %d, want %d\n%s%s", code, cli.ExitUnreachable, out, errOut)
			}
			if !strings.Contains(errOut, c.doing+" from http://127.0.0.1:1 failed") {
				t.Fatalf("stderr does not say what is retried:\n%s", errOut)
			}
			if !strings.Contains(errOut, "retrying in") {
				t.Fatalf("stderr does not say it retries:\n%s", errOut)
			}
			if !strings.Contains(errOut, "did not answer for") {
				t.Fatalf("stderr does not say why it gave up:\n%s", errOut)
			}
		})
	}
}
