package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// decodeChange decodes a change object the way encoding/json does.
func decodeChange(t *testing.T, s string) *tfjson.Change {
	t.Helper()
	var c tfjson.Change
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&c); err != nil {
		t.Fatalf("bad test change %s: %v", s, err)
	}
	return &c
}

// f is a shorthand for a non-sensitive changed field.
func f(path string, before, after any) release.Field {
	return release.Field{Path: path, Before: before, After: after, Changed: true}
}

func n(s string) json.Number { return json.Number(s) }

func TestDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change string
		want   []release.Field
	}{{
		name:   "nested update",
		change: `{"before": {"input": {"labels": {"team": "a", "tier": "web"}, "ports": [80, 443], "n": 1}}, "after": {"input": {"labels": {"team": "b", "tier": "web"}, "ports": [80, 8443], "n": 1}}}`,
		want:   []release.Field{f("input.labels.team", "a", "b"), f("input.ports[1]", n("443"), n("8443"))},
	}, {
		name:   "nested blocks",
		change: `{"before": {"spec": [{"container": [{"image": "nginx:1", "name": "web"}]}]}, "after": {"spec": [{"container": [{"image": "nginx:2", "name": "web"}]}]}}`,
		want:   []release.Field{f("spec[0].container[0].image", "nginx:1", "nginx:2")},
	}, {
		name:   "map keys that are not identifiers",
		change: `{"before": {"tags": {"kubernetes.io/name": "a", "0": "x", "ok_key-1": "y"}}, "after": {"tags": {"kubernetes.io/name": "b", "0": "z", "ok_key-1": "w"}}}`,
		want:   []release.Field{f(`tags["0"]`, "x", "z"), f(`tags["kubernetes.io/name"]`, "a", "b"), f("tags.ok_key-1", "y", "w")},
	}, {
		name:   "create: every leaf, before null",
		change: `{"before": null, "after": {"a": 1, "b": {"c": [true, null]}, "d": null, "e": "x"}, "after_unknown": {"id": true}}`,
		want:   []release.Field{f("a", nil, n("1")), f("b.c[0]", nil, true), f("e", nil, "x"), {Path: "id", Unknown: true, Changed: true}},
	}, {
		name:   "delete: every leaf, after null",
		change: `{"before": {"a": 1, "l": ["x"]}, "after": null}`,
		want:   []release.Field{f("a", n("1"), nil), f("l[0]", "x", nil)},
	}, {
		name:   "empty containers appearing and disappearing",
		change: `{"before": {"a": [], "b": null, "c": {}, "d": [], "e": [1]}, "after": {"a": null, "b": {}, "c": {}, "d": ["x"], "e": []}}`,
		want:   []release.Field{f("a", []any{}, nil), f("b", nil, map[string]any{}), f("d[0]", nil, "x"), f("e[was 0]", n("1"), nil)},
	}, {
		name:   "type change string to object",
		change: `{"before": {"v": "s"}, "after": {"v": {"k": 1, "e": {}}}}`,
		want:   []release.Field{f("v", "s", nil), f("v.e", nil, map[string]any{}), f("v.k", nil, n("1"))},
	}, {
		name:   "type change object to string",
		change: `{"before": {"v": {"k": 1}}, "after": {"v": "s"}}`,
		want:   []release.Field{f("v.k", n("1"), nil), f("v", nil, "s")},
	}, {
		name:   "scalar to empty container is one field",
		change: `{"before": {"v": "s"}, "after": {"v": []}}`,
		want:   []release.Field{f("v", "s", []any{})},
	}, {
		name:   "number formats compare by value, big ints stay exact",
		change: `{"before": {"a": 1, "b": 12345678901234567890123, "c": 0.1}, "after": {"a": 1.0, "b": 12345678901234567890124, "c": 1e-1}}`,
		want:   []release.Field{f("b", n("12345678901234567890123"), n("12345678901234567890124"))},
	}, {
		name:   "a known value that becomes wholly unknown is one field",
		change: `{"before": {"id": "x", "out": {"a": 1, "l": [2]}, "gone": null}, "after": {"id": "x"}, "after_unknown": {"out": true, "gone": true}}`,
		want: []release.Field{{Path: "gone", Unknown: true, Changed: true},
			{Path: "out", Before: map[string]any{"a": n("1"), "l": []any{n("2")}}, Unknown: true, Changed: true}},
	}, {
		name: "a set gaining one element shows one element added",
		change: `{"before": {"rules": [{"port": 25, "name": "smtp"}, {"port": 993, "name": "imaps"}]},
		          "after": {"rules": [{"port": 25, "name": "smtp"}, {"port": 587, "name": "submission"}, {"port": 993, "name": "imaps"}]}}`,
		want: []release.Field{f("rules[1].name", nil, "submission"), f("rules[1].port", nil, n("587"))},
	}, {
		name:   "a list losing its first element shows that element removed",
		change: `{"before": {"l": ["a", "b", "c"]}, "after": {"l": ["b", "c"]}}`,
		want:   []release.Field{f("l[was 0]", "a", nil)},
	}, {
		name:   "a list element replaced in the middle is one change",
		change: `{"before": {"l": ["a", "b", "c"]}, "after": {"l": ["a", "x", "c"]}}`,
		want:   []release.Field{f("l[1]", "b", "x")},
	}, {
		name: "a number inside a sensitive value does not hide ordinary numbers",
		change: `{"before": {"secret": {"pin": 1, "key": "k3y-material"}, "replicas": 1, "note": "k3y-material!"},
		          "after": {"secret": {"pin": 1, "key": "k3y-material"}, "replicas": 2, "note": "k3y-material!"},
		          "before_sensitive": {"secret": true}, "after_sensitive": {"secret": true}}`,
		want: []release.Field{f("replicas", n("1"), n("2"))},
	}, {
		name:   "unknown list element",
		change: `{"before": null, "after": {"l": ["a", null]}, "after_unknown": {"l": [false, true]}}`,
		want:   []release.Field{f("l[0]", nil, "a"), {Path: "l[1]", Unknown: true, Changed: true}},
	}, {
		name:   "unknown inside an empty-looking after",
		change: `{"before": null, "after": {"o": {}}, "after_unknown": {"o": {"x": true}}}`,
		want:   []release.Field{{Path: "o.x", Unknown: true, Changed: true}},
	}, {
		name:   "no change",
		change: `{"before": {"a": {"b": [1, {"c": null}]}}, "after": {"a": {"b": [1, {"c": null}]}}, "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}`,
		want:   nil,
	}, {
		name:   "sensitive leaf changed",
		change: `{"before": {"pw": "hunter2", "u": "a"}, "after": {"pw": "hunter3", "u": "a"}, "before_sensitive": {"pw": true}, "after_sensitive": {"pw": true}}`,
		want:   []release.Field{{Path: "pw", Sensitive: true, Changed: true}},
	}, {
		name:   "sensitive leaf unchanged is not a field",
		change: `{"before": {"pw": "hunter2"}, "after": {"pw": "hunter2"}, "before_sensitive": {"pw": true}, "after_sensitive": {"pw": true}}`,
		want:   nil,
	}, {
		name:   "sensitivity changed only",
		change: `{"before": {"pw": "hunter2"}, "after": {"pw": "hunter2"}, "before_sensitive": {}, "after_sensitive": {"pw": true}}`,
		want:   []release.Field{{Path: "pw", Sensitive: true}},
	}, {
		name:   "bare true over a whole object hides its keys",
		change: `{"before": {"m": {"secret-key": "v1"}}, "after": {"m": {"secret-key": "v2", "other": "v3"}}, "before_sensitive": {"m": true}, "after_sensitive": {"m": true}}`,
		want:   []release.Field{{Path: "m", Sensitive: true, Changed: true}},
	}, {
		name:   "whole change sensitive",
		change: `{"before": null, "after": "s3cr3t", "before_sensitive": true, "after_sensitive": true}`,
		want:   []release.Field{{Path: "", Sensitive: true, Changed: true}},
	}, {
		name:   "sensitive and unknown",
		change: `{"before": {"pw": "hunter2"}, "after": {}, "after_unknown": {"pw": true}, "before_sensitive": {"pw": true}, "after_sensitive": {"pw": true}}`,
		want:   []release.Field{{Path: "pw", Sensitive: true, Unknown: true, Changed: true}},
	}, {
		name:   "sensitive deep in a list",
		change: `{"before": {"l": [{"k": "a", "s": "x"}]}, "after": {"l": [{"k": "b", "s": "y"}]}, "before_sensitive": {"l": [{"s": true}]}, "after_sensitive": {"l": [{"s": true}]}}`,
		want:   []release.Field{f("l[0].k", "a", "b"), {Path: "l[0].s", Sensitive: true, Changed: true}},
	}, {
		name:   "after sensitive only, created",
		change: `{"before": null, "after": {"pw": "x", "n": null}, "before_sensitive": false, "after_sensitive": {"pw": true, "n": true}}`,
		want:   []release.Field{{Path: "pw", Sensitive: true, Changed: true}},
	}, {
		name: "unmarked copies of a sensitive value are masked too",
		change: `{"before": {"input": {"pw": "hunter2", "u": "a"}, "output": {"pw": "hunter2", "u": "a"}, "url": "db://u:hunter2@h", "n": 1},
		          "after": {"input": {"pw": "hunter3", "u": "a"}, "url": "db://u:hunter3@h", "n": 2},
		          "after_unknown": {"output": true}, "before_sensitive": {"input": {"pw": true}}, "after_sensitive": {"input": {"pw": true}}}`,
		want: []release.Field{{Path: "input.pw", Sensitive: true, Changed: true}, f("n", n("1"), n("2")),
			{Path: "output", Sensitive: true, Unknown: true, Changed: true},
			{Path: "url", Sensitive: true, Changed: true}},
	}, {
		name:   "root list (an output)",
		change: `{"before": ["a"], "after": ["a", "b"]}`,
		want:   []release.Field{f("[1]", nil, "b")},
	}, {
		name:   "root map with odd keys (an output)",
		change: `{"before": {"a b": 1}, "after": {"a b": 2}}`,
		want:   []release.Field{f(`["a b"]`, n("1"), n("2"))},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(decodeChange(t, tt.change), nil)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff:\n got %s\nwant %s", dump(got), dump(tt.want))
			}
			for _, secret := range []string{"hunter", "s3cr3t", "secret-key", "v1", "v2"} {
				b, err := json.Marshal(got)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(b, []byte(secret)) && !strings.Contains(tt.name, "identifiers") {
					t.Errorf("a sensitive value leaked: %s", b)
				}
			}
		})
	}
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(cannot encode %T: %v)", v, err)
	}
	return string(b)
}

