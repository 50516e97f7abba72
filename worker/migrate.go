package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// migrationOp is one line of a migration script.
type migrationOp struct {
	line int
	verb string // "state mv", "state rm", "import"
	args []string
}

// parseMigration reads a script: one operation per line, '#' comments.
//
//	state mv FROM TO
//	state rm ADDRESS [ADDRESS...]
//	import ADDRESS ID
func parseMigration(script string) ([]migrationOp, error) {
	var ops []migrationOp
	for n, raw := range strings.Split(script, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		op := migrationOp{line: n + 1}
		switch {
		case len(f) >= 2 && f[0] == "state" && f[1] == "mv":
			op.verb, op.args = "state mv", f[2:]
			if len(op.args) != 2 {
				return nil, fmt.Errorf("line %d: state mv takes a source and a destination address", n+1)
			}
		case len(f) >= 2 && f[0] == "state" && f[1] == "rm":
			op.verb, op.args = "state rm", f[2:]
			if len(op.args) == 0 {
				return nil, fmt.Errorf("line %d: state rm takes at least one address", n+1)
			}
		case f[0] == "import":
			op.verb, op.args = "import", f[1:]
			if len(op.args) != 2 {
				return nil, fmt.Errorf("line %d: import takes an address and an id", n+1)
			}
		default:
			return nil, fmt.Errorf("line %d: %q is not a migration (want state mv, state rm or import)", n+1, line)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// migrate runs the release's migration scripts in order and records each
// script's outcome. The first failing script stops the phase.
func (ru *run) migrate(ctx context.Context, p release.Phase, out output) error {
	scripts := ru.r.MigrationScripts
	if len(scripts) == 0 {
		ru.sys(p.Name, "no migration scripts")
		return nil
	}
	outcomes := make([]release.MigrationOutcome, 0, len(scripts))
	record := func() {
		if err := ru.w.cfg.Store.RecordMigrationOutcomes(context.WithoutCancel(ctx), ru.r.ID, outcomes); err != nil {
			ru.log.Warn("recording migration outcomes", "error", err)
		}
	}
	defer record()
	for i, s := range scripts {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("script-%d", i+1)
		}
		if err := ru.migrateOne(ctx, out, p.Name, name, s.Script); err != nil {
			outcomes = append(outcomes, release.MigrationOutcome{Name: name, Status: "FAILED", Error: errorText(err)})
			for _, rest := range scripts[i+1:] {
				outcomes = append(outcomes, release.MigrationOutcome{Name: rest.Name, Status: "SKIPPED"})
			}
			return fmt.Errorf("migration script %s: %w", name, err)
		}
		outcomes = append(outcomes, release.MigrationOutcome{Name: name, Status: "SUCCEEDED"})
		ru.sys(p.Name, "migration script %s succeeded", name)
	}
	return nil
}

func (ru *run) migrateOne(ctx context.Context, out output, phase, name, script string) error {
	ops, err := parseMigration(script)
	if err != nil {
		return err
	}
	for _, op := range ops {
		ru.sys(phase, "%s line %d: %s %s", name, op.line, op.verb, strings.Join(op.args, " "))
		switch op.verb {
		case "state mv":
			err = ru.tf.stateMv(ctx, out, op.args[0], op.args[1])
		case "state rm":
			for _, a := range op.args {
				if err = ru.tf.stateRm(ctx, out, a); err != nil {
					break
				}
			}
		case "import":
			err = ru.tf.importResource(ctx, out, op.args[0], op.args[1], ru.varFile)
		}
		if err != nil {
			return fmt.Errorf("line %d (%s): %w", op.line, op.verb, err)
		}
	}
	return nil
}
