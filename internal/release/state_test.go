package release

import (
	"errors"
	"strings"
	"testing"
)

func TestParseState(t *testing.T) {
	t.Parallel()
	good := `{"version":4,"terraform_version":"1.11.4","serial":3,"lineage":"abc","outputs":{},
		"resources":[{"mode":"managed","type":"terraform_data","name":"a","instances":[{},{}]},
		{"mode":"data","type":"x","name":"d","instances":[{}]}]}`
	m, err := ParseState([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if m.Serial != 3 {
		t.Errorf("serial %d, want 3", m.Serial)
	}
	if m.Lineage != "abc" {
		t.Errorf("lineage %q, want abc", m.Lineage)
	}
	if m.Resources != 2 {
		t.Errorf("%d resources, want 2 (managed instances only)", m.Resources)
	}
	for name, tc := range map[string]struct{ body, want string }{
		"not json":    {`{"version":4,`, "JSON"},
		"no version":  {`{"serial":1,"lineage":"a"}`, `no "version"`},
		"old version": {`{"version":3,"serial":1,"lineage":"a"}`, "version 3"},
		"no serial":   {`{"version":4,"lineage":"a"}`, "serial"},
		"no lineage":  {`{"version":4,"serial":1}`, "lineage"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseState([]byte(tc.body))
			if !errors.Is(err, ErrInvalidState) {
				t.Fatalf("error %v is not ErrInvalidState", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestCheckSuccessor(t *testing.T) {
	t.Parallel()
	prev := &StateVersion{Serial: 5, Lineage: "abc"}
	if err := CheckSuccessor(nil, StateMeta{Serial: 1, Lineage: "x"}); err != nil {
		t.Fatalf("first state refused: %v", err)
	}
	if err := CheckSuccessor(prev, StateMeta{Serial: 6, Lineage: "abc"}); err != nil {
		t.Fatalf("next serial refused: %v", err)
	}
	if err := CheckSuccessor(prev, StateMeta{Serial: 6, Lineage: "other"}); err == nil || !strings.Contains(err.Error(), "another configuration") {
		t.Fatalf("foreign lineage: %v", err)
	}
	if err := CheckSuccessor(prev, StateMeta{Serial: 4, Lineage: "abc"}); err == nil || !strings.Contains(err.Error(), "older") {
		t.Fatalf("older serial: %v", err)
	}
}

func TestLegacyStateSchema(t *testing.T) {
	t.Parallel()
	a := strings.Repeat("a", 49) + "-first-env-xy"
	b := strings.Repeat("a", 49) + "-other-env-zz"
	if LegacyStateSchema("my-env") != "shiplog_state_my_env" {
		t.Fatalf("schema %q", LegacyStateSchema("my-env"))
	}
	if len(LegacyStateSchema(a)) != 63 || LegacyStateSchema(a) != LegacyStateSchema(b) {
		t.Fatal("long names should collide as PostgreSQL cut them")
	}
}