func TestFieldsDoNotShareTheChangeText(t *testing.T) {
	t.Parallel()
	c := decodeChange(t, `{"before": {"a": "x"}, "after": {"a": "y"}}`)
	fs := Diff(c, nil)
	if len(fs) != 1 {
		t.Fatalf("got %v", fs)
	}
	if fs[0].After != "y" {
		t.Fatalf("got %v", fs)
	}
}

func TestPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		steps []any
		want  string
	}{
		{[]any{"input", "labels", "team"}, "input.labels.team"},
		{[]any{"ports", json.Number("1")}, "ports[1]"},
		{[]any{"spec", 0, "container", 0, "image"}, "spec[0].container[0].image"},
		{[]any{"tags", "kubernetes.io/name"}, `tags["kubernetes.io/name"]`},
		{[]any{"tags", "with \"quote\"\n"}, `tags["with \"quote\"\n"]`},
		{[]any{"tags", "1st"}, `tags["1st"]`},
		{[]any{"tags", ""}, `tags[""]`},
		{[]any{"tags", "\x1b[31m"}, `tags["\u001b[31m"]`},
		{[]any{"_x", "a-b"}, "_x.a-b"},
		{[]any{"é"}, `["é"]`},
	} {
		if got := FormatPath(tt.steps); got != tt.want {
			t.Errorf("FormatPath(%v) = %s, want %s", tt.steps, got, tt.want)
		}
	}
}

