package release

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestReleaseJSONCarriesDurations(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	end := start.Add(1500 * time.Millisecond)
	d := 700 * time.Millisecond
	r := Release{ID: 7, Status: StatusSucceeded, StartedAt: &start, FinishedAt: &end,
		Phases: []Phase{{Name: "plan", Action: ActionPlan, Status: PhaseSucceeded, Duration: &d}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"duration_ms":1500`, `"duration_ms":700`, `"started_at":"2026-01-02T03:04:05Z"`, `"status":"SUCCEEDED"`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s: %s", want, s)
		}
	}
	var back Release
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Phases[0].Duration == nil {
		t.Fatalf("round trip: %+v", back)
	}
	if *back.Phases[0].Duration != d {
		t.Fatalf("round trip: %+v", back)
	}
	if back.ID != 7 {
		t.Fatalf("round trip: %+v", back)
	}
}
