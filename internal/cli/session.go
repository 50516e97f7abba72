package cli

import (
	"fmt"
	"strings"
)

// sessionCmd lists and ends people's browser sessions (admin).
type sessionCmd struct {
	List sessionListCmd `cmd:"" help:"List people's live browser sessions: who, their identity provider groups at sign-in, since when, last seen, ends at."`
	End  sessionEndCmd  `cmd:"" help:"End every browser session of a person now (someone leaving, a lost laptop): their next page asks them to sign in again."`
}

type sessionListCmd struct {
	apiFlags
	User string `help:"Only this person's sessions."`
}

func (c *sessionListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	l, err := s.c.ListSessions(g.Context(), c.User)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(l)
	}
	tw := s.table("USER", "GROUPS", "SIGNED IN", "LAST SEEN", "ENDS")
	for _, u := range l.Sessions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.User, strings.Join(u.Groups, ","), when(&u.CreatedAt), when(&u.LastSeen), when(&u.ExpiresAt))
	}
	return tw.Flush()
}

type sessionEndCmd struct {
	apiFlags
	User string `arg:"" help:"The person's name as the identity provider signs them in."`
}

func (c *sessionEndCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	e, err := s.c.EndUserSessions(g.Context(), c.User)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(e)
	}
	fmt.Fprintf(s.out, "%d live session(s) of %s ended\n", e.Ended, e.User)
	return nil
}