func TestActionOf(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		actions []string
		action  release.ChangeAction
		order   release.ReplaceOrder
		mod     release.Modification
	}{
		{[]string{"create"}, release.ChangeCreate, "", release.ModCreated},
		{[]string{"update"}, release.ChangeUpdate, "", release.ModUpdated},
		{[]string{"delete"}, release.ChangeDelete, "", release.ModDeleted},
		{[]string{"delete", "create"}, release.ChangeReplace, release.DeleteThenCreate, release.ModReplaced},
		{[]string{"create", "delete"}, release.ChangeReplace, release.CreateThenDelete, release.ModReplaced},
		{[]string{"read"}, release.ChangeRead, "", release.ModNone},
		{[]string{"no-op"}, release.ChangeNoOp, "", release.ModNone},
		{[]string{"forget"}, release.ChangeForget, "", release.ModNone},
		{[]string{"create", "forget"}, release.ChangeReplace, "", release.ModReplaced},
		// Issue 20 kind 1: OpenTofu's forget-then-create is read by its parts.
		{[]string{"forget", "create"}, release.ChangeReplace, "", release.ModReplaced},
	} {
		var as tfjson.Actions
		for _, a := range tt.actions {
			as = append(as, tfjson.Action(a))
		}
		a, o, err := ActionOf(as)
		if err != nil {
			t.Error(err)
		}
		if a != tt.action || o != tt.order || release.ModificationOf(a) != tt.mod {
			t.Errorf("ActionOf(%v) = %s, %s, %v", tt.actions, a, o, err)
		}
	}
	// Action lists this reader does not know are kept as they are (kind 2
	// of issue 12): a newer tool's plan is read whole.
	for _, tt := range []struct {
		actions []string
		want    release.ChangeAction
	}{{[]string{"open"}, "open"}, {[]string{"update", "delete", "create"}, "update,delete,create"}} {
		var as tfjson.Actions
		for _, a := range tt.actions {
			as = append(as, tfjson.Action(a))
		}
		a, o, err := ActionOf(as)
		if err != nil || a != tt.want || o != "" || a.Known() || release.ModificationOf(a) != release.ModNone {
			t.Errorf("ActionOf(%v) = %q, %q, %v; want %q kept", tt.actions, a, o, err, tt.want)
		}
	}
	for _, bad := range [][]string{nil, {""}, {"a,b"}} {
		var as tfjson.Actions
		for _, a := range bad {
			as = append(as, tfjson.Action(a))
		}
		if _, _, err := ActionOf(as); err == nil {
			t.Errorf("ActionOf(%v) accepted", bad)
		}
	}
}
