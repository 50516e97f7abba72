package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func TestAppendLogsIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	var batch []release.LogEntry
	for i := 1; i <= 10; i++ {
		batch = append(batch, release.LogEntry{ReleaseID: r.ID, Seq: int64(i), Phase: "plan", Time: time.Now(), Stream: release.Stdout,
			Text: fmt.Sprintf("line %d\x00", i), DeploymentType: release.DeploymentRegular})
	}
	if err := s.AppendLogs(ctx, batch[:6]); err != nil {
		t.Fatal(err)
	}
	// a retry after a lost acknowledgement overlaps what was written
	if err := s.AppendLogs(ctx, batch[3:]); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListLogs(ctx, r.ID, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Fatalf("got %d lines, %v", len(got), err)
	}
	for i, e := range got {
		if e.Seq != int64(i+1) {
			t.Fatalf("line %d: %+v", i, e)
		}
		if e.Text != fmt.Sprintf("line %d", i+1) {
			t.Fatalf("line %d: %+v", i, e)
		}
	}
	page, err := s.ListLogs(ctx, r.ID, "plan", 7, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 {
		t.Fatalf("page after 7: %+v", page)
	}
	if page[0].Seq != 8 {
		t.Fatalf("page after 7: %+v", page)
	}
}
