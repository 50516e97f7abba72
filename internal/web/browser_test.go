package web_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// chromiumPath is Debian's chromium (scripts/prereqs.sh installs it);
// SHIPLOG_CHROMIUM names another.
func chromiumPath(t testing.TB) string {
	t.Helper()
	p := os.Getenv("SHIPLOG_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the browser tests need Chromium at %s (%v): run scripts/prereqs.sh as root (it installs Debian's chromium package) or set SHIPLOG_CHROMIUM", p, err)
	}
	return p
}

// newBrowser starts a headless Chromium for the test; every tab of it
// shares its cookies.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.WindowSize(1440, 1000),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", false))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium (%s): %v", chromiumPath(t), err)
	}
	return ctx
}

// newTab opens another tab of the browser ctx is a tab of (created here,
// under no deadline: a tab lives as long as the context of its first action).
func newTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return tab
}

// within runs steps with a deadline, failing the test with what was being done.
func within(t testing.TB, ctx context.Context, d time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor asks the page a JavaScript predicate until it holds: what the
// page's script does is announced to nothing the test can wait on. A
// predicate that throws (the page is navigating) counts as false.
func waitFor(t testing.TB, ctx context.Context, d time.Duration, what, predicate string) {
	t.Helper()
	testutil.Eventually(t, what+" ("+predicate+")", d, func() bool {
		c, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool]("Boolean("+predicate+")"))
		return err == nil && ok
	})
}

// screenshot saves the whole page as <name>.png in $SHIPLOG_SCREENSHOTS
// (`make screenshots` points it at docs/screenshots, the README's), or in
// a directory of the test's otherwise, so that test runs leave the
// checkout as it was.
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	screenshotDir := os.Getenv("SHIPLOG_SCREENSHOTS")
	if screenshotDir == "" {
		screenshotDir = filepath.Join(os.TempDir(), "shiplog-screenshots")
	}
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tickerConfig is a configuration whose apply prints a line every 100 ms
// for a few seconds (terraform_data with a local-exec provisioner).
const tickerConfig = `
resource "terraform_data" "ticker" {
  input = "v1"
  provisioner "local-exec" {
    command = "for i in $(seq 1 40); do echo tick $i; sleep 0.1; done"
  }
}
`

// failingConfig creates one resource, then runs a command that prints
// 150 lines and fails with a PostgreSQL-like ERROR and HINT on stderr.
const failingConfig = `
resource "terraform_data" "before" {
  input = "v1"
}

resource "terraform_data" "migrate" {
  depends_on = [terraform_data.before]
  provisioner "local-exec" {
    command = "for i in $(seq 1 150); do echo \"migrating batch $i\"; done; t=orders; echo \"ERROR:  relation \\\"$t\\\" does not exist\" >&2; echo \"HINT:  Perhaps you meant to reference the table \\\"order\\\".\" >&2; exit 3"
  }
}
`

// startWorker runs a real worker with the real terraform for the test.
func (h *harness) startWorker() {
	h.t.Helper()
	if h.worker {
		return
	}
	h.worker = true
	if _, err := exec.LookPath("terraform"); err != nil {
		h.t.Fatal("terraform is not on PATH: run the tests through `make test`, which provides it")
	}
	w, err := worker.New(context.Background(), worker.Config{Store: h.st, DatabaseURL: h.dbURL, WorkDir: h.t.TempDir(),
		Lease: 10 * time.Second, PollInterval: 100 * time.Millisecond, Grace: 5 * time.Second, ID: "browser-test-worker",
		Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{h.t}})})
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			h.t.Errorf("worker: %v", err)
		}
	}()
	h.t.Cleanup(func() {
		cancel()
		<-done
	})
}

