package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// The main path, with the real worker and the real terraform: create a
// release over HTTP, follow its log live, wait for it, read its changes.
func TestReleaseEndToEndWithWorker(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	main, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// a root worker packs a dir source only as far as the environment's uid may read it
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), main, 0o644); err != nil {
		t.Fatal(err)
	}
	h.env("shop", func(r *apiwire.EnvironmentRequest) { r.Source.Dir = dir })
	w, err := worker.New(ctx, worker.Config{Store: h.st, DatabaseURL: h.url, WorkDir: t.TempDir(), Lease: 10 * time.Second,
		PollInterval: 50 * time.Millisecond, Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}})})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(wctx) }()
	t.Cleanup(func() { stop(); wg.Wait() })

	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shop", Artifacts: []apiwire.ArtifactRef{
		{URI: "registry.example.com/shop/web:2.0.0", BuildID: "build-7", AppName: "web", StackName: "shop"}}})
	if rel.Status.Terminal() {
		t.Fatalf("created release: %+v", rel)
	}
	if rel.TriggeredBy != "pipeline" {
		t.Fatalf("created release: %+v", rel)
	}
	if rel.Template != "terraform-apply" {
		t.Fatalf("created release: %+v", rel)
	}
	if len(rel.Phases) != 4 {
		t.Fatalf("created release: %+v", rel)
	}

	// Follow the log from the start while the worker runs it.
	var streamed []release.LogEntry
	var end apiwire.StreamEnd
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	err = h.stream(sctx, http.DefaultClient, rel.ID, "", "", func(e event) bool {
		switch e.name {
		case "log":
			var le release.LogEntry
			if err := json.Unmarshal([]byte(e.data), &le); err != nil {
				t.Fatal(err)
			}
			if e.id != strconv.FormatInt(le.Seq, 10) {
				t.Fatalf("event id %s for seq %d", e.id, le.Seq)
			}
			streamed = append(streamed, le)
		case "end":
			if err := json.Unmarshal([]byte(e.data), &end); err != nil {
				t.Error(err)
			}
			return false
		}
		return true
	})
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	got := h.get(rel.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("release %s, stream end %+v; error log:\n%s", got.Status, end, got.ErrorLog)
	}
	if end.Status != release.StatusSucceeded {
		t.Fatalf("release %s, stream end %+v; error log:\n%s", got.Status, end, got.ErrorLog)
	}
	// The stream had every line, once, in order: the same as the pages.
	var paged []release.LogEntry
	cursor := ""
	for {
		var p apiwire.LogPage
		h.call("GET", fmt.Sprintf("/api/v1/releases/%d/logs?limit=7&cursor=%s", rel.ID, cursor), "reader", nil, 200, &p)
		paged = append(paged, p.Entries...)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(streamed) == 0 {
		t.Fatalf("streamed %d lines, pages hold %d", len(streamed), len(paged))
	}
	if len(streamed) != len(paged) {
		t.Fatalf("streamed %d lines, pages hold %d", len(streamed), len(paged))
	}
	for i := range streamed {
		if streamed[i].Seq != int64(i+1) {
			t.Fatalf("line %d: streamed %+v, paged %+v", i, streamed[i], paged[i])
		}
		if streamed[i].Text != paged[i].Text {
			t.Fatalf("line %d: streamed %+v, paged %+v", i, streamed[i], paged[i])
		}
	}
	if end.Cursor != strconv.Itoa(len(streamed)) {
		t.Fatalf("end cursor %s after %d lines", end.Cursor, len(streamed))
	}
	// wait = GET until finished; it is, with its phases timed.
	for _, p := range got.Phases {
		if p.Status != release.PhaseSucceeded {
			t.Fatalf("phase %+v", p)
		}
		if p.DurationMS() == nil {
			t.Fatalf("phase %+v", p)
		}
	}
	if got.Summary.Create != 3 {
		t.Fatalf("summary %+v, artifacts %+v", got.Summary, got.Artifacts)
	}
	if len(got.Artifacts) != 1 {
		t.Fatalf("summary %+v, artifacts %+v", got.Summary, got.Artifacts)
	}
	if got.Artifacts[0].BuildID != "build-7" {
		t.Fatalf("summary %+v, artifacts %+v", got.Summary, got.Artifacts)
	}
	var cl apiwire.ChangeList
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes?action=create", rel.ID), "reader", nil, 200, &cl)
	if len(cl.Changes) != 3 {
		t.Fatalf("changes: %+v", cl)
	}
	web := cl.Changes[len(cl.Changes)-1]
	if web.Address != "terraform_data.web" {
		t.Fatalf("web change: %+v", web)
	}
	if web.Kind != release.KindResource {
		t.Fatalf("web change: %+v", web)
	}
	if web.Phase != "plan" {
		t.Fatalf("web change: %+v", web)
	}
	if len(web.Fields) == 0 {
		t.Fatalf("web change: %+v", web)
	}
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes?type=terraform_data&address_prefix=terraform_data.d", rel.ID), "reader", nil, 200, &cl)
	if len(cl.Changes) != 1 {
		t.Fatalf("filtered changes: %+v", cl)
	}
	if cl.Changes[0].Address != "terraform_data.database" {
		t.Fatalf("filtered changes: %+v", cl)
	}
	var rs apiwire.ResourceList
	h.call("GET", "/api/v1/environments/shop/resources", "reader", nil, 200, &rs)
	if len(rs.Resources) != 3 {
		t.Fatalf("resources: %+v", rs)
	}
	// A stream of a finished release sends what is left and ends.
	n := 0
	if err := h.stream(sctx, http.DefaultClient, rel.ID, strconv.Itoa(len(streamed)-2), "", func(e event) bool {
		if e.name == "log" {
			n++
		}
		return e.name != "end"
	}); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("resuming 2 lines before the end sent %d", n)
	}
}

