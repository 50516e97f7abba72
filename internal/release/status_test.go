package release

import (
	"errors"
	"strings"
	"testing"
)

// The whole table: every pair of statuses is either a listed move or an error
// naming both statuses.
func TestTransitionTable(t *testing.T) {
	t.Parallel()
	legal := map[[2]Status]bool{
		{StatusQueued, StatusInProgress}:          true,
		{StatusQueued, StatusAborted}:             true,
		{StatusInProgress, StatusSucceeded}:       true,
		{StatusInProgress, StatusFailed}:          true,
		{StatusInProgress, StatusTimedOut}:        true,
		{StatusInProgress, StatusAborted}:         true,
		{StatusInProgress, StatusStopped}:         true,
		{StatusInProgress, StatusPendingApproval}: true,
		{StatusPendingApproval, StatusQueued}:     true,
		{StatusPendingApproval, StatusRejected}:   true,
		{StatusPendingApproval, StatusAborted}:    true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			err := Transition(from, to)
			if legal[[2]Status{from, to}] {
				if err != nil {
					t.Errorf("%s -> %s: want legal, got %v", from, to, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s -> %s: want an error, got none", from, to)
				continue
			}
			var te *TransitionError
			if !errors.As(err, &te) || te.From != from || te.To != to {
				t.Errorf("%s -> %s: want *TransitionError naming both, got %#v", from, to, err)
			}
			if !strings.Contains(err.Error(), string(from)) || !strings.Contains(err.Error(), string(to)) {
				t.Errorf("%s -> %s: message %q does not name both statuses", from, to, err)
			}
		}
	}
}

func TestTerminalStatusesNeverMove(t *testing.T) {
	t.Parallel()
	terminal := 0
	for _, s := range Statuses {
		if !s.Terminal() {
			continue
		}
		terminal++
		if n := s.Next(); len(n) != 0 {
			t.Errorf("%s is terminal but can move to %v", s, n)
		}
		if err := Transition(s, StatusQueued); err == nil || !strings.Contains(err.Error(), "final") {
			t.Errorf("%s -> QUEUED: want a 'final' error, got %v", s, err)
		}
	}
	if terminal != 6 {
		t.Fatalf("want 6 terminal statuses, got %d", terminal)
	}
}

func TestEveryStatusIsReachable(t *testing.T) {
	t.Parallel()
	reached := map[Status]bool{StatusQueued: true}
	queue := []Status{StatusQueued}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range s.Next() {
			if !reached[n] {
				reached[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range Statuses {
		if !reached[s] {
			t.Errorf("%s cannot be reached from QUEUED", s)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	for _, s := range Statuses {
		got, err := ParseStatus(string(s))
		if err != nil {
			t.Error(err)
		}
		if got != s {
			t.Errorf("ParseStatus(%q) = %q, %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "queued", "DONE", "SUCCEEDED "} {
		if _, err := ParseStatus(bad); err == nil || !strings.Contains(err.Error(), "unknown release status") {
			t.Errorf("ParseStatus(%q): want an unknown-status error, got %v", bad, err)
		}
	}
	if err := Transition("BOGUS", StatusQueued); err == nil || !strings.Contains(err.Error(), "BOGUS") {
		t.Errorf("Transition from a non-status: got %v", err)
	}
}

func TestTypeOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		actions []Action
		want    Type
	}{
		{[]Action{ActionInit, ActionPlan}, TypePlan},
		{[]Action{ActionInit, ActionMigrate, ActionPlan, ActionApply}, TypeApply},
		{[]Action{ActionInit, ActionDestroyPlan, ActionApply}, TypeDestroy},
		{[]Action{ActionRun}, TypePlan},
	}
	for _, c := range cases {
		var ps []Phase
		for _, a := range c.actions {
			ps = append(ps, Phase{Action: a})
		}
		if got := TypeOf(ps); got != c.want {
			t.Errorf("TypeOf(%v) = %s, want %s", c.actions, got, c.want)
		}
	}
}

func TestModificationOf(t *testing.T) {
	t.Parallel()
	want := map[ChangeAction]Modification{
		ChangeCreate: ModCreated, ChangeUpdate: ModUpdated, ChangeDelete: ModDeleted, ChangeReplace: ModReplaced,
		ChangeRead: ModNone, ChangeNoOp: ModNone, ChangeForget: ModNone,
	}
	for a, m := range want {
		if got := ModificationOf(a); got != m {
			t.Errorf("ModificationOf(%s) = %q, want %q", a, got, m)
		}
	}
}

func TestEnvironmentValidate(t *testing.T) {
	t.Parallel()
	for _, src := range []Source{{Dir: "/x"}, {GitURL: "https://example.com/x.git", GitRef: "v1.2", GitSubdir: "envs/prod"}, {Kind: SourceUpload}} {
		ok := Environment{Name: "prod-eu", Source: src}
		if err := ok.Validate(); err != nil {
			t.Fatalf("valid environment: %v", err)
		}
	}
	cases := map[string]Environment{
		"is not valid":         {Name: "Prod", Source: Source{Dir: "/x"}},
		"no configuration":     {Name: "prod"},
		"twice":                {Name: "prod", Source: Source{Dir: "/x"}, Variables: []Variable{{Name: "a"}, {Name: "a"}}},
		"not an absolute path": {Name: "prod", Source: Source{Dir: "envs/prod"}},
		"git_token":            {Name: "prod", Source: Source{GitURL: "https://me:pw@example.com/x.git"}},
		"relative path inside": {Name: "prod", Source: Source{GitURL: "https://example.com/x.git", GitSubdir: "/abs"}},
		"takes no dir":         {Name: "prod", Source: Source{Kind: SourceUpload, Dir: "/x"}},
		"not a source kind":    {Name: "prod", Source: Source{Kind: "s3"}},
		"namespace name \"A_B": {Name: "prod", Namespace: "A_B", Source: Source{Dir: "/x"}},
	}
	for want, env := range cases {
		if err := env.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: want error containing %q, got %v", env, want, err)
		}
	}
}