// TestBrowser drives a real Chromium through the pages: sign in from the
// demo's link, open an environment and a release, switch phases, watch a
// running release's log grow without a reload, follow a deep link, sign
// out, and check that a read-only token sees no approve button. It saves
// a screenshot of every page for the README.
func TestBrowser(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	h.env("fleet")
	h.degrade("fleet", 120)
	ctx := newBrowser(t)
	base := h.srv.URL
	fx := h.fx
	// Each step needs the one before (signed in, on a page): stop at the
	// first that fails.
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("sign in from a link carrying the token in its fragment", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "opening /login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#token")))
		screenshot(t, ctx, "login")
		within(t, ctx, 20*time.Second, "signing in",
			chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/login#token="+h.tokens["approver"]), chromedp.WaitVisible(chromedp.CSS("#envs")))
		if loc := eval[string](t, ctx, "location.href"); loc != base+"/" {
			t.Errorf("after sign-in the browser is at %q, want the first screen (and no token in the address)", loc)
		}
		if who := eval[string](t, ctx, `document.querySelector(".tok").textContent`); !strings.Contains(who, "approver") {
			t.Errorf("the top bar should name the token, got %q", who)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll(".attention li").length`); n > 10 {
			t.Errorf("Needs attention has %d lines with 120 degraded resources, want them grouped", n)
		}
		if top := eval[float64](t, ctx, `document.querySelector("#envs").getBoundingClientRect().top`); top > 1000-100 {
			t.Errorf("the environments table starts %.0f px down: want it on the first screen beside 120 degraded resources", top)
		}
		screenshot(t, ctx, "home")
	})

	step("open an environment and its tabs", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "opening prod", chromedp.Click(chromedp.CSS(`#envs a[href="/environments/prod"]`)), chromedp.WaitVisible(chromedp.CSS("table.releases")))
		if n := eval[int](t, ctx, `document.querySelectorAll("table.releases tbody tr").length`); n != 2 {
			t.Errorf("prod's Releases tab lists %d releases, want 2", n)
		}
		screenshot(t, ctx, "environment")
		within(t, ctx, 20*time.Second, "resources tab", chromedp.Navigate(base+"/environments/prod/resources"), chromedp.WaitVisible(chromedp.CSS("details.module")))
		screenshot(t, ctx, "environment-resources")
		within(t, ctx, 20*time.Second, "resource timeline", chromedp.Navigate(base+"/environments/prod/resources/aws_iam_policy.p"), chromedp.WaitVisible(chromedp.CSS("details.change")))
		screenshot(t, ctx, "resource")
		within(t, ctx, 20*time.Second, "all releases", chromedp.Navigate(base+"/releases"), chromedp.WaitVisible(chromedp.CSS("table.releases")))
		screenshot(t, ctx, "releases")
		within(t, ctx, 20*time.Second, "artifacts", chromedp.Click(chromedp.CSS(`.top a[href="/artifacts"]`)), chromedp.WaitVisible(chromedp.CSS("#artifacts")))
		screenshot(t, ctx, "artifacts")
	})

	step("open a failed release: status, failing phase and its last lines first", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "opening the release", chromedp.Navigate(fmt.Sprintf("%s/environments/prod", base)),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/releases/%d"]`, fx.failed))), chromedp.WaitVisible(chromedp.CSS("#failed-tail")))
		if st := eval[string](t, ctx, `document.querySelector(".big .status").textContent.trim()`); st != "failed" {
			t.Errorf("the big status says %q, want failed", st)
		}
		top := eval[float64](t, ctx, `document.querySelector("#failed-tail").getBoundingClientRect().top`)
		if top > 1000 {
			t.Errorf("the failed phase's last lines start %.0f px down: want them on the first screen", top)
		}
		screenshot(t, ctx, "release-failed")
		within(t, ctx, 20*time.Second, "the plan record", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, fx.planned)), chromedp.WaitVisible(chromedp.CSS("#phases-h")))
		screenshot(t, ctx, "release")
	})

	step("switch phases in the log", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "opening the logs", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, fx.failed)),
			chromedp.Click(chromedp.CSS("#logs-link")), chromedp.WaitVisible(chromedp.CSS("#rows .ln")))
		if ph := eval[string](t, ctx, `document.querySelector("#phase").value`); ph != "init" {
			t.Errorf("the logs open on phase %q, want init (the phase that failed)", ph)
		}
		waitFor(t, ctx, 10*time.Second, "init's last line on screen", `[...document.querySelectorAll("#rows .ln")].some(r => r.dataset.n === "82" && r.getBoundingClientRect().bottom <= innerHeight)`)
		screenshot(t, ctx, "logs")
		within(t, ctx, 20*time.Second, "choosing All phases",
			chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#phase"); s.value = ""; s.dispatchEvent(new Event("change")); })()`),
			chromedp.WaitVisible(chromedp.CSS(`#log[data-all="1"] #rows .ln`)))
		if got := eval[string](t, ctx, `location.search + " " + document.querySelector("#log").dataset.lines`); got != "?phase= 83" {
			t.Errorf("all phases: %q, want ?phase= and 83 lines", got)
		}
		within(t, ctx, 20*time.Second, "scrolling to the top", chromedp.Evaluate[chromedp.Void](`document.querySelector("#log").scrollTop = 0`),
			chromedp.WaitVisible(chromedp.CSS(`#rows .ln[data-n="1"] .tx`)))
		if txt := eval[string](t, ctx, `document.querySelector('#rows .ln[data-n="1"] .tx').textContent`); txt != "release picked up by test-worker" {
			t.Errorf("line 1 of all phases is %q, want the release's own first line", txt)
		}
	})

	step("a queued release's log follows it through every phase to its end", func(t *testing.T) {
		dir := t.TempDir()
		// the worker reads a dir source as the environment's uid: open it to others
		os.Chmod(filepath.Dir(dir), 0o755)
		os.Chmod(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tickerConfig), 0o644); err != nil {
			t.Fatal(err)
		}
		h.apiCall("POST", "/api/v1/environments", map[string]any{"name": "follow", "source": map[string]string{"dir": dir}}, nil)
		var r release.Release
		h.apiCall("POST", "/api/v1/releases", map[string]any{"environment": "follow", "template": "terraform-apply"}, &r)
		if r.Status != release.StatusQueued {
			t.Fatalf("release #%d is %s, want QUEUED (no worker runs yet)", r.ID, r.Status)
		}
		// Two more tabs of the same browser: the logs with init chosen,
		// and the details page.
		chosen, details := newTab(t, ctx), newTab(t, ctx)
		within(t, chosen, 20*time.Second, "opening init's log", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=init", base, r.ID)), chromedp.WaitVisible(chromedp.CSS("#log")))
		within(t, details, 20*time.Second, "opening the details", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, r.ID)), chromedp.WaitVisible(chromedp.CSS("#release")))
		// the counts apply's row shows while apply runs
		eval[bool](t, details, `(() => { window.__counts = new Set(); new MutationObserver(() => {
			const td = document.querySelector('#release td.lines[data-phase="apply"]');
			if (td && td.closest("tr").classList.contains("st-row-in_progress")) window.__counts.add(td.textContent.trim());
		}).observe(document.body, { subtree: true, childList: true, characterData: true }); return true; })()`)
		within(t, ctx, 20*time.Second, "opening the log with no phase chosen", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs", base, r.ID)), chromedp.WaitVisible(chromedp.CSS("#log")))
		if auto := eval[string](t, ctx, `document.querySelector("#log").dataset.auto || ""`); auto != "1" {
			t.Fatalf("a queued release's log opened with no phase should follow the release (data-auto), got %q", auto)
		}
		eval[bool](t, ctx, `(() => { const l = document.querySelector("#log"); window.__phases = [l.dataset.phase]; l.addEventListener("phasechange", (e) => window.__phases.push(e.detail)); return true; })()`)
		for _, c := range []context.Context{ctx, chosen} {
			waitFor(t, c, 30*time.Second, "the chip to say Live", `document.querySelector("#chip").textContent === "Live"`)
		}
		h.startWorker()
		waitFor(t, ctx, 180*time.Second, "the stream to end", `document.querySelector("#chip").textContent === "Ended"`)
		allSucceeded := `[...document.querySelectorAll("#phase option")].filter(o => o.value).every(o => o.textContent.includes("succeeded"))`
		waitFor(t, ctx, 20*time.Second, "every phase in the dropdown to say succeeded", allSucceeded)
		if got := eval[[]string](t, ctx, `window.__phases`); strings.Join(got, ",") != "init,migrate,plan,apply" {
			t.Errorf("the view showed phases %v in turn, want init,migrate,plan,apply", got)
		}
		if got := eval[string](t, ctx, `document.querySelector("#phase").value + " " + location.search`); got != "apply " {
			t.Errorf("at the end the dropdown and address say %q, want apply chosen by the page and no phase in the address", got)
		}
		if st := eval[string](t, ctx, `document.querySelector(".logbar .status").dataset.status`); st != "SUCCEEDED" {
			t.Errorf("the log's status badge says %s at the end, want SUCCEEDED", st)
		}
		idx, err := h.st.LogIndex(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int64{}
		for _, pl := range idx {
			count[pl.Phase] = pl.Lines
		}
		seqsOf := func(phase string) string {
			es, err := h.st.ListLogs(context.Background(), r.ID, phase, 0, 5000)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, e := range es {
				fmt.Fprintf(&b, "%d,", e.Seq)
			}
			return b.String()
		}
		shown := `(() => { const v = window.shiplogViewer; let s = ""; for (let n = 1; n <= v.lines; n++) { const e = v.entry(n); s += (e ? e.seq : "missing") + ","; } return s; })()`
		if got, want := eval[string](t, ctx, shown), seqsOf("apply"); got != want {
			t.Errorf("apply's lines in the page (seqs) %s, want every one of the log's %s", got, want)
		}
		if !eval[bool](t, ctx, `(() => { const v = window.shiplogViewer; for (let n = 1; n <= v.lines; n++) if (/ tick 40$/.test((v.entry(n) || {}).text || "")) return true; return false; })()`) {
			t.Errorf("apply's last tick is not among the page's lines")
		}

		waitFor(t, chosen, 20*time.Second, "every phase in the chosen tab's dropdown to say succeeded", allSucceeded)
		if got := eval[string](t, chosen, `document.querySelector("#log").dataset.phase + " " + document.querySelector("#phase").value + " " + location.search`); got != "init init ?phase=init" {
			t.Errorf("the tab where init was chosen shows %q, want init still chosen", got)
		}
		if got, want := eval[string](t, chosen, shown), seqsOf("init"); got != want {
			t.Errorf("init's lines in the chosen tab (seqs) %s, want every one of the log's %s", got, want)
		}

		waitFor(t, details, 20*time.Second, "the details page to show the release succeeded", `document.querySelector(".big .status").textContent.trim() === "succeeded"`)
		if got, want := eval[string](t, details, `document.querySelector('#release td.lines[data-phase="apply"]').textContent.trim()`), fmt.Sprintf("%d lines", count["apply"]); got != want {
			t.Errorf("the details page's apply row says %q at the end, want %q", got, want)
		}
		t.Logf("apply's line counts on the details page while it ran: %v (visibility %s)", eval[[]string](t, details, `[...window.__counts]`), eval[string](t, details, `document.visibilityState`))
		if n := eval[int](t, details, `window.__counts.size`); n < 5 {
			t.Errorf("apply's line count on the details page took %d values while apply ran, want it to grow with the lines (at least 5)", n)
		}
		screenshot(t, ctx, "logs-followed")
	})

	step("scrolled up while the release moves on: the next phase's lines wait behind End, none dropped", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "opening the running release's log", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs", base, fx.running)), chromedp.WaitVisible(chromedp.CSS("#log[data-auto]")))
		waitFor(t, ctx, 30*time.Second, "the chip to say Live", `document.querySelector("#chip").textContent === "Live"`)
		var lines []string
		for i := 3; i <= 102; i++ {
			lines = append(lines, fmt.Sprintf("init line %d", i))
		}
		next := h.logLines(fx.running, "init", 3, lines...)
		waitFor(t, ctx, 30*time.Second, "init's 102 lines", `window.shiplogViewer.lines === 102`)
		// a reader scrolls up from where the view follows: its end, once the
		// view has grown for the new lines (before that there is nothing to
		// scroll, and setting scrollTop fires no scroll event)
		waitFor(t, ctx, 10*time.Second, "the view to follow to its end", `!window.shiplogViewer.endFrame && document.querySelector("#log").scrollTop > 0`)
		within(t, ctx, 20*time.Second, "scrolling up", chromedp.Evaluate[chromedp.Void](`document.querySelector("#log").scrollTop = 0`))
		waitFor(t, ctx, 10*time.Second, "follow to turn off", `!document.querySelector("#follow").checked`)
		h.logLines(fx.running, "plan", next, "plan line 1", "plan line 2", "plan line 3", "plan line 4", "plan line 5", "plan line 6")
		waitFor(t, ctx, 30*time.Second, "the new-lines button to name plan", `document.querySelector("#newlines").textContent.startsWith("plan started: 6 new lines")`)
		if ph := eval[string](t, ctx, `window.shiplogViewer.phase + " " + document.querySelector("#log").scrollTop`); ph != "init 0" {
			t.Errorf("scrolled up, the view moved on to %q, want init at the top", ph)
		}
		within(t, ctx, 20*time.Second, "pressing End", chromedp.KeyEvent(kb.End))
		waitFor(t, ctx, 10*time.Second, "plan shown", `window.shiplogViewer.phase === "plan"`)
		got := eval[string](t, ctx, `(() => { const v = window.shiplogViewer; const out = []; for (let n = 1; n <= v.lines; n++) out.push(v.entry(n).text); return out.join("|"); })()`)
		if got != "plan line 1|plan line 2|plan line 3|plan line 4|plan line 5|plan line 6" {
			t.Errorf("after End the view holds %q, want plan's six lines", got)
		}
	})

	step("a failed release's first screen shows the cause: the diagnostic and the command's last lines, once", func(t *testing.T) {
		dir := t.TempDir()
		// the worker reads a dir source as the environment's uid: open it to others
		os.Chmod(filepath.Dir(dir), 0o755)
		os.Chmod(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(failingConfig), 0o644); err != nil {
			t.Fatal(err)
		}
		h.apiCall("POST", "/api/v1/environments", map[string]any{"name": "broken", "source": map[string]string{"dir": dir}}, nil)
		var r release.Release
		h.apiCall("POST", "/api/v1/releases", map[string]any{"environment": "broken", "template": "terraform-apply"}, &r)
		h.startWorker()
		within(t, ctx, 20*time.Second, "opening the release", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, r.ID)), chromedp.WaitVisible(chromedp.CSS("#release")))
		waitFor(t, ctx, 180*time.Second, "the release to fail", `document.querySelector(".big .status").textContent.trim() === "failed"`)
		t.Logf("what went wrong:\n%s", eval[string](t, ctx, `document.querySelector("#cause").innerText`))
		onScreen := func(what, js string) {
			t.Helper()
			if !eval[bool](t, ctx, `(() => { const e = `+js+`; if (!e) return false; const r = e.getBoundingClientRect(); return r.height > 0 && r.bottom <= innerHeight; })()`) {
				t.Errorf("%s is not on the first screen", what)
			}
		}
		line := func(text string) string {
			return `[...document.querySelectorAll("#failed-tail .tl")].find(x => x.textContent.includes(` + "`" + text + "`" + `))`
		}
		onScreen("the ERROR line", line(`ERROR:  relation "orders" does not exist`))
		onScreen("the HINT line", line(`HINT:  Perhaps you meant`))
		onScreen("terraform's diagnostic", `[...document.querySelectorAll("#cause .diag .summary")].find(x => x.textContent.includes("local-exec provisioner error"))`)
		if got := eval[string](t, ctx, `(document.querySelector("#cause .diag .where") || {}).textContent || ""`); !strings.Contains(got, "terraform_data.migrate") || !strings.Contains(got, "main.tf line") {
			t.Errorf("the diagnostic's resource and line read %q, want terraform_data.migrate on main.tf line …", got)
		}
		if got := eval[string](t, ctx, `(document.querySelector("#applied") || {}).textContent || ""`); !strings.Contains(got, "terraform_data.before: Creation complete after") {
			t.Errorf("what was applied before the failure reads %q, want terraform_data.before", got)
		}
		if n := eval[int](t, ctx, `document.body.innerText.split('relation "orders" does not exist').length - 1`); n != 1 {
			t.Errorf("the page shows the error %d times, want once (the rest one click away)", n)
		}
		if eval[bool](t, ctx, `document.querySelector("#cause details").open`) {
			t.Errorf("the whole error log should be one click away, not open")
		}
		screenshot(t, ctx, "release-failed-cause")
	})

	step("watch a running release's log grow without a reload", func(t *testing.T) {
		dir := t.TempDir()
		// a root worker packs a dir source only as far as the environment's uid may read it
		os.Chmod(filepath.Dir(dir), 0o755)
		os.Chmod(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tickerConfig), 0o644); err != nil {
			t.Fatal(err)
		}
		h.apiCall("POST", "/api/v1/environments", map[string]any{"name": "live", "source": map[string]string{"dir": dir}}, nil)
		var r release.Release
		h.apiCall("POST", "/api/v1/releases", map[string]any{"environment": "live", "template": "terraform-apply"}, &r)
		h.startWorker()
		within(t, ctx, 20*time.Second, "opening the live log", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=apply", base, r.ID)),
			chromedp.WaitVisible(chromedp.CSS("#log")))
		eval[bool](t, ctx, `window.__sameDocument = true`)
		waitFor(t, ctx, 120*time.Second, "the chip to say Live", `document.querySelector("#chip").textContent === "Live"`)
		waitFor(t, ctx, 120*time.Second, "apply's ticks to arrive", `[...document.querySelectorAll("#rows .ln .tx")].some(x => x.textContent.includes("tick 5"))`)
		first := eval[int](t, ctx, `window.shiplogViewer.lines`)
		screenshot(t, ctx, "logs-live")
		waitFor(t, ctx, 60*time.Second, "more ticks", `[...document.querySelectorAll("#rows .ln .tx")].some(x => x.textContent.includes("tick 40"))`)
		if now := eval[int](t, ctx, `window.shiplogViewer.lines`); now <= first {
			t.Errorf("the log did not grow: %d lines, then %d", first, now)
		}
		if !eval[bool](t, ctx, `window.__sameDocument === true`) {
			t.Errorf("the page reloaded to show new lines")
		}
		if !eval[bool](t, ctx, `(() => { const l = document.querySelector("#log"); return l.scrollTop + l.clientHeight >= l.scrollHeight - 40; })()`) {
			t.Errorf("follow mode should keep the newest line in view")
		}
		waitFor(t, ctx, 120*time.Second, "the stream to end", `document.querySelector("#chip").textContent === "Ended"`)
		if st := eval[string](t, ctx, `document.querySelector(".logbar .status").dataset.status`); st != "SUCCEEDED" {
			t.Errorf("after the end the page's status says %s, want SUCCEEDED", st)
		}
		st, err := h.st.ReleaseStatus(context.Background(), r.ID)
		if err != nil || st != release.StatusSucceeded {
			t.Errorf("the live release ended %s (%v), want SUCCEEDED", st, err)
		}
	})

	step("the details page follows a running release through one EventSource", func(t *testing.T) {
		dir := t.TempDir()
		// a root worker packs a dir source only as far as the environment's uid may read it
		os.Chmod(filepath.Dir(dir), 0o755)
		os.Chmod(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tickerConfig), 0o644); err != nil {
			t.Fatal(err)
		}
		h.apiCall("POST", "/api/v1/environments", map[string]any{"name": "live2", "source": map[string]string{"dir": dir}}, nil)
		var r release.Release
		h.apiCall("POST", "/api/v1/releases", map[string]any{"environment": "live2", "template": "terraform-apply"}, &r)
		within(t, ctx, 20*time.Second, "opening the running release", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, r.ID)),
			chromedp.WaitVisible(chromedp.CSS("#release")))
		eval[bool](t, ctx, `window.__sameDocument = true`)
		if eval[string](t, ctx, `document.querySelector("#release").dataset.live || ""`) != "1" {
			t.Fatalf("release #%d should open as running (data-live), it is %s", r.ID, eval[string](t, ctx, `document.querySelector("#release").dataset.status`))
		}
		waitFor(t, ctx, 120*time.Second, "the page to show the release succeeded", `document.querySelector(".big .status").textContent.trim() === "succeeded"`)
		if !eval[bool](t, ctx, `window.__sameDocument === true`) {
			t.Errorf("the page reloaded to follow the release")
		}
		if st := eval[int](t, ctx, `window.shiplogRelease.readyState`); st != 2 {
			t.Errorf("after the end the page's EventSource is in state %d, want closed (2): it would reconnect forever", st)
		}
		urls := eval[[]string](t, ctx, `performance.getEntriesByType("resource").map(e => new URL(e.name).pathname)`)
		streams, polls := 0, 0
		for _, u := range urls {
			switch u {
			case fmt.Sprintf("/api/v1/releases/%d/logs/stream", r.ID):
				streams++
			case fmt.Sprintf("/api/v1/releases/%d", r.ID):
				polls++
			}
		}
		if streams != 1 {
			t.Errorf("the page opened %d log streams, want one", streams)
		}
		if polls != 0 {
			t.Errorf("the page polled the release %d times, want none (the stream drives it)", polls)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#release .phase-row, #release [class*=st-row-]").length`); n == 0 {
			t.Errorf("after the end the re-fetched page should list the phases")
		}
		screenshot(t, ctx, "release-live-ended")
	})

	step("follow a deep link to a range of lines", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "opening the deep link", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=init#L40-L45", base, fx.failed)),
			chromedp.WaitVisible(chromedp.CSS("#rows .ln.hl")))
		hl := eval[[]string](t, ctx, `[...document.querySelectorAll("#rows .ln.hl")].map(r => r.dataset.n)`)
		if strings.Join(hl, ",") != "40,41,42,43,44,45" {
			t.Errorf("highlighted lines %v, want 40-45", hl)
		}
		if !eval[bool](t, ctx, `(() => { const r = document.querySelector('#rows .ln[data-n="40"]').getBoundingClientRect(); const l = document.querySelector("#log").getBoundingClientRect(); return r.top >= l.top && r.bottom <= l.bottom; })()`) {
			t.Errorf("line 40 should be in view")
		}
		screenshot(t, ctx, "logs-deeplink")
	})

	step("only matching lines, timestamps, all in the URL", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "opening a filtered log", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=init&q=error&only=1", base, fx.failed)),
			chromedp.WaitVisible(chromedp.CSS("#log.only #rows .ln .tx mark")))
		nums := eval[[]string](t, ctx, `[...document.querySelectorAll("#rows .ln a.num")].map(a => a.textContent)`)
		if strings.Join(nums, ",") != "81,82" {
			t.Errorf("only matching lines of init for %q: line numbers %v, want 81,82 (the phase's own numbers)", "error", nums)
		}
		within(t, ctx, 20*time.Second, "turning timestamps on", chromedp.Click(chromedp.CSS("#timestamps")))
		if q := eval[string](t, ctx, `location.search`); q != "?phase=init&q=error&only=1&timestamps=1" {
			t.Errorf("after ticking timestamps the address is %q, want timestamps=1 added", q)
		}
		screenshot(t, ctx, "logs-only-matching")
		within(t, ctx, 20*time.Second, "reloading", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#log.only #rows .ln .tx mark")))
		if !eval[bool](t, ctx, `document.querySelector("#timestamps").checked && document.querySelector("#log").classList.contains("show-ts")`) {
			t.Errorf("reloaded, the timestamps toggle should still be on")
		}
		if !eval[bool](t, ctx, `getComputedStyle(document.querySelector("#rows .ln .ts")).display !== "none"`) {
			t.Errorf("reloaded with timestamps=1, the times should show")
		}
		within(t, ctx, 20*time.Second, "showing every line again", chromedp.Click(chromedp.CSS("#only")), chromedp.WaitNotPresent(chromedp.CSS("#log.only")))
		if q := eval[string](t, ctx, `location.search`); q != "?phase=init&q=error&timestamps=1" {
			t.Errorf("after unticking only matching lines the address is %q, want only removed", q)
		}
		if n := eval[int](t, ctx, `window.shiplogViewer.lines`); n != 82 {
			t.Errorf("back to every line, the viewer has %d lines, want init's 82", n)
		}
	})

	step("colourless terraform output coloured by what it says, still text", func(t *testing.T) {
		r := h.queue("stage")
		lines := []string{"Terraform will perform the following actions:", "  + resource \"aws_s3_bucket\" \"a\" {", "  ~ tags = {}",
			"  - resource \"aws_instance\" \"b\" {", "-/+ resource \"aws_db\" \"c\" {", "Warning: Argument is deprecated",
			"│ Error: <b>Invalid</b> value", "Plan: 1 to add, 1 to change, 2 to destroy."}
		h.logLines(r.ID, "plan", 1, lines...)
		within(t, ctx, 20*time.Second, "opening the plan log", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=plan", base, r.ID)),
			chromedp.WaitVisible(chromedp.CSS(`#rows .ln[data-n="8"] .tx`)))
		got := eval[[]string](t, ctx, `[...document.querySelectorAll("#rows .ln .tx")].map(x => x.className)`)
		want := []string{"tx", "tx t-add", "tx t-chg", "tx t-del", "tx t-del", "tx t-warn", "tx t-err", "tx t-plan"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("line tones %v, want %v", got, want)
		}
		if colour := eval[string](t, ctx, `getComputedStyle(document.querySelector('#rows .ln[data-n="7"] .tx')).color`); colour != "rgb(255, 123, 114)" {
			t.Errorf("the Error: line is %s, want red rgb(255, 123, 114)", colour)
		}
		if eval[bool](t, ctx, `!!document.querySelector("#rows b")`) {
			t.Errorf("a coloured line's text became markup")
		}
		screenshot(t, ctx, "logs-coloured")
	})

	step("ANSI colours shown as colour, out of search and copy; init's list not painted as deletions", func(t *testing.T) {
		r := h.queue("stage")
		h.logLines(r.ID, "init", 1, "Initializing provider plugins...", "- terraform.io/builtin/terraform is built in", "- Installing hashicorp/null v3.2.1...")
		h.logLines(r.ID, "migrate", 4, "\x1b[32m✔\x1b[0m 12 checks \x1b[1;31mfailed\x1b[0m", "plain\x1b[2K line", "\x1b]8;;http://evil.example\x07docs\x1b]8;;\x07 linked")
		within(t, ctx, 20*time.Second, "opening init's log", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=init", base, r.ID)),
			chromedp.WaitVisible(chromedp.CSS(`#rows .ln[data-n="3"] .tx`)))
		if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#rows .ln .tx")].map(x => x.className)`); strings.Join(got, "|") != "tx|tx|tx" {
			t.Errorf("init's lines have tones %v, want none (its \"- \" lines are no deletions)", got)
		}
		within(t, ctx, 20*time.Second, "opening the coloured log", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=migrate", base, r.ID)),
			chromedp.WaitVisible(chromedp.CSS(`#rows .ln[data-n="1"] .tx .a-f2`)))
		if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#rows .ln .tx")].map(x => x.textContent)`); strings.Join(got, "|") != "✔ 12 checks failed|plain line|docs linked" {
			t.Errorf("the lines read %q, want their text without escapes", got)
		}
		if got := eval[string](t, ctx, `[...document.querySelectorAll('#rows .ln[data-n="1"] .tx span')].map(x => x.className + "=" + x.textContent).join("|")`); got != "a-f2=✔|a-f1 a-bold=failed" {
			t.Errorf("line 1's coloured spans %q, want a-f2=✔|a-f1 a-bold=failed", got)
		}
		if colour := eval[string](t, ctx, `getComputedStyle(document.querySelector('#rows .ln[data-n="1"] .a-f2')).color`); colour != "rgb(63, 185, 80)" {
			t.Errorf("ESC[32m text is %s, want green rgb(63, 185, 80)", colour)
		}
		if eval[bool](t, ctx, `!!document.querySelector("#rows a:not(.num)")`) {
			t.Errorf("an OSC hyperlink in the log became a link")
		}
		copied := eval[string](t, ctx, `(() => { const s = getSelection(); s.selectAllChildren(document.querySelector("#rows")); const t = s.toString(); s.removeAllRanges(); return t; })()`)
		if strings.ContainsRune(copied, 0x1b) || !strings.Contains(copied, "✔ 12 checks failed") {
			t.Errorf("copying the rows gives %q: want the text without escapes", copied)
		}
		screenshot(t, ctx, "logs-ansi")
		eval[float64](t, ctx, `window.shiplogViewer.search("✔ 12 checks failed")`)
		if got := eval[string](t, ctx, `document.querySelector("#search-status").textContent + " " + document.querySelector("#rows mark").textContent`); got != "1 of 1 ✔" {
			t.Errorf("searching the coloured text: %q, want 1 of 1 with ✔ marked", got)
		}
	})

	step("wrap mode: long lines wrap, rows do not overlap, the end is reachable", func(t *testing.T) {
		r := h.queue("stage")
		var lines []string
		for i := 1; i <= 300; i++ {
			lines = append(lines, fmt.Sprintf("line %d", i))
		}
		lines[149] = "long " + strings.Repeat("wrapped-text ", 300)
		lines[299] = "last " + strings.Repeat("end-text ", 300)
		h.logLines(r.ID, "plan", 1, lines...)
		within(t, ctx, 20*time.Second, "opening the log wrapped at line 150", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=plan&wrap=1#L150", base, r.ID)),
			chromedp.WaitVisible(chromedp.CSS(`#log.wrap #rows .ln.hl[data-n="150"] .tx`)))
		waitFor(t, ctx, 10*time.Second, "line 150 wrapped and in view", `(() => { const r = document.querySelector('#rows .ln[data-n="150"]').getBoundingClientRect(); const l = document.querySelector("#log").getBoundingClientRect(); return r.height > 54 && r.top >= l.top && r.top < l.bottom; })()`)
		if !eval[bool](t, ctx, `document.querySelector('#rows .ln[data-n="151"]').getBoundingClientRect().top >= document.querySelector('#rows .ln[data-n="150"]').getBoundingClientRect().bottom - 1`) {
			t.Errorf("wrapped line 150 overlaps line 151")
		}
		within(t, ctx, 20*time.Second, "going to the end", chromedp.Evaluate[chromedp.Void](`(() => { const l = document.querySelector("#log"); l.scrollTop = l.scrollHeight; })()`))
		waitFor(t, ctx, 10*time.Second, "the last wrapped line whole in view", `(() => { const e = document.querySelector('#rows .ln[data-n="300"]'); if (!e) return false; const r = e.getBoundingClientRect(); const l = document.querySelector("#log").getBoundingClientRect(); return r.height > 54 && r.bottom <= l.bottom + 1 && r.top >= l.top; })()`)
		within(t, ctx, 20*time.Second, "turning wrap off", chromedp.Click(chromedp.CSS("#wrap")), chromedp.WaitNotPresent(chromedp.CSS("#log.wrap")))
		if q := eval[string](t, ctx, `location.search`); q != "?phase=plan" {
			t.Errorf("after unticking wrap the address is %q, want ?phase=plan", q)
		}
	})

	step("changes and compare", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "changes", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/changes", base, fx.planned)), chromedp.WaitVisible(chromedp.CSS("details.change")))
		if n := eval[int](t, ctx, `document.querySelectorAll("script").length`); n != 1 {
			t.Errorf("the changes page runs %d scripts, want only ours (addresses hold <script>)", n)
		}
		screenshot(t, ctx, "changes")
		within(t, ctx, 20*time.Second, "compare", chromedp.Navigate(fmt.Sprintf("%s/compare?base=%d&head=%d", base, fx.planned, fx.failed)), chromedp.WaitVisible(chromedp.CSS("table.compare")))
		screenshot(t, ctx, "compare")
		within(t, ctx, 20*time.Second, "pending release", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, fx.pending)), chromedp.WaitVisible(chromedp.CSS("#approve")))
		screenshot(t, ctx, "release-pending")
	})

	step("sign out", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "signing out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
		within(t, ctx, 20*time.Second, "opening a page", chromedp.Navigate(base+"/releases"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
		if loc := eval[string](t, ctx, "location.pathname + location.search"); loc != "/login?next=%2Freleases" {
			t.Errorf("signed out, /releases leads to %q, want the sign-in form coming back", loc)
		}
	})

	step("a deep link opened signed out survives sign-in", func(t *testing.T) {
		link := fmt.Sprintf("/releases/%d/logs?phase=init#L40", fx.failed)
		within(t, ctx, 20*time.Second, "opening the deep link signed out", chromedp.Navigate(base+link), chromedp.WaitVisible(chromedp.CSS("#login-form")))
		within(t, ctx, 20*time.Second, "signing in", chromedp.SendKeys(chromedp.CSS("#token"), h.tokens["approver"]),
			chromedp.Submit(chromedp.CSS("#token")), chromedp.WaitVisible(chromedp.CSS("#rows .ln.hl")))
		if got := eval[string](t, ctx, `location.pathname + location.search + location.hash`); got != link {
			t.Errorf("after sign-in the browser is at %q, want %q", got, link)
		}
		if hl := eval[[]string](t, ctx, `[...document.querySelectorAll("#rows .ln.hl")].map(r => r.dataset.n)`); strings.Join(hl, ",") != "40" {
			t.Errorf("highlighted lines %v, want 40", hl)
		}
	})

	step("keyboard: skip link, the log takes focus visibly and keeps its place", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "opening releases", chromedp.Navigate(base+"/releases"), chromedp.WaitVisible(chromedp.CSS("table.releases")))
		within(t, ctx, 20*time.Second, "tabbing", chromedp.KeyEvent("\t"))
		if got := eval[string](t, ctx, `(() => { const a = document.activeElement; return a.className + " " + (a.getBoundingClientRect().top >= 0) + " " + a.textContent; })()`); got != "skip true Skip to content" {
			t.Errorf("the first Tab focuses %q, want the visible skip link", got)
		}
		within(t, ctx, 20*time.Second, "following the skip link", chromedp.KeyEvent("\r"))
		if got := eval[string](t, ctx, `location.hash + " " + document.activeElement.id`); got != "#main main" {
			t.Errorf("the skip link leads to %q, want #main focused", got)
		}
		r := h.queue("stage")
		var lines []string
		for i := 1; i <= 2000; i++ {
			lines = append(lines, fmt.Sprintf("plan line %d", i))
		}
		h.logLines(r.ID, "plan", 1, lines...)
		within(t, ctx, 20*time.Second, "opening a long log at line 1000", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=plan#L1000", base, r.ID)),
			chromedp.WaitVisible(chromedp.CSS(`#rows .ln.hl[data-n="1000"] .tx`)))
		before := eval[float64](t, ctx, `document.querySelector("#log").scrollTop`)
		within(t, ctx, 20*time.Second, "tabbing into the log", chromedp.Focus(chromedp.CSS("#download")), chromedp.KeyEvent("\t"))
		if id := eval[string](t, ctx, `document.activeElement.id`); id != "log" {
			t.Fatalf("Tab after the toolbar focuses #%s, want the log", id)
		}
		if after := eval[float64](t, ctx, `document.querySelector("#log").scrollTop`); after != before {
			t.Errorf("focusing the log moved it from %.0f to %.0f px", before, after)
		}
		if o := eval[string](t, ctx, `getComputedStyle(document.querySelector("#log")).outlineStyle`); o == "none" {
			t.Errorf("the focused log shows no outline")
		}
		within(t, ctx, 20*time.Second, "paging down", chromedp.KeyEvent(kb.PageDown))
		waitFor(t, ctx, 5*time.Second, "the log to scroll a page", fmt.Sprintf(`document.querySelector("#log").scrollTop > %f`, before+100))
		// the page scroll is animated: wait for it to rest
		paged := eval[float64](t, ctx, `(async () => { const l = document.querySelector("#log"); const frame = () => new Promise((r) => requestAnimationFrame(r));
			for (let a = l.scrollTop; ; a = l.scrollTop) { await frame(); await frame(); await frame(); if (l.scrollTop === a) return a; } })()`)
		within(t, ctx, 20*time.Second, "tabbing out of the log", chromedp.KeyEvent("\t"))
		if id := eval[string](t, ctx, `document.activeElement.id`); id == "log" || eval[bool](t, ctx, `!!document.activeElement.closest("#rows")`) {
			t.Errorf("Tab in the log stays in it (%q): its line links should not take focus", id)
		}
		if after := eval[float64](t, ctx, `document.querySelector("#log").scrollTop`); after != paged {
			t.Errorf("tabbing out of the log moved it from %.0f to %.0f px", paged, after)
		}
	})

	step("390 px wide: no page wider than the screen, the log's last line on screen", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		defer within(t, ctx, 20*time.Second, "back to the desktop", chromedp.EmulateViewport(1440, 1000))
		for _, p := range []string{"/", "/releases", "/environments/prod", fmt.Sprintf("/releases/%d", fx.failed), fmt.Sprintf("/releases/%d/changes", fx.planned),
			fmt.Sprintf("/releases/%d/logs?phase=init", fx.failed)} {
			within(t, ctx, 20*time.Second, "opening "+p, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS("main")))
			// the page's width, less a scrollbar
			if w, cw := eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `document.documentElement.clientWidth`); w > cw {
				t.Errorf("%s is %d px wide in a %d px screen; too wide: %v", p, w, cw, eval[[]string](t, ctx, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && getComputedStyle(e.parentElement).overflowX === "visible").slice(0, 4).map(e => e.tagName + "." + e.className + "#" + e.id)`))
			}
		}
		waitFor(t, ctx, 10*time.Second, "init's last line in view", `(() => { const r = document.querySelector('#rows .ln[data-n="82"]'); return !!r && r.getBoundingClientRect().bottom <= innerHeight && r.getBoundingClientRect().top >= document.querySelector("#log").getBoundingClientRect().top; })()`)
		screenshot(t, ctx, "logs-390")
		within(t, ctx, 20*time.Second, "the first screen", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#envs")))
		screenshot(t, ctx, "home-390")
	})

	step("a read-only token sees no approve button", func(t *testing.T) {
		within(t, ctx, 20*time.Second, "signing in read-only", chromedp.Navigate(base+"/login"), chromedp.SendKeys(chromedp.CSS("#token"), h.tokens["reader"]),
			chromedp.Submit(chromedp.CSS("#token")), chromedp.WaitVisible(chromedp.CSS("#envs")))
		within(t, ctx, 20*time.Second, "pending release", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, fx.pending)), chromedp.WaitVisible(chromedp.CSS("#logs-link")))
		if eval[bool](t, ctx, `!!document.querySelector("#approve, #reject, #abort")`) {
			t.Errorf("a read-only token sees an approve, reject or abort button")
		}
	})
}

// Issue 20 kinds 5 and 7 in a real browser: the changes page of a plan
// Terraform 1.11.4 made shows the policy's structural diff, the user
// data's changed lines, where the long value differs and the escaped
// name; then a set of rules reordered shows no SSH rule turning into
// another (screenshots changes-readable, changes-set).
func TestBrowserChangesReadable(t *testing.T) {
	h := newHarness(t)
	h.env("prod")
	ctx := newBrowser(t)
	base := h.srv.URL
	record := func(file string) int64 {
		body, err := os.ReadFile("../plan/testdata/plans/field/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var rel release.Release
		h.apiCall("POST", "/api/v1/environments/prod/plans?template=full-plan", body, &rel)
		return rel.ID
	}
	readable, set := record("readable-values.json"), record("set-reorder.json")
	within(t, ctx, 20*time.Second, "signing in",
		chromedp.Navigate(base+"/login#token="+h.tokens["reader"]), chromedp.WaitVisible(chromedp.CSS("#envs")))
	open := chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details.change").forEach(d => d.open = true)`)
	within(t, ctx, 20*time.Second, "changes", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/changes", base, readable)),
		chromedp.WaitVisible(chromedp.CSS("details.change")), open)
	text := eval[string](t, ctx, `document.body.innerText`)
	for _, want := range []string{
		`+ Statement[0].Action[2]: null → "s3:PutObject"`,
		`+ echo "worker_processes 4;" > /etc/nginx/conf.d/workers.conf`,
		"differs at character 1157",
		`"admin\u200b\u202egnp.exe\u00a0"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the changes page does not show %q", want)
		}
	}
	screenshot(t, ctx, "changes-readable")
	within(t, ctx, 20*time.Second, "set changes", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/changes", base, set)),
		chromedp.WaitVisible(chromedp.CSS("details.change")), open)
	text = eval[string](t, ctx, `document.body.innerText`)
	if !strings.Contains(text, "rule[1].description") {
		t.Errorf("the SSH rule's description change is not shown:\n%s", text)
	}
	for _, wrong := range []string{"rule[1].from_port", "rule[1].cidr_blocks"} {
		if strings.Contains(text, wrong) {
			t.Errorf("the SSH rule reads as changing %s:\n%s", wrong, text)
		}
	}
	screenshot(t, ctx, "changes-set")
}