// Every way a release ends reaches a stream as `event: end` with that
// status, after every line.
func TestEveryFinalStatusEndsTheStream(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	type outcome struct {
		name string
		run  func(id int64) // drives the release from QUEUED to its end
		want release.Status
	}
	running := func(final release.Status) func(int64) {
		return func(id int64) {
			h.claim(id)
			h.lines(id, 0, 5, "plan")
			h.finish(id, release.StatusInProgress, final)
		}
	}
	cases := []outcome{
		{"succeeded", running(release.StatusSucceeded), release.StatusSucceeded},
		{"failed", running(release.StatusFailed), release.StatusFailed},
		{"timed-out", running(release.StatusTimedOut), release.StatusTimedOut},
		{"stopped", running(release.StatusStopped), release.StatusStopped},
		{"aborted-running", func(id int64) {
			h.claim(id)
			h.lines(id, 0, 5, "plan")
			var r release.Release
			h.call("POST", fmt.Sprintf("/api/v1/releases/%d/abort", id), "writer", apiwire.CommentRequest{Comment: "wrong branch"}, 200, &r)
			if r.Status != release.StatusInProgress {
				t.Fatalf("abort of a running release: %+v", r)
			}
			if r.AbortRequested == nil {
				t.Fatalf("abort of a running release: %+v", r)
			}
			if r.AbortRequested.By != "writer" {
				t.Fatalf("abort of a running release: %+v", r)
			}
			h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/abort", id), "writer", nil, 409)
			// the worker sees the request and stops the run
			h.finish(id, release.StatusInProgress, release.StatusAborted)
		}, release.StatusAborted},
		{"aborted-queued", func(id int64) {
			h.lines(id, 0, 5, "plan")
			var r release.Release
			h.call("POST", fmt.Sprintf("/api/v1/releases/%d/abort", id), "writer", nil, 200, &r)
			if r.Status != release.StatusAborted {
				t.Fatalf("abort of a queued release: %+v", r)
			}
			if !strings.Contains(r.ErrorLog, "aborted by writer") {
				t.Fatalf("abort of a queued release: %+v", r)
			}
		}, release.StatusAborted},
		{"rejected", func(id int64) {
			h.claim(id)
			h.lines(id, 0, 5, "plan")
			h.finish(id, release.StatusInProgress, release.StatusPendingApproval)
			h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/reject", id), "reader", nil, 403)
			var r release.Release
			h.call("POST", fmt.Sprintf("/api/v1/releases/%d/reject", id), "approver", apiwire.CommentRequest{Comment: "not today"}, 200, &r)
			if r.Status != release.StatusRejected {
				t.Fatalf("rejected: %+v", r.Approval)
			}
			if r.Approval.By != "approver" {
				t.Fatalf("rejected: %+v", r.Approval)
			}
			if r.Approval.At == nil {
				t.Fatalf("rejected: %+v", r.Approval)
			}
			if r.Approval.Comment != "not today" {
				t.Fatalf("rejected: %+v", r.Approval)
			}
			e := h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/approve", id), "approver", nil, 409)
			if !strings.Contains(e.Error.Message, "REJECTED") {
				t.Fatalf("approving a rejected release: %+v", e)
			}
		}, release.StatusRejected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.env("env-" + c.name)
			rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "env-" + c.name, Template: "full-plan"})
			type result struct {
				logs int
				end  apiwire.StreamEnd
				err  error
			}
			done := make(chan result, 1)
			go func() {
				var res result
				res.err = h.stream(context.Background(), http.DefaultClient, rel.ID, "", "", func(e event) bool {
					switch e.name {
					case "log":
						res.logs++
					case "end":
						if err := json.Unmarshal([]byte(e.data), &res.end); err != nil {
							t.Error(err)
						}
						return false
					}
					return true
				})
				done <- res
			}()
			// The release moves once the stream has subscribed, so that its
			// lines arrive live (the stream counts as a client from then on).
			testutil.Eventually(t, "the stream to subscribe", 10*time.Second, func() bool {
				_, m := h.do("GET", "/metrics", "", nil)
				return strings.Contains(string(m), "\nshiplog_sse_clients 1\n")
			})
			c.run(rel.ID)
			select {
			case res := <-done:
				if res.err != nil {
					t.Fatalf("stream: %+v", res)
				}
				if res.logs != 5 {
					t.Fatalf("stream: %+v", res)
				}
				if res.end.Status != c.want {
					t.Fatalf("stream: %+v", res)
				}
				if res.end.Cursor != "5" {
					t.Fatalf("stream: %+v", res)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the stream did not end")
			}
			if got := h.get(rel.ID); got.Status != c.want || got.FinishedAt == nil {
				t.Fatalf("release: %s %v", got.Status, got.FinishedAt)
			}
		})
	}
}

