package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func TestLogIndexRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	var es = lines(r.ID, 1, "", 2)
	es = append(es, lines(r.ID, 3, "plan", 5)...)
	es = append(es, lines(r.ID, 8, "apply", 3)...)
	es = append(es, lines(r.ID, 11, "plan", 1)...)
	if err := s.CopyLogs(ctx, es, 2); err != nil {
		t.Fatal(err)
	}
	idx, err := s.LogIndex(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != 3 || idx[1].Phase != "plan" {
		t.Fatalf("index %+v: want phases \"\", plan, apply in order", idx)
	}
	plan := idx[1]
	if plan.Lines != 6 || len(plan.Runs) != 2 || plan.Runs[0] != [2]int64{3, 7} || plan.Runs[1] != [2]int64{11, 11} {
		t.Errorf("plan: %+v, want 6 lines in runs 3-7 and 11", plan)
	}
	if plan.LineOf(11) != 6 || plan.SeqOf(6) != 11 || plan.SeqOf(1) != 3 || plan.LineOf(8) != 0 || plan.SeqOf(7) != 0 {
		t.Errorf("plan's line numbers: LineOf(11)=%d SeqOf(6)=%d SeqOf(1)=%d LineOf(8)=%d SeqOf(7)=%d",
			plan.LineOf(11), plan.SeqOf(6), plan.SeqOf(1), plan.LineOf(8), plan.SeqOf(7))
	}
	got, err := s.ListLogs(ctx, r.ID, "plan", plan.SeqOf(5)-1, 10)
	if err != nil || len(got) != 2 || got[0].Seq != 7 || got[1].Seq != 11 {
		t.Errorf("plan from its line 5: %+v (%v), want seqs 7 and 11", got, err)
	}
	ms, total, err := s.SearchLogs(ctx, r.ID, "plan", "LINE 1", 1)
	if err != nil || total != 1 || len(ms) != 1 || ms[0].Seq != 11 {
		t.Errorf("search: %+v total %d (%v), want seq 11 only", ms, total, err)
	}
}

// lines makes n log lines of a phase from seq from on, each "line <seq>".
func lines(id, from int64, phase string, n int) []release.LogEntry {
	out := make([]release.LogEntry, n)
	for i := range out {
		seq := from + int64(i)
		out[i] = release.LogEntry{ReleaseID: id, Seq: seq, Phase: phase, Time: time.Now().UTC(), Stream: release.Stdout,
			Text: fmt.Sprintf("line %d", seq), DeploymentType: release.DeploymentRegular}
	}
	return out
}

// TestSearchLogsSkipsEscapes: search matches the text people see, not
// the colour codes around it.
func TestSearchLogsSkipsEscapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	es := lines(r.ID, 1, "run", 3)
	es[1].Text = "\x1b[32m✔\x1b[0m 12 checks \x1b[1mpassed\x1b[22m"
	es[2].Text = "\x1b]8;;http://example.com\x07docs\x1b]8;;\x07 linked"
	if err := s.AppendLogs(ctx, es); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    string
		want int64 // seq, 0: none
	}{{"✔ 12 checks passed", 2}, {"[32m", 0}, {"docs linked", 3}, {"example.com", 0}} {
		ms, total, err := s.SearchLogs(ctx, r.ID, "run", c.q, 10)
		if err != nil {
			t.Fatalf("search %q: %v", c.q, err)
		}
		got := int64(0)
		if len(ms) == 1 {
			got = ms[0].Seq
		}
		if got != c.want || (c.want == 0 && total != 0) {
			t.Errorf("search %q: %+v (total %d), want seq %d only", c.q, ms, total, c.want)
		}
		ents, _, err := s.SearchLogEntries(ctx, r.ID, "run", c.q, 10)
		if err != nil || int64(len(ents)) != min(c.want, 1) {
			t.Errorf("search %q with its lines: %d lines (%v), want %d", c.q, len(ents), err, min(c.want, 1))
		}
	}
}
