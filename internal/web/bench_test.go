package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// bigLog is the size of the benchmarks' log: one plan phase of 300,000 lines.
const bigLog = 300_000

// seedBigLog makes a finished release whose plan phase wrote bigLog lines
// (COPY, 5,000 lines a chunk row, as the log writer stores them); one line
// in 10,000 holds "needle".
func (h *harness) seedBigLog() int64 {
	h.t.Helper()
	ctx := context.Background()
	h.env("big")
	r := h.queue("big")
	h.move(r.ID, release.StatusQueued, release.StatusInProgress, "")
	for i := range r.Phases {
		if err := h.st.StartPhase(ctx, r.ID, i); err != nil {
			h.t.Fatal(err)
		}
		if err := h.st.FinishPhase(ctx, r.ID, i, release.PhaseSucceeded, ""); err != nil {
			h.t.Fatal(err)
		}
	}
	es := make([]release.LogEntry, bigLog)
	now := time.Now().UTC()
	for i := range es {
		text := fmt.Sprintf("  # module.app.aws_instance.web[%d] will be updated in-place: ami = \"ami-%08d\" -> \"ami-%08d\"", i, i, i+1)
		if (i+1)%10_000 == 0 {
			text = fmt.Sprintf("needle %d: Warning: deprecated attribute", i+1)
		}
		es[i] = release.LogEntry{ReleaseID: r.ID, Phase: "plan", Seq: int64(i + 1), Time: now, Stream: release.Stdout, Text: text, DeploymentType: release.DeploymentRegular}
	}
	if err := h.st.CopyLogs(ctx, es, 5000); err != nil {
		h.t.Fatal(err)
	}
	h.move(r.ID, release.StatusInProgress, release.StatusSucceeded, "")
	return r.ID
}