// Approval puts the release back in the queue, recording who and when.
func TestApprove(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod", func(r *apiwire.EnvironmentRequest) { r.ApprovalRequired = true })
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod"})
	if !rel.Approval.Required {
		t.Fatalf("an apply of an environment that requires approval: %+v", rel.Approval)
	}
	h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/approve", rel.ID), "approver", nil, 409)
	h.claim(rel.ID)
	h.finish(rel.ID, release.StatusInProgress, release.StatusPendingApproval)
	h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/approve", rel.ID), "writer", nil, 403)
	h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/approve", rel.ID), "", nil, 401)
	var r release.Release
	h.call("POST", fmt.Sprintf("/api/v1/releases/%d/approve", rel.ID), "approver", apiwire.CommentRequest{Comment: "ship it"}, 200, &r)
	if r.Status != release.StatusQueued {
		t.Fatalf("approved: %s %+v", r.Status, r.Approval)
	}
	if r.Approval.By != "approver" {
		t.Fatalf("approved: %s %+v", r.Status, r.Approval)
	}
	if r.Approval.At == nil {
		t.Fatalf("approved: %s %+v", r.Status, r.Approval)
	}
	if r.Approval.Comment != "ship it" {
		t.Fatalf("approved: %s %+v", r.Status, r.Approval)
	}
	e := h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/approve", rel.ID), "approver", nil, 409)
	if !strings.Contains(e.Error.Message, "QUEUED") {
		t.Fatalf("second approval: %+v", e)
	}
}

// A stream that lives longer than MaxStream ends with `event: timeout`
// naming its cursor; resuming from it (by cursor or Last-Event-ID) loses no
// line and repeats none, while lines keep coming.
func TestStreamOutlivingMaxStreamResumes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.MaxStream = 200 * time.Millisecond })
	h.env("busy")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "busy", Template: "full-plan"})
	h.claim(rel.ID)
	const batches, per = 40, 50
	go func() {
		for i := range batches {
			h.lines(rel.ID, int64(i*per), per, "plan")
			// Lines must keep coming over several MaxStream periods (a
			// second in all): a rate, not a wait for an event.
			time.Sleep(25 * time.Millisecond)
		}
		h.finish(rel.ID, release.StatusInProgress, release.StatusSucceeded)
	}()
	var seqs []int64
	cursor, timeouts := "", 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for ended := false; !ended; {
		var timeout apiwire.StreamTimeout
		byHeader := timeouts%2 == 1
		q, hdr := cursor, ""
		if byHeader {
			q, hdr = "", cursor
		}
		err := h.stream(ctx, http.DefaultClient, rel.ID, q, hdr, func(e event) bool {
			switch e.name {
			case "log":
				n, err := strconv.ParseInt(e.id, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				seqs = append(seqs, n)
			case "timeout":
				if err := json.Unmarshal([]byte(e.data), &timeout); err != nil {
					t.Error(err)
				}
				return false
			case "end":
				ended = true
				return false
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if !ended {
			if timeout.Reason != "max_stream" {
				t.Fatalf("timeout event: %+v", timeout)
			}
			if timeout.Cursor == "" {
				t.Fatalf("timeout event: %+v", timeout)
			}
			timeouts++
			cursor = timeout.Cursor
		}
	}
	if timeouts < 2 {
		t.Fatalf("only %d timeouts: the stream did not outlive MaxStream", timeouts)
	}
	if len(seqs) != batches*per {
		t.Fatalf("got %d lines over %d streams, want %d", len(seqs), timeouts+1, batches*per)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("line %d has seq %d: lost or repeated", i, s)
		}
	}
}

// A release that writes nothing still gets keep-alives, and nothing else.
// The stream is read until four keep-alives came; the deadline only bounds a
// stream that never sends them (an event, not a clock, ends the read).
func TestKeepAliveOnSilentRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.KeepAlive = 40 * time.Millisecond })
	h.env("quiet")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "quiet", Template: "full-plan"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const want = 4
	keepAlives, other := 0, 0
	if err := h.stream(ctx, http.DefaultClient, rel.ID, "", "", func(e event) bool {
		if e.comment == "keep-alive" {
			keepAlives++
		} else if e.name != "" {
			other++
		}
		return keepAlives < want
	}); err != nil {
		t.Fatalf("reading the stream of a silent release: %v", err)
	}
	if keepAlives != want {
		t.Fatalf("the stream ended after %d keep-alives, want %d", keepAlives, want)
	}
	if other != 0 {
		t.Fatalf("%d events on a silent release", other)
	}
}

