package blueprint_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// build is a tar.gz written by fill; close is false for an archive cut
// after its last header.
func build(t testing.TB, fill func(tw *tar.Writer), close bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	fill(tw)
	if close {
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
	} else {
		tw.Flush()
	}
	zw.Close()
	return buf.Bytes()
}

func header(t testing.TB, tw *tar.Writer, h *tar.Header) {
	t.Helper()
	if err := tw.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
}

// Every limit stops the read with ErrTooLarge naming it.
func TestRepackLimits(t *testing.T) {
	for _, tc := range []struct {
		what    string
		archive func(t *testing.T) io.Reader
		lim     blueprint.Limits
		says    string
	}{
		{"more files than allowed", func(t *testing.T) io.Reader {
			return bytes.NewReader(build(t, func(tw *tar.Writer) {
				for i := range 11 {
					header(t, tw, &tar.Header{Name: "f" + strconv.Itoa(i) + ".tf", Mode: 0o644, Typeflag: tar.TypeReg})
				}
			}, true))
		}, blueprint.Limits{MaxFiles: 10}, "more than 10 files"},
		{"more entries than allowed", func(t *testing.T) io.Reader {
			return bytes.NewReader(build(t, func(tw *tar.Writer) {
				for range 30 {
					header(t, tw, &tar.Header{Name: "d/", Mode: 0o755, Typeflag: tar.TypeDir})
				}
				header(t, tw, &tar.Header{Name: "main.tf", Mode: 0o644, Typeflag: tar.TypeReg})
			}, true))
		}, blueprint.Limits{MaxEntries: 20}, "more than 20 entries"},
		{"files over the size", func(t *testing.T) io.Reader {
			return bytes.NewReader(build(t, func(tw *tar.Writer) {
				header(t, tw, &tar.Header{Name: "big.bin", Mode: 0o644, Size: blueprint.MaxSize + 1, Typeflag: tar.TypeReg})
			}, false))
		}, blueprint.Limits{}, "over 64 MiB"},
		{"expansion past the budget", func(t *testing.T) io.Reader {
			return bytes.NewReader(build(t, func(tw *tar.Writer) {
				header(t, tw, &tar.Header{Name: "main.tf", Mode: 0o644, Typeflag: tar.TypeReg})
				// extended headers are read, not stored: 120 of 900 KiB each
				comment := strings.Repeat("a", 900<<10)
				for range 120 {
					header(t, tw, &tar.Header{Name: "d/", Mode: 0o755, Typeflag: tar.TypeDir, PAXRecords: map[string]string{"comment": comment}})
				}
			}, true))
		}, blueprint.Limits{}, "expands to more than 96 MiB"},
		{"longer than allowed", func(t *testing.T) io.Reader {
			return iotest.OneByteReader(bytes.NewReader(build(t, func(tw *tar.Writer) {
				for i := range 200 {
					header(t, tw, &tar.Header{Name: "f" + strconv.Itoa(i) + ".tf", Mode: 0o644, Typeflag: tar.TypeReg})
				}
			}, true)))
		}, blueprint.Limits{MaxDuration: time.Nanosecond}, "took longer than the 1ns allowed"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			_, _, err := blueprint.Repack(context.Background(), tc.archive(t), tc.lim)
			if !errors.Is(err, blueprint.ErrTooLarge) {
				t.Fatalf("got %v, want ErrTooLarge", err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %q does not say %q", err, tc.says)
			}
		})
	}
}

// A 64 KiB archive expanding to 63 MiB is repacked without holding its
// files: Repack allocates less than 16 MiB in all.
func TestRepackMemoryDoesNotGrowWithTheExpansion(t *testing.T) {
	in := build(t, func(tw *tar.Writer) {
		header(t, tw, &tar.Header{Name: "zeros.bin", Mode: 0o644, Size: 63 << 20, Typeflag: tar.TypeReg})
		io.Copy(tw, io.LimitReader(zeros{}, 63<<20))
	}, true)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, version, err := blueprint.Repack(context.Background(), bytes.NewReader(in), blueprint.Limits{TempDir: t.TempDir()})
	runtime.ReadMemStats(&after)
	if err != nil || !strings.HasPrefix(version, "sha256:") {
		t.Fatalf("repack: %q %v", version, err)
	}
	t.Logf("archive %d KiB in, %d KiB out, %d KiB allocated", len(in)>>10, len(out)>>10, (after.TotalAlloc-before.TotalAlloc)>>10)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Fatalf("repacking 63 MiB of files allocated %d MiB, want under 16 MiB", grew>>20)
	}
}