// signInBrowser signs a Chromium in as a token through the login form.
func signInBrowser(t testing.TB, ctx context.Context, base, secret string) {
	t.Helper()
	within(t, ctx, 30*time.Second, "signing in", chromedp.Navigate(base+"/login"), chromedp.SendKeys(chromedp.CSS("#token"), secret),
		chromedp.Submit(chromedp.CSS("#token")), chromedp.WaitVisible(chromedp.CSS("#envs")))
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func report(name string, got []time.Duration, target string, baseName string, base []time.Duration) {
	fmt.Printf("  %-34s %8.1fms  %v   target %s\n", name, benchutil.Millis(benchutil.Median(got)), benchutil.Runs(got), target)
	fmt.Printf("    baseline: %-22s %8.1fms  %v\n", baseName, benchutil.Millis(benchutil.Median(base)), benchutil.Runs(base))
}

// BenchmarkLogViewer times the log page on a 300,000-line phase in a real
// Chromium: first lines painted, a jump to line 250,000, a search, and the
// most log rows the page holds while scrolled end to end; each beside a
// baseline from the same run.
func BenchmarkLogViewer(b *testing.B) {
	h := newHarness(b)
	id := h.seedBigLog()
	ctx := newBrowser(b)
	base := h.srv.URL
	signInBrowser(b, ctx, base, h.tokens["reader"])
	page := fmt.Sprintf("%s/releases/%d/logs?phase=plan", base, id)
	raw := fmt.Sprintf("/api/v1/releases/%d/logs/raw?phase=plan", id)
	const runs = 5
	var paint, rawAll, jump, fetchPage, search, searchAPI []time.Duration
	for range runs {
		within(b, ctx, 60*time.Second, "opening the log", chromedp.Navigate("about:blank"), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#rows .ln")))
		waitFor(b, ctx, 30*time.Second, "the first frame", `window.shiplogViewer && window.shiplogViewer.firstPaint > 0`)
		paint = append(paint, ms(eval[float64](b, ctx, `window.shiplogViewer.firstPaint`)))
		rawAll = append(rawAll, ms(eval[float64](b, ctx, `(async () => { const t = performance.now(); await (await fetch("`+raw+`")).text(); return performance.now() - t; })()`)))
		jump = append(jump, ms(eval[float64](b, ctx, `(async () => { const t = performance.now(); const done = await window.shiplogViewer.jump(250000); return done - t; })()`)))
		if got := eval[string](b, ctx, `document.querySelector('#rows .ln[data-n="250000"] .tx').textContent`); !strings.HasPrefix(got, "needle 250000:") {
			b.Fatalf("line 250,000 shows %q", got)
		}
		fetchPage = append(fetchPage, ms(eval[float64](b, ctx, fmt.Sprintf(`(async () => { const t = performance.now(); await (await fetch("/api/v1/releases/%d/logs?phase=plan&cursor=%d&limit=500")).json(); return performance.now() - t; })()`, id, 200_000+runs))))
		within(b, ctx, 10*time.Second, "back to the top", chromedp.Evaluate[chromedp.Void](`document.querySelector("#log").scrollTop = 0`))
		search = append(search, ms(eval[float64](b, ctx, `(async () => { const t = performance.now(); const done = await window.shiplogViewer.search("needle 150000"); return done - t; })()`)))
		if got := eval[string](b, ctx, `document.querySelector("#search-status").textContent`); got != "1 of 1" {
			b.Fatalf("search status %q, want 1 of 1", got)
		}
		searchAPI = append(searchAPI, ms(eval[float64](b, ctx, fmt.Sprintf(`(async () => { const t = performance.now(); await (await fetch("/api/v1/releases/%d/logs/search?q=needle+150000&phase=plan")).json(); return performance.now() - t; })()`, id))))
	}
	// Scroll end to end and count the rows held at each stop.
	within(b, ctx, 60*time.Second, "reopening the log", chromedp.Navigate("about:blank"), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#rows .ln")))
	maxRows := eval[int](b, ctx, `(async () => {
		const l = document.querySelector("#log");
		let most = 0;
		for (let i = 0; i <= 100; i++) {
			l.scrollTop = (l.scrollHeight - l.clientHeight) * i / 100;
			await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
			most = Math.max(most, document.querySelectorAll("#log .ln").length);
		}
		return most;
	})()`)
	heap := eval[float64](b, ctx, `performance.memory ? performance.memory.usedJSHeapSize / 1048576 : -1`)
	fmt.Printf("log viewer, one phase of %d lines (median of %d runs):\n", bigLog, runs)
	report("first log lines painted", paint, "< 1000ms", "fetch whole raw log", rawAll)
	report("jump to line 250,000", jump, "< 500ms", "one 500-line page API", fetchPage)
	report("search to first match shown", search, "< 1000ms", "search API alone", searchAPI)
	fmt.Printf("  %-34s %8d     target <= 2000   baseline: lines in the phase %d\n", "most log rows in the page", maxRows, bigLog)
	fmt.Printf("  %-34s %8.1fMB   target < 150MB (after scrolling end to end)\n", "tab JS heap", heap)
	if maxRows > 2000 {
		b.Errorf("the page held %d log rows at once, over 2,000", maxRows)
	}
}

// BenchmarkLogScrollbarDrag drags the log's scrollbar from the top to the
// bottom of a 300,000-line phase in a real Chromium (mouse events on the
// scrollbar's thumb) and times, from the last scroll, until every row on
// screen holds its text; the baseline is the same drag with stale page
// fetches left running (as before they were cancelled), and one page of
// the API alone.
func BenchmarkLogScrollbarDrag(b *testing.B) {
	h := newHarness(b)
	id := h.seedBigLog()
	ctx := newBrowser(b)
	signInBrowser(b, ctx, h.srv.URL, h.tokens["reader"])
	page := fmt.Sprintf("%s/releases/%d/logs?phase=plan", h.srv.URL, id)
	const runs = 5
	drag := func(keepStale bool) (time.Duration, int, int) {
		within(b, ctx, 60*time.Second, "opening the log", chromedp.Navigate("about:blank"), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#rows .ln")))
		eval[bool](b, ctx, fmt.Sprintf(`(() => {
			const l = document.querySelector("#log");
			l.scrollTop = 0;
			window.shiplogViewer.keepStale = %t;
			window.__lastScroll = 0;
			l.addEventListener("scroll", () => { window.__lastScroll = performance.now(); }, { passive: true });
			performance.clearResourceTimings();
			return true;
		})()`, keepStale))
		waitFor(b, ctx, 30*time.Second, "the top rows", `!document.querySelector("#rows .ln.loading") && document.querySelector('#rows .ln[data-n="1"]')`)
		box := eval[[]float64](b, ctx, `(() => { const r = document.querySelector("#log").getBoundingClientRect(); return [r.right, r.top, r.bottom, innerHeight]; })()`)
		// the vertical scrollbar's thumb, just below its arrow button, to
		// past the bottom (the thumb stops there)
		x := box[0] - 7
		within(b, ctx, 60*time.Second, "dragging the scrollbar", chromedp.DragAndDropXY(x, box[1]+20, x, min(box[2]+60, box[3]-2), 60))
		filled := ms(eval[float64](b, ctx, `(async () => {
			const l = document.querySelector("#log");
			const full = () => {
				const top = l.getBoundingClientRect().top, bottom = l.getBoundingClientRect().bottom;
				const rows = [...document.querySelectorAll("#rows .ln")].filter((r) => { const b = r.getBoundingClientRect(); return b.bottom > top && b.top < bottom; });
				return rows.length > 0 && rows.every((r) => !r.classList.contains("loading")) && rows.some((r) => r.dataset.n === "300000");
			};
			while (!full()) await new Promise((r) => requestAnimationFrame(r));
			return performance.now() - window.__lastScroll;
		})()`))
		fetches := eval[int](b, ctx, `performance.getEntriesByType("resource").filter((e) => new URL(e.name).pathname.endsWith("/logs")).length`)
		aborted := eval[int](b, ctx, `window.shiplogViewer.aborted || 0`)
		return filled, fetches, aborted
	}
	var cancelled, stale, api []time.Duration
	var fetches, aborted, staleFetches int
	for range runs {
		d, f, a := drag(false)
		cancelled, fetches, aborted = append(cancelled, d), fetches+f, aborted+a
		d, f, _ = drag(true)
		stale, staleFetches = append(stale, d), staleFetches+f
		api = append(api, ms(eval[float64](b, ctx, fmt.Sprintf(`(async () => { const t = performance.now(); await (await fetch("/api/v1/releases/%d/logs?phase=plan&cursor=%d&limit=500")).json(); return performance.now() - t; })()`, id, bigLog-500))))
	}
	fmt.Printf("log scrollbar dragged end to end, one phase of %d lines (median of %d runs):\n", bigLog, runs)
	report("last scroll -> rows on screen filled", cancelled, "< 1000ms", "stale fetches not cancelled", stale)
	fmt.Printf("    baseline: one 500-line page API      %8.1fms  %v\n", benchutil.Millis(benchutil.Median(api)), benchutil.Runs(api))
	fmt.Printf("  page fetches a drag: %d started, %d cancelled (not cancelled: %d started)\n", fetches/runs, aborted/runs, staleFetches/runs)
}

// BenchmarkDetailsPage times the server's answer to GET /releases/{id}
// (the release details page) and, as its baseline, the API's JSON of the
// same release, both over loopback HTTP with 300 requests each.
func BenchmarkDetailsPage(b *testing.B) {
	h := newHarness(b).seed()
	id := h.seedBigLog()
	br := h.browser()
	br.signIn("reader")
	timeGets := func(path string, auth bool) []time.Duration {
		var out []time.Duration
		for range 300 {
			req, err := http.NewRequest("GET", h.srv.URL+path, nil)
			if err != nil {
				b.Fatal(err)
			}
			if auth {
				req.Header.Set("Authorization", "Bearer "+h.tokens["reader"])
			}
			t := time.Now()
			resp, err := br.c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, time.Since(t))
			if resp.StatusCode != 200 || n == 0 {
				b.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
		}
		return out
	}
	p95 := func(ds []time.Duration) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[len(s)*95/100]
	}
	fmt.Println("release details page, server time over loopback (300 requests each):")
	for _, rid := range []int64{h.fx.failed, id} {
		page := timeGets("/releases/"+strconv.FormatInt(rid, 10), false)
		api := timeGets("/api/v1/releases/"+strconv.FormatInt(rid, 10), true)
		_, body, _ := br.get("/releases/" + strconv.FormatInt(rid, 10))
		fmt.Printf("  release %-4d page p95 %7.2fms median %6.2fms  (%d KB HTML)   target p95 < 100ms\n", rid, benchutil.Millis(p95(page)), benchutil.Millis(benchutil.Median(page)), len(body)/1024)
		fmt.Printf("    baseline: GET /api/v1/releases/%d p95 %7.2fms median %6.2fms\n", rid, benchutil.Millis(p95(api)), benchutil.Millis(benchutil.Median(api)))
	}
	js, err := os.ReadFile(filepath.Join("static", "app.js"))
	if err != nil {
		b.Fatal(err)
	}
	css, err := os.ReadFile(filepath.Join("static", "app.css"))
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("  assets before gzip: app.js %d KB (target <= 40), app.css %d KB (target <= 20)\n", len(js)/1024, len(css)/1024)
}

// liveConfig prints a line every 50 ms, each holding the time it was
// printed in Unix milliseconds.
const liveConfig = `
resource "terraform_data" "ticker" {
  input = "v1"
  provisioner "local-exec" {
    command = "for i in $(seq 1 60); do echo \"tick $(date +%s%3N)\"; sleep 0.05; done"
  }
}
`

// BenchmarkLiveLog runs a real release whose apply prints a line every
// 50 ms and measures, in a real Chromium following its log, how long
// after being printed each line shows in the page; the baseline is the
// part of it spent before the line was stored (terraform and the worker's
// log writer).
func BenchmarkLiveLog(b *testing.B) {
	h := newHarness(b)
	dir := b.TempDir()
	// the worker reads a dir source as the environment's uid: open it to others
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(liveConfig), 0o644); err != nil {
		b.Fatal(err)
	}
	h.apiCall("POST", "/api/v1/environments", map[string]any{"name": "live", "source": map[string]string{"dir": dir}}, nil)
	ctx := newBrowser(b)
	signInBrowser(b, ctx, h.srv.URL, h.tokens["reader"])
	var r release.Release
	h.apiCall("POST", "/api/v1/releases", map[string]any{"environment": "live", "template": "terraform-apply"}, &r)
	within(b, ctx, 30*time.Second, "opening the live log", chromedp.Navigate(fmt.Sprintf("%s/releases/%d/logs?phase=apply", h.srv.URL, r.ID)), chromedp.WaitVisible(chromedp.CSS("#log")))
	// Record when each tick line is first on screen.
	eval[bool](b, ctx, `(() => {
		window.__shown = {};
		new MutationObserver(() => {
			for (const x of document.querySelectorAll("#rows .ln .tx")) {
				const m = /tick (\d{13})/.exec(x.textContent);
				if (m && !(m[1] in window.__shown)) window.__shown[m[1]] = Date.now();
			}
		}).observe(document.querySelector("#rows"), { childList: true, subtree: true });
		return true;
	})()`)
	h.startWorker()
	waitFor(b, ctx, 180*time.Second, "the release to end", `document.querySelector("#chip").textContent === "Ended"`)
	shown := eval[map[string]float64](b, ctx, `window.__shown`)
	page, err := h.st.ListLogs(context.Background(), r.ID, "apply", 0, 1000)
	if err != nil {
		b.Fatal(err)
	}
	var toPage, toStore []time.Duration
	for _, e := range page {
		i := strings.Index(e.Text, "tick ")
		if i < 0 {
			continue
		}
		printed, err := strconv.ParseInt(e.Text[i+5:], 10, 64)
		if err != nil {
			continue
		}
		at, ok := shown[e.Text[i+5:]]
		if !ok {
			b.Errorf("line %q never showed in the page", e.Text)
			continue
		}
		toPage = append(toPage, ms(at-float64(printed)))
		toStore = append(toStore, ms(float64(e.Time.UnixMilli()-printed)))
	}
	if len(toPage) < 50 {
		b.Fatalf("only %d tick lines were seen", len(toPage))
	}
	slices.Sort(toPage)
	slices.Sort(toStore)
	fmt.Printf("live log, a line every 50 ms (%d lines):\n", len(toPage))
	fmt.Printf("  printed -> shown in the page   median %6.0fms  p95 %6.0fms  max %6.0fms   target: every line < 1000ms\n",
		benchutil.Millis(toPage[len(toPage)/2]), benchutil.Millis(toPage[len(toPage)*95/100]), benchutil.Millis(toPage[len(toPage)-1]))
	fmt.Printf("    baseline: printed -> read by the worker  median %6.0fms  p95 %6.0fms  max %6.0fms\n",
		benchutil.Millis(toStore[len(toStore)/2]), benchutil.Millis(toStore[len(toStore)*95/100]), benchutil.Millis(toStore[len(toStore)-1]))
}
