package statebackend_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/statebackend"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

// bigState is a state document of about n bytes (one attribute holding
// them), made as it is read: the test itself holds none of it.
func bigState(serial int, n int64) io.Reader {
	return io.MultiReader(
		strings.NewReader(`{"version":4,"terraform_version":"1.11.4","serial":`+strconv.Itoa(serial)+
			`,"lineage":"big-line","outputs":{},"resources":[{"mode":"managed","type":"terraform_data","name":"a","instances":[{"attributes":{"blob":"`),
		io.LimitReader(fill('x'), n),
		strings.NewReader(`"}}]}]}`))
}

type fill byte

func (f fill) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(f)
	}
	return len(p), nil
}

// Eight oversized state uploads (64 MiB each, streamed without a length,
// against a 32 MiB limit) and eight large valid ones (24 MiB each) at once:
// the oversized are refused with 413 and a message for the release log,
// the valid are stored one at a time, and the server's heap grows by less
// than 128 MiB (the old backend read each body whole: 1.79 GB RSS for two
// 400 MB uploads).
func TestConcurrentLargeStatesKeepMemoryBounded(t *testing.T) {
	const (
		limit     = 32 << 20
		oversized = 64 << 20
		large     = 24 << 20
		bound     = 128 << 20
	)
	f := newFixture(t)
	var mu sync.Mutex
	var reports []string
	s, err := statebackend.Start(statebackend.Config{Store: f.store, EnvironmentID: f.env.ID, Environment: f.env.Name, ReleaseID: f.release(),
		MaxState: limit, SpoolDir: t.TempDir(), Report: func(m string) { mu.Lock(); reports = append(reports, m); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	post := func(body io.Reader) (int, error) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.Address(), body)
		if err != nil {
			return 0, err
		}
		env := s.Env()
		req.SetBasicAuth(env["TF_HTTP_USERNAME"], env["TF_HTTP_PASSWORD"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	hwmBefore := testutil.ResidentHWM()
	stop := make(chan struct{})
	peakc := testutil.HeapPeak(stop)
	var wg sync.WaitGroup
	codes := make([]int, 16)
	errs := make([]error, 16)
	for i := range 16 {
		wg.Go(func() {
			if i < 8 {
				// no Content-Length: the limit is found while streaming
				codes[i], errs[i] = post(io.MultiReader(bigState(100+i, oversized)))
			} else {
				codes[i], errs[i] = post(bigState(i, large))
			}
		})
	}
	wg.Wait()
	close(stop)
	peak := <-peakc
	growth := int64(peak) - int64(base.HeapInuse)
	t.Logf("heap in use: %d MiB before, peak %d MiB, growth %d MiB (bound %d MiB); VmHWM %d MiB before, %d MiB after",
		base.HeapInuse>>20, peak>>20, growth>>20, bound>>20, hwmBefore>>20, testutil.ResidentHWM()>>20)

	stored := 0
	for i, code := range codes {
		switch {
		case i < 8 && errs[i] != nil && !errors.Is(errs[i], io.ErrUnexpectedEOF) && !strings.Contains(errs[i].Error(), "connection reset") && !strings.Contains(errs[i].Error(), "broken pipe"):
			t.Errorf("oversized upload %d: %v", i, errs[i])
		case i < 8 && errs[i] == nil && code != http.StatusRequestEntityTooLarge:
			t.Errorf("oversized upload %d: status %d, want 413", i, code)
		case i >= 8 && errs[i] != nil:
			t.Errorf("large upload %d: %v", i, errs[i])
		case i >= 8 && code == http.StatusOK:
			stored++
		case i >= 8 && code != http.StatusBadRequest: // an older serial than one stored meanwhile
			t.Errorf("large upload %d: status %d, want 200 or 400", i, code)
		}
	}
	if stored == 0 || f.versions() != stored {
		t.Errorf("%d large uploads answered 200 and %d versions are stored, want the same and at least one", stored, f.versions())
	}
	mu.Lock()
	tooLarge := 0
	for _, r := range reports {
		if strings.Contains(r, fmt.Sprintf("larger than the %d MiB", limit>>20)) {
			tooLarge++
		}
	}
	mu.Unlock()
	if tooLarge != 8 {
		t.Errorf("%d reports say the state is over the limit, want 8: %q", tooLarge, reports)
	}
	if growth > bound {
		t.Errorf("the heap grew by %d MiB with 16 large uploads at once, want under %d MiB", growth>>20, bound>>20)
	}

	// sixteen reads of the stored 24 MiB state at once
	runtime.GC()
	runtime.ReadMemStats(&base)
	stop = make(chan struct{})
	peakc = testutil.HeapPeak(stop)
	sizes := make([]int64, 16)
	for i := range sizes {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodGet, s.Address(), nil)
			if err != nil {
				panic(err)
			}
			env := s.Env()
			req.SetBasicAuth(env["TF_HTTP_USERNAME"], env["TF_HTTP_PASSWORD"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			sizes[i], _ = io.Copy(io.Discard, resp.Body)
		})
	}
	wg.Wait()
	close(stop)
	peak = <-peakc
	growth = int64(peak) - int64(base.HeapInuse)
	t.Logf("16 reads at once: heap in use %d MiB before, peak %d MiB, growth %d MiB", base.HeapInuse>>20, peak>>20, growth>>20)
	for i, n := range sizes {
		if n < large {
			t.Errorf("read %d: %d bytes, want the whole state (over %d)", i, n, large)
		}
	}
	if growth > bound {
		t.Errorf("the heap grew by %d MiB with 16 reads at once, want under %d MiB", growth>>20, bound>>20)
	}
}
