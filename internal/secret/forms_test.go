package secret

import (
	"slices"
	"testing"
)

func TestForms(t *testing.T) {
	t.Parallel()
	got := Forms([]string{`pa"ss\word`, "line-one\nline-two\n  indented-three", "abc", "has ${interp}"})
	for _, want := range []string{
		`pa"ss\word`, `pa\"ss\\word`, // raw and escaped
		"line-one", "line-two", "  indented-three", "indented-three", `line-one\nline-two\n  indented-three`,
		"has ${interp}", "has $${interp}",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("forms %q lack %q", got, want)
		}
	}
	if slices.Contains(got, "abc") {
		t.Errorf("a value shorter than %d bytes is masked as text: %q", MinMasked, got)
	}
	for i := 1; i < len(got); i++ {
		if len(got[i]) > len(got[i-1]) {
			t.Fatalf("forms not longest first: %q", got)
		}
	}
}
