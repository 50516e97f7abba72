package store_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type sliceSource struct {
	cs []release.Change
	i  int
}

func (s *sliceSource) Next() (release.Change, error) {
	if s.i >= len(s.cs) {
		return release.Change{}, io.EOF
	}
	s.i++
	return s.cs[s.i-1], nil
}

func TestReplaceChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	mod := "module.net"
	changes := []release.Change{
		{Address: "terraform_data.a", Mode: "managed", Type: "terraform_data", Name: "a", Action: release.ChangeCreate, Modification: release.ModCreated,
			Fields: []release.Field{{Path: "input.a", After: "1"}}},
		{Address: "module.net.terraform_data.b[0]", ModuleAddress: &mod, Mode: "managed", Type: "terraform_data", Name: "b", Index: 0,
			Action: release.ChangeUpdate, Modification: release.ModUpdated, Fields: []release.Field{{Path: "input", Sensitive: true, Changed: true}}},
		{Address: "terraform_data.c", Mode: "managed", Type: "terraform_data", Name: "c", Action: release.ChangeNoOp},
		{Kind: release.KindOutput, Address: "output.url", Action: release.ChangeUpdate},
	}
	for range 2 { // the second ingestion replaces the first
		sum, err := s.ReplaceChanges(ctx, r.ID, "plan", &sliceSource{cs: changes})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Create != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if sum.Update != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if sum.NoOp != 1 {
			t.Fatalf("summary %+v", sum)
		}
	}
	all, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("listed %d resource changes (no-ops hidden), want 2", len(all))
	}
	inMod, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{Module: "module.net"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inMod) != 1 {
		t.Fatalf("module filter: %+v", inMod)
	}
	if !inMod[0].Fields[0].Sensitive {
		t.Fatalf("module filter: %+v", inMod)
	}
	if inMod[0].Index == nil {
		t.Fatalf("module filter: %+v", inMod)
	}
	outs, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{Kind: release.KindOutput})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 {
		t.Fatalf("outputs: %+v", outs)
	}
	got, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary.Create != 1 {
		t.Fatalf("release summary %+v", got.Summary)
	}
	if _, err := s.ReplaceChanges(ctx, 987654, "plan", &sliceSource{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown release: %v", err)
	}
}
