package worker

import (
	"context"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
)

// setSecrets takes the release's sensitive values (environment and release
// variables) and adds the values the environment's latest states were
// written with: after a rotation, the prior state still holds the old value
// and terraform prints it ("old" -> (sensitive value)). All of them are
// masked in the log, in every form terraform prints them, and in the
// recorded changes; only the current values are sealed with the states
// this release writes.
func (ru *run) setSecrets(ctx context.Context, current []string) error {
	previous, err := ru.w.cfg.Store.StateSecrets(ctx, ru.env.ID)
	if err != nil {
		return err
	}
	ru.secrets = current
	all := append(append([]string(nil), current...), previous...)
	ru.logs.Redact(all)
	// the plan parser compares decoded values: the raw values (short ones
	// mask equal fields), each string member of a JSON-valued one and each
	// line of a multi-line value
	ru.masks = append(secret.Members(all), secret.Forms(all)...)
	return nil
}
