package api_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// tarGzOf is a tar.gz written by fill.
func tarGzOf(t *testing.T, fill func(tw *tar.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := fill(tw); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

// Sixteen uploads at once, each small and expanding: eight 62 KiB archives
// of a 63 MiB file (accepted), four of 100,000 directory headers and four
// of 50,000 empty files (refused with 413 naming the limit). The server's
// heap grows by less than 128 MiB (before: 8 such expanding uploads took it
// to 1.25 GB RSS).
func TestConcurrentExpandingUploadsKeepMemoryBounded(t *testing.T) {
	const bound = 128 << 20
	const path = "/api/v1/environments/web/configurations"
	h := newHarness(t)
	h.env("web", uploadEnv)
	expanding := make([][]byte, 8)
	for i := range expanding {
		expanding[i] = tarGzOf(t, func(tw *tar.Writer) error {
			if err := tw.WriteHeader(&tar.Header{Name: "main.tf", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg}); err != nil {
				return err
			}
			tw.Write([]byte("#" + strconv.Itoa(i)))
			if err := tw.WriteHeader(&tar.Header{Name: "zeros.bin", Mode: 0o644, Size: 63 << 20, Typeflag: tar.TypeReg}); err != nil {
				return err
			}
			_, err := io.Copy(tw, io.LimitReader(zeroReader{}, 63<<20))
			return err
		})
	}
	headers := tarGzOf(t, func(tw *tar.Writer) error {
		for range 100000 {
			if err := tw.WriteHeader(&tar.Header{Name: "dir/", Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
				return err
			}
		}
		return nil
	})
	files := tarGzOf(t, func(tw *tar.Writer) error {
		for i := range 50000 {
			if err := tw.WriteHeader(&tar.Header{Name: "f" + strconv.Itoa(i), Mode: 0o644, Typeflag: tar.TypeReg}); err != nil {
				return err
			}
		}
		return nil
	})
	type upload struct {
		body   []byte
		status int
		says   string
	}
	var uploads []upload
	for _, b := range expanding {
		uploads = append(uploads, upload{b, http.StatusCreated, ""})
	}
	for range 4 {
		uploads = append(uploads, upload{headers, http.StatusRequestEntityTooLarge, "more than 20000 entries"},
			upload{files, http.StatusRequestEntityTooLarge, "more than 10000 files"})
	}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	hwm := testutil.ResidentHWM()
	stop := make(chan struct{})
	peakc := testutil.HeapPeak(stop)
	type result struct {
		code int
		body []byte
	}
	results := make([]result, len(uploads))
	var wg sync.WaitGroup
	for i, u := range uploads {
		wg.Go(func() {
			req, err := http.NewRequest("POST", h.srv.URL+path, bytes.NewReader(u.body))
			if err != nil {
				panic(err)
			}
			req.Header.Set("Authorization", "Bearer "+h.tokens["writer"])
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				results[i] = result{0, []byte(err.Error())}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			results[i] = result{resp.StatusCode, b}
		})
	}
	wg.Wait()
	close(stop)
	peak := <-peakc
	growth := int64(peak) - int64(base.HeapInuse)
	t.Logf("heap in use: %d MiB before, peak %d MiB, growth %d MiB (bound %d MiB); VmHWM %d MiB before, %d MiB after",
		base.HeapInuse>>20, peak>>20, growth>>20, bound>>20, hwm>>20, testutil.ResidentHWM()>>20)
	created := 0
	for i, u := range uploads {
		r := results[i]
		if u.status == http.StatusCreated {
			if r.code == http.StatusCreated {
				created++
			} else {
				t.Errorf("expanding upload %d: %d %s, want 201", i, r.code, r.body)
			}
			continue
		}
		if r.code != u.status || !strings.Contains(string(r.body), u.says) {
			t.Errorf("upload %d: %d %s, want %d saying %q", i, r.code, r.body, u.status, u.says)
		}
	}
	if n := h.blueprints("web"); n != created {
		t.Errorf("%d blueprints stored, want the %d accepted", n, created)
	}
	if growth > bound {
		t.Errorf("the heap grew by %d MiB with 16 expanding uploads at once, want under %d MiB", growth>>20, bound>>20)
	}
}

// noise is n bytes gzip cannot shrink.
func noise(n int) []byte {
	b := make([]byte, n)
	x := uint64(88172645463325252)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// Eight uploads of 15.5 MiB (under the 16 MiB limit) that gzip cannot
// shrink, at once: the blueprint of each is as large as the upload, so they
// are packed and stored one at a time and the heap grows by less than
// 128 MiB whatever the number sent (admitted all at once: 357 MiB).
func TestConcurrentLargeUploadsKeepMemoryBounded(t *testing.T) {
	const bound = 128 << 20
	const path = "/api/v1/environments/web/configurations"
	h := newHarness(t)
	h.env("web", uploadEnv)
	body := tarGzOf(t, func(tw *tar.Writer) error {
		data := noise(15<<20 + 512<<10)
		if err := tw.WriteHeader(&tar.Header{Name: "blob.bin", Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	})
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := make(chan struct{})
	peakc := testutil.HeapPeak(stop)
	codes := make([]int, 8)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			req, err := http.NewRequest("POST", h.srv.URL+path, bytes.NewReader(body))
			if err != nil {
				panic(err)
			}
			req.Header.Set("Authorization", "Bearer "+h.tokens["writer"])
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	close(stop)
	peak := <-peakc
	growth := int64(peak) - int64(base.HeapInuse)
	t.Logf("8 uploads of %d MiB at once: heap in use %d MiB before, peak %d MiB, growth %d MiB (bound %d MiB)",
		len(body)>>20, base.HeapInuse>>20, peak>>20, growth>>20, bound>>20)
	for i, c := range codes {
		if c != http.StatusCreated && c != http.StatusOK {
			t.Errorf("upload %d: %d, want 201 or 200", i, c)
		}
	}
	if growth > bound {
		t.Errorf("the heap grew by %d MiB with 8 large uploads at once, want under %d MiB", growth>>20, bound>>20)
	}
}
