package cli

import (
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

type envLockCmd struct {
	apiFlags
	Name string `arg:"" help:"Environment name."`
}

func (c *envLockCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	l, err := s.c.StateLock(g.Context(), c.Name)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(l)
	}
	if l.Lock == nil {
		fmt.Fprintf(s.out, "the state of %s is not locked\n", c.Name)
		return nil
	}
	fmt.Fprintf(s.out, "the state of %s is locked by %s: release %d, %s since %s\n", c.Name, l.Lock.ID, l.Lock.ReleaseID, l.Lock.Doing(), when(&l.Lock.CreatedAt))
	return nil
}

type envUnlockCmd struct {
	apiFlags
	Name   string `arg:"" help:"Environment name."`
	LockID string `name:"lock-id" required:"" help:"ID of the lock to release ('shiplog env lock NAME' shows it), as terraform force-unlock takes it."`
	Reason string `required:"" help:"Why: kept with the UNLOCK release and in the audit log."`
	Force  bool   `help:"Release the lock even though its release has not ended (only when you know its terraform is gone: what it still applies would not be saved)."`
}

func (c *envUnlockCmd) Help() string {
	return "A lock whose release has not ended is refused unless --force: that release goes on, and what its terraform " +
		"still applies would not be saved. Aborting the release releases its lock."
}

func (c *envUnlockCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := s.c.UnlockState(g.Context(), c.Name, apiwire.UnlockRequest{LockID: c.LockID, Reason: c.Reason, Force: c.Force})
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "state lock %s of %s released (it was held by release %d); recorded as release %d\n", c.LockID, c.Name, r.Unlock.Lock.ReleaseID, r.ID)
	return nil
}
