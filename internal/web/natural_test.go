package web

import (
	"slices"
	"testing"
)

func TestNaturalCompare(t *testing.T) {
	got := []string{`node[100]`, `node[2]`, `node[10]`, `module.b.x`, `node[02]`, `module.a10.x`, `module.a9.x`, `node`, `node[1].y`}
	slices.SortFunc(got, naturalCompare)
	want := []string{`module.a9.x`, `module.a10.x`, `module.b.x`, `node`, `node[1].y`, `node[2]`, `node[02]`, `node[10]`, `node[100]`}
	if !slices.Equal(got, want) {
		t.Errorf("natural order %q, want %q", got, want)
	}
}
