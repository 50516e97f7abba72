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

func TestMembers(t *testing.T) {
	got := Members([]string{
		`{"password":"top-secret","nested":{"k":"deep-secret","list":["in-a-list",{"x":"deeper-still"}]},"port":5432,"on":true,"eu":"eu"}`,
		`["first-elem"]`,
		`{"doc":"{\"inner\":\"json-in-json\"}"}`,
		"plain-value",
		"{not json",
	})
	for _, want := range []string{"top-secret", "deep-secret", "in-a-list", "deeper-still", "first-elem", "json-in-json", "plain-value", "{not json"} {
		if !slices.Contains(got, want) {
			t.Errorf("members %q lack %q", got, want)
		}
	}
	for _, not := range []string{"password", "5432", "true", "eu"} {
		if slices.Contains(got, not) {
			t.Errorf("members %q hold %q, a key, number, boolean or short string", got, not)
		}
	}
	if forms := Forms([]string{`{"a":"quo\"ted-secret"}`}); !slices.Contains(forms, `quo\"ted-secret`) {
		t.Errorf("forms %q lack a member's escaped form", forms)
	}
}
