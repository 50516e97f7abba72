package plan

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// genReader produces head, then body repeated up to size bytes in total
// (cut mid-body), lazily: nothing is held but the pieces.
type genReader struct {
	head, body string
	size, n    int64
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.body) < 64<<10 {
		g.body += g.body // copy in big pieces
	}
	if g.n >= g.size {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && g.n < g.size {
		var src string
		if g.n < int64(len(g.head)) {
			src = g.head[g.n:]
		} else {
			off := (g.n - int64(len(g.head))) % int64(len(g.body))
			src = g.body[off:]
		}
		c := copy(p[k:], src[:min(int64(len(src)), g.size-g.n)])
		k += c
		g.n += int64(c)
	}
	return k, nil
}

const twoGB = 2 << 30

// checkBounded runs read and fails when it takes long or allocates much.
func checkBounded(t *testing.T, maxDur time.Duration, maxAlloc uint64, read func() error) error {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := read()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%v after %v, %d MiB allocated", err, d.Round(time.Millisecond), alloc>>20)
	if d > maxDur {
		t.Errorf("took %v, want under %v", d, maxDur)
	}
	if alloc > maxAlloc {
		t.Errorf("allocated %d MiB, want under %d MiB", alloc>>20, maxAlloc>>20)
	}
	return err
}

// Not parallel: checkBounded counts the process's allocations.
func TestDeepNesting(t *testing.T) {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	for name, in := range map[string]string{
		"skipped arrays":   `{"format_version": "1.0", "planned_values": ` + deep("[", "]", 10000) + `}`,
		"skipped objects":  `{"format_version": "1.0", "planned_values": ` + deep(`{"a":`, "}", 10000) + `}`,
		"in a change":      `{"format_version": "1.0", "resource_changes": [{"change": {"before": ` + deep("[", "]", 10000) + `}}]}`,
		"in an output":     `{"format_version": "1.0", "output_changes": {"o": {"after": ` + deep(`{"a":`, "}", 10000) + `}}}`,
		"unclosed":         `{"format_version": "1.0", "planned_values": ` + strings.Repeat("[", 10000),
		"just over (513)":  `{"format_version": "1.0", "planned_values": ` + deep("[", "]", 512) + `}`,
		"change just over": `{"format_version": "1.0", "resource_changes": [{"change": {"before": ` + deep("[", "]", 509) + `}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			err := checkBounded(t, time.Second, 32<<20, func() error {
				_, err := Read(strings.NewReader(in))
				return err
			})
			if !errors.Is(err, ErrTooDeep) {
				t.Fatalf("got %v", err)
			}
			if !strings.Contains(err.Error(), "deeper than 512") {
				t.Fatalf("got %v", err)
			}
		})
	}
	// The limit itself is accepted: 1 (plan) + 511.
	if _, err := Read(strings.NewReader(`{"format_version": "1.0", "planned_values": ` + deep("[", "]", 511) + `}`)); err != nil {
		t.Errorf("depth 512: %v", err)
	}
	// 1 (plan) + 1 (resource_changes) + 1 (element) + 1 (change) + 508.
	if _, err := Read(strings.NewReader(`{"format_version": "1.0", "resource_changes": [{"address": "a", "change": {"actions": ["update"], "before": ` + deep("[", "]", 508) + `}}]}`)); err != nil {
		t.Errorf("depth 512 in a change: %v", err)
	}
	if _, err := Read(strings.NewReader(`{"format_version": "1.0", "planned_values": [[[]]]}`), WithMaxDepth(3)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("WithMaxDepth(3): %v", err)
	}
}

// Not parallel: checkBounded counts the process's allocations.
func TestHugeInput(t *testing.T) {
	t.Run("a 2 GB change stops at the change size limit", func(t *testing.T) {
		err := checkBounded(t, 5*time.Second, 300<<20, func() error {
			_, err := Read(&genReader{
				head: `{"format_version": "1.2", "resource_changes": [{"address": "x", "change": {"actions": ["update"], "before": {"s": "`,
				body: "secret-secret-secret-", size: twoGB,
			})
			return err
		})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
		if !strings.Contains(err.Error(), "resource_changes[0] is larger than the 67108864-byte limit") {
			t.Fatalf("got %v", err)
		}
		if Offset(err) != 47 {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Fatalf("the error quotes the value: %v", err)
		}
	})
	t.Run("a 2 GB output name", func(t *testing.T) {
		err := checkBounded(t, 5*time.Second, 64<<20, func() error {
			_, err := Read(&genReader{head: `{"format_version": "1.2", "output_changes": {"`, body: "o", size: 256 << 20})
			return err
		})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
		if !strings.Contains(err.Error(), "output name is larger than the 4096-byte limit") {
			t.Fatalf("got %v", err)
		}
		if Offset(err) != 45 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an endless skipped value with an input limit", func(t *testing.T) {
		err := checkBounded(t, 5*time.Second, 16<<20, func() error {
			_, err := Read(&genReader{head: `{"format_version": "1.2", "planned_values": [`, body: `{"a": [1, 2.5e3, "x", null, true]}, `, size: twoGB},
				WithMaxInputSize(64<<20))
			return err
		})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
		if Offset(err) != 64<<20 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a 2 GB skipped string ends in a truncation error", func(t *testing.T) {
		if testing.Short() {
			t.Skip("reads 2 GB")
		}
		err := checkBounded(t, 20*time.Second, 16<<20, func() error {
			_, err := Read(&genReader{head: `{"format_version": "1.2", "planned_values": "`, body: "abcdefgh", size: twoGB})
			return err
		})
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("got %v", err)
		}
		if Offset(err) != twoGB {
			t.Fatalf("got %v", err)
		}
		if !strings.Contains(err.Error(), "unexpected end of input in a string") {
			t.Fatalf("got %v", err)
		}
	})
}