// A client that leaves mid-stream leaves nothing running behind.
// Not parallel: it counts the process's goroutines, which tests running
// beside it would change.
func TestStreamClientLeavingLeavesNoGoroutine(t *testing.T) {
	h := newHarness(t, func(c *api.Config) { c.KeepAlive = 20 * time.Millisecond })
	h.env("leave")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "leave", Template: "full-plan"})
	h.claim(rel.ID)
	h.lines(rel.ID, 0, 10, "plan")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	open := func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n := 0
		if err := h.stream(ctx, client, rel.ID, "", "", func(e event) bool {
			if e.name == "log" {
				n++
			}
			return n < 10 || e.comment == "" // leave at the first keep-alive after the lines
		}); err != nil {
			t.Error(err)
		}
	}
	open() // warm up: listener, pools, connections
	// Goroutines end without announcing it: ask until the count is back.
	settle := func(want int) int {
		var n int
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		testutil.Until(ctx, func() bool { n = runtime.NumGoroutine(); return n <= want })
		return n
	}
	// A stream's leaving is announced to nothing the test can wait on but
	// the metric of connected clients: ask it until it says none.
	noClients := func() {
		testutil.Eventually(t, "the streams to leave (shiplog_sse_clients 0)", 10*time.Second, func() bool {
			_, m := h.do("GET", "/metrics", "", nil)
			return strings.Contains(string(m), "\nshiplog_sse_clients 0\n")
		})
	}
	noClients()
	before := runtime.NumGoroutine()
	for range 20 {
		open()
	}
	noClients()
	if after := settle(before); after > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before 20 abandoned streams, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	// The lines are still there for the next one.
	h.lines(rel.ID, 10, 1, "plan")
	h.finish(rel.ID, release.StatusInProgress, release.StatusSucceeded)
	n := 0
	if err := h.stream(context.Background(), client, rel.ID, "", "", func(e event) bool {
		if e.name == "log" {
			n++
		}
		return e.name != "end"
	}); err != nil {
		t.Fatal(err)
	}
	if n != 11 {
		t.Fatalf("a stream after the others saw %d lines", n)
	}
}

// Shutting down ends streams with a timeout event to resume from.
func TestEndStreamsOnShutdown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shut")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shut", Template: "full-plan"})
	h.claim(rel.ID)
	h.lines(rel.ID, 0, 3, "plan")
	var timeout apiwire.StreamTimeout
	var logs int
	if err := h.stream(context.Background(), http.DefaultClient, rel.ID, "", "", func(e event) bool {
		if e.name == "log" {
			if logs++; logs == 3 {
				go h.api.EndStreams() // shut down once the stream is live
			}
		}
		if e.name == "timeout" {
			if err := json.Unmarshal([]byte(e.data), &timeout); err != nil {
				t.Error(err)
			}
			return false
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if timeout.Reason != "shutdown" {
		t.Fatalf("timeout at shutdown: %+v", timeout)
	}
	if timeout.Cursor != "3" {
		t.Fatalf("timeout at shutdown: %+v", timeout)
	}
}
