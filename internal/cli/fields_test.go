package cli

import (
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Field values in a change table read as the API has them: strings plain,
// objects, lists and numbers as JSON (never Go's map[...] syntax), cut at
// 60 characters without splitting one.
func TestShowValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		field release.Field
		v     any
		after bool
		want  string
	}{
		{"string", release.Field{}, "postgres", false, "postgres"},
		{"object", release.Field{}, map[string]any{"image": "web:1.1.0", "replicas": 2}, false, `{"image":"web:1.1.0","replicas":2}`},
		{"list", release.Field{}, []any{"a", "b"}, false, `["a","b"]`},
		{"empty list", release.Field{}, []any{}, false, `[]`},
		{"bool", release.Field{}, true, false, `true`},
		{"multi-line string", release.Field{}, "a\nb", false, "a b"},
		{"absent", release.Field{}, nil, false, "-"},
		{"unknown after", release.Field{Unknown: true}, nil, true, "(known after apply)"},
		{"sensitive", release.Field{Sensitive: true}, "hunter22", true, "(sensitive)"},
		{"long", release.Field{}, strings.Repeat("é", 70), false, strings.Repeat("é", 57) + "..."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := showValue(c.field, c.v, c.after); got != c.want {
				t.Errorf("showValue(%#v) = %q, want %q", c.v, got, c.want)
			}
		})
	}
}
