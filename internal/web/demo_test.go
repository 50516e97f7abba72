package web_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
)

// lockedBuffer is written by the demo's goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var demoLinkRE = regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/login#token=(shp_[A-Za-z0-9_-]{43})`)

// TestDemoLinkSignsIn runs `shiplog demo` (a real release of
// examples/quickstart) and opens the sign-in link it prints in Chromium:
// it signs in and shows the demo's release, its logs per phase and its
// changes.
func TestDemoLinkSignsIn(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.URL(t)
	var out, errOut lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- cli.Main(ctx, "test", []string{"demo", "--database-url", dbURL, "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0",
			"--serve", "yes", "--example", "../../examples/quickstart"}, &out, &errOut)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var m []string
	deadline := time.After(4 * time.Minute)
	for m == nil {
		select {
		case code := <-done:
			t.Fatalf("shiplog demo ended (exit %d) before printing a sign-in link:\n%s\n%s", code, out.String(), errOut.String())
		case <-deadline:
			t.Fatalf("shiplog demo printed no sign-in link within 4 minutes:\n%s", out.String())
		case <-time.After(200 * time.Millisecond):
			m = demoLinkRE.FindStringSubmatch(out.String())
		}
	}
	base := m[1]
	b := newBrowser(t)
	within(t, b, 30*time.Second, "opening the demo's link", chromedp.Navigate(m[0]), chromedp.WaitVisible(chromedp.CSS("#envs")))
	within(t, b, 30*time.Second, "opening the release", chromedp.Navigate(base+"/releases/1"), chromedp.WaitVisible(chromedp.CSS("#phases-h")))
	if st := eval[string](t, b, `document.querySelector(".big .status").dataset.status`); st != "SUCCEEDED" {
		t.Errorf("the demo's release shows %s, want SUCCEEDED", st)
	}
	phases := eval[[]string](t, b, `[...document.querySelectorAll("tr.phase td:first-child")].map(td => td.textContent.trim())`)
	if fmt.Sprint(phases) != "[init migrate plan apply]" {
		t.Errorf("phases %v, want init, migrate, plan, apply", phases)
	}
	for _, ph := range []string{"init", "plan", "apply"} {
		within(t, b, 30*time.Second, "the "+ph+" log", chromedp.Navigate(base+"/releases/1/logs?phase="+ph), chromedp.WaitVisible(chromedp.CSS("#rows .ln")))
		if got := eval[[]string](t, b, `[...new Set([...document.querySelectorAll("#rows .ln")].map(r => r.dataset.p).filter(Boolean))]`); len(got) > 1 || len(got) == 1 && got[0] != ph {
			t.Errorf("the %s log shows lines of %v", ph, got)
		}
	}
	within(t, b, 30*time.Second, "the changes", chromedp.Navigate(base+"/releases/1/changes"), chromedp.WaitVisible(chromedp.CSS("details.change")))
	if n := eval[int](t, b, `document.querySelectorAll("details.change").length`); n != 3 {
		t.Errorf("the demo's release shows %d changes, want its 3 terraform_data resources", n)
	}
}
