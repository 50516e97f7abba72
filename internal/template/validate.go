package template

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ValidationError lists everything wrong with one template.
type ValidationError struct {
	// Template names the template as Template.String does; it is empty
	// when the template has no name.
	Template string
	Problems []Problem
}

// Problem is one thing wrong with a template.
type Problem struct {
	// Phase is the position of the phase at fault, counting from 1; 0 means
	// the template as a whole.
	Phase     int
	PhaseName string
	Message   string
}

func (p Problem) String() string {
	switch {
	case p.Phase == 0:
		return p.Message
	case p.PhaseName == "":
		return fmt.Sprintf("phase %d: %s", p.Phase, p.Message)
	default:
		return fmt.Sprintf("phase %d %q: %s", p.Phase, p.PhaseName, p.Message)
	}
}

func (e *ValidationError) Error() string {
	subject := "template"
	if e.Template != "" {
		subject += " " + e.Template
	}
	if len(e.Problems) == 1 {
		return subject + ": " + e.Problems[0].String()
	}
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return fmt.Sprintf("%s: %d problems: %s", subject, len(e.Problems), strings.Join(msgs, "; "))
}

// MaxPhases is the most phases a template may have.
const MaxPhases = 100

// phaseOptions says which actions accept each optional phase setting that
// only some actions use. Timeout and approval suit every action; command and
// args are checked on their own.
var phaseOptions = []struct {
	name    string
	set     func(PhaseSpec) bool
	actions []release.Action
}{
	{"targets", func(p PhaseSpec) bool { return p.Targets != "" },
		[]release.Action{release.ActionPlan, release.ActionDestroyPlan}},
	{"refresh", func(p PhaseSpec) bool { return p.Refresh != nil },
		[]release.Action{release.ActionPlan, release.ActionDestroyPlan}},
	{"parallelism", func(p PhaseSpec) bool { return p.Parallelism != nil },
		[]release.Action{release.ActionPlan, release.ActionDestroyPlan, release.ActionApply}},
}

// Validate checks the template and returns a *ValidationError listing every
// problem, or nil. It checks the document's apiVersion and kind; the
// template's name and namespace (lower-case DNS labels); that there are from
// 1 to MaxPhases phases; and for each phase its name (a DNS label, unique in
// the template), its action, the values of its options, that its options
// suit its action, that a run phase has a command, and that an apply phase
// has a plan or destroy-plan phase before it (and after any earlier apply,
// which consumed the saved plan).
func (t *Template) Validate() error {
	var problems []Problem
	add := func(format string, args ...any) {
		problems = append(problems, Problem{Message: fmt.Sprintf(format, args...)})
	}

	switch t.APIVersion {
	case APIVersion:
	case "":
		add("apiVersion is required (want %s)", APIVersion)
	default:
		add("apiVersion %q is not supported (want %s)", t.APIVersion, APIVersion)
	}
	switch t.Kind {
	case Kind:
	case "":
		add("kind is required (want %s)", Kind)
	default:
		add("kind %q is not supported (want %s)", t.Kind, Kind)
	}
	if t.Metadata.Name == "" {
		add("metadata.name is required")
	} else if err := release.ValidateName("template", t.Metadata.Name); err != nil {
		add("%v", err)
	}
	if t.Metadata.Namespace != "" {
		if err := release.ValidateName("namespace", t.Metadata.Namespace); err != nil {
			add("%v", err)
		}
	}
	if len(t.Spec.Phases) == 0 {
		add("spec.phases is empty: a template needs at least one phase")
	} else if len(t.Spec.Phases) > MaxPhases {
		add("spec.phases has %d phases: a template may have at most %d", len(t.Spec.Phases), MaxPhases)
	}

	seen := make(map[string]int) // phase name -> position from 1
	planned, applied := false, false
	for i, p := range t.Spec.Phases {
		add := func(format string, args ...any) {
			problems = append(problems, Problem{Phase: i + 1, PhaseName: p.Name, Message: fmt.Sprintf(format, args...)})
		}

		if p.Name == "" {
			add("name is required")
		} else if err := release.ValidateName("phase", p.Name); err != nil {
			add("%v", err)
		} else if j, dup := seen[p.Name]; dup {
			add("duplicate phase name (phase %d is also called %q)", j, p.Name)
		} else {
			seen[p.Name] = i + 1
		}

		known := slices.Contains(release.Actions, p.Action)
		switch {
		case p.Action == "":
			add("action is required (valid: %s)", actionList())
		case !known:
			add("unknown action %q (valid: %s)", p.Action, actionList())
		}

		if p.Targets != "" && p.Targets != TargetsFromRelease {
			add("targets %q is not valid (the only value is %s; leave targets out to plan every resource)", p.Targets, TargetsFromRelease)
		}
		switch p.Approval {
		case "", ApprovalNone, ApprovalRequired:
		default:
			add("approval %q is not valid (want %s or %s)", p.Approval, ApprovalRequired, ApprovalNone)
		}
		if p.Timeout != "" {
			if d, err := time.ParseDuration(p.Timeout); err != nil {
				add("timeout %q is not a duration (write it as Go does: 90s, 10m, 1h30m)", p.Timeout)
			} else if d <= 0 {
				add("timeout must be positive, got %q", p.Timeout)
			}
		}
		if p.Parallelism != nil && *p.Parallelism < 0 {
			add("parallelism must not be negative, got %d", *p.Parallelism)
		}

		if !known {
			continue // which options suit the phase is anyone's guess
		}
		for _, o := range phaseOptions {
			if o.set(p) && !slices.Contains(o.actions, p.Action) {
				add("%s is not allowed with action %s (only with %s)", o.name, p.Action, joinActions(o.actions))
			}
		}
		if p.Action == release.ActionRun {
			if strings.TrimSpace(p.Command) == "" {
				add("action run needs a command")
			}
		} else {
			if p.Command != "" {
				add("command is not allowed with action %s (only with run)", p.Action)
			}
			if len(p.Args) > 0 {
				add("args is not allowed with action %s (only with run)", p.Action)
			}
		}
		switch p.Action {
		case release.ActionPlan, release.ActionDestroyPlan:
			planned = true
		case release.ActionPolicy:
			if !planned {
				add("policy needs a plan or destroy-plan phase before it (it checks that plan)")
			}
		case release.ActionApply:
			switch {
			case planned:
			case applied:
				add("apply needs a plan or destroy-plan phase between it and the previous apply")
			default:
				add("apply needs a plan or destroy-plan phase before it")
			}
			planned, applied = false, true
		}
	}

	if len(problems) == 0 {
		return nil
	}
	e := &ValidationError{Problems: problems}
	if t.Metadata.Name != "" {
		e.Template = t.String()
	}
	return e
}

// actionList lists the valid actions for messages.
func actionList() string {
	return joinActions(release.Actions)
}

func joinActions(actions []release.Action) string {
	s := make([]string, len(actions))
	for i, a := range actions {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
