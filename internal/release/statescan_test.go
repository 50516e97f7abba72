package release

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// ScanState reads what ParseState always read, refuses what is not JSON,
// and accepts the forms terraform writes (escapes, nulls, empty lists).
func TestScanState(t *testing.T) {
	for name, tc := range map[string]struct {
		body      string
		serial    int64
		lineage   string
		resources int
	}{
		"escapes and nesting": {`{"version":4,"serial":7,"lineage":"l\u0069n\"e","outputs":{"o":{"value":[1,{"a":"\\\/"}],"type":"string"}},
			"resources":[{"mode":"managed","instances":[{"attributes":{"x":-1.5e3,"y":true,"z":null}}]}],"check_results":null}`, 7, `lin"e`, 1},
		"null resources":    {`{"version":4,"serial":0,"lineage":"a","resources":null}`, 0, "a", 0},
		"null instances":    {`{"version":4,"serial":1,"lineage":"a","resources":[{"mode":"managed","instances":null}]}`, 1, "a", 0},
		"members any order": {`{"resources":[{"instances":[{},{},{}],"mode":"managed"}],"lineage":"b","serial":2,"version":4}`, 2, "b", 3},
		"long names anywhere": {`{"version":4,"serial":4,"lineage":"d","` + strings.Repeat("k", 3000) + `":1,"resources":[{"mode":"managed","` +
			strings.Repeat("n", 3000) + `":{"` + strings.Repeat("m", 3000) + `":"v"},"instances":[{}]}]}`, 4, "d", 1},
		"white space": {" \n{ \"version\" : 4 , \"serial\" : 3 , \"lineage\" : \"c\" } \n", 3, "c", 0},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := ScanState(strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if m.Serial != tc.serial || m.Lineage != tc.lineage || m.Resources != tc.resources {
				t.Errorf("got %+v, want serial %d lineage %q resources %d", m, tc.serial, tc.lineage, tc.resources)
			}
		})
	}
	for name, body := range map[string]string{
		"trailing data":     `{"version":4,"serial":1,"lineage":"a"} {}`,
		"trailing comma":    `{"version":4,"serial":1,"lineage":"a",}`,
		"bad escape":        `{"version":4,"serial":1,"lineage":"a","x":"\q"}`,
		"control in string": "{\"version\":4,\"serial\":1,\"lineage\":\"a\",\"x\":\"a\tb\"}",
		"unterminated":      `{"version":4,"serial":1,"lineage":"a","x":"abc`,
		"bad number":        `{"version":4,"serial":1,"lineage":"a","x":1.}`,
		"bad literal":       `{"version":4,"serial":1,"lineage":"a","x":nul}`,
		"not an object":     `[4]`,
		"serial a string":   `{"version":4,"serial":"1","lineage":"a"}`,
		"serial fraction":   `{"version":4,"serial":1.5,"lineage":"a"}`,
		"lineage a number":  `{"version":4,"serial":1,"lineage":5}`,
		"resource a string": `{"version":4,"serial":1,"lineage":"a","resources":["x"]}`,
		"too deep":          `{"version":4,"serial":1,"lineage":"a","x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`,
		"empty":             ``,
		"lineage too long":  `{"version":4,"serial":1,"lineage":"` + strings.Repeat("l", 2000) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ScanState(strings.NewReader(body)); !errors.Is(err, ErrInvalidState) {
				t.Fatalf("error %v, want ErrInvalidState", err)
			}
		})
	}
}

// hugeState is a state whose one attribute is a string of n bytes, made as
// it is read.
func hugeState(n int64) io.Reader {
	return io.MultiReader(
		strings.NewReader(`{"version":4,"serial":9,"lineage":"big","resources":[{"mode":"managed","instances":[{"attributes":{"blob":"`),
		io.LimitReader(repeatReader('x'), n),
		strings.NewReader(`"}}]}]}`))
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// A 64 MiB string is checked without being held: the scan allocates less
// than 1 MiB in all.
func TestScanStateMemoryDoesNotGrowWithTheState(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := ScanState(hugeState(64 << 20))
	runtime.ReadMemStats(&after)
	if err != nil || m.Serial != 9 || m.Resources != 1 {
		t.Fatalf("got %+v, %v", m, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("scanning a 64 MiB state allocated %d bytes, want under 1 MiB", grew)
	}
}
