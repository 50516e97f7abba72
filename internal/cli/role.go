package cli

import (
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// roleCmd manages role bindings: who holds which role on which
// environments.
type roleCmd struct {
	List   roleListCmd   `cmd:"" help:"List role bindings (admin role on every environment)."`
	Grant  roleGrantCmd  `cmd:"" help:"Bind a user, group or token to a role on all environments (*), one, or a pattern (prod-*)."`
	Revoke roleRevokeCmd `cmd:"" help:"Delete a role binding by id; its subject loses the role at their next request."`
}

type roleListCmd struct {
	apiFlags
}

func (c *roleListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	l, err := s.c.ListRoles(g.Context())
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(l)
	}
	tw := s.table("ID", "KIND", "SUBJECT", "ROLE", "ENVIRONMENTS", "GRANTED", "BY")
	for _, b := range l.Bindings {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.SubjectKind, b.Subject, b.Role, b.Environment, when(&b.CreatedAt), b.CreatedBy)
	}
	return tw.Flush()
}

type roleGrantCmd struct {
	apiFlags
	Role      string `arg:"" enum:"viewer,deployer,approver,admin" help:"viewer, deployer (create/abort releases, roll back), approver (approve, reject, sign off; also viewer) or admin."`
	User      string `xor:"subject" required:"" help:"The person's name as the identity provider signs them in (its username claim)."`
	Group     string `xor:"subject" required:"" help:"A group in the identity provider's groups claim."`
	TokenName string `name:"token-name" xor:"subject" required:"" help:"An API token's name (--token is the secret this command signs in with)."`
	Env       string `name:"env" default:"*" help:"Environments: * (all), a name, or a shell pattern such as prod-*."`
}

func (c *roleGrantCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	req := apiwire.RoleBindingRequest{Role: apiwire.Role(c.Role), Environment: c.Env}
	switch {
	case c.User != "":
		req.SubjectKind, req.Subject = apiwire.SubjectUser, c.User
	case c.Group != "":
		req.SubjectKind, req.Subject = apiwire.SubjectGroup, c.Group
	default:
		req.SubjectKind, req.Subject = apiwire.SubjectToken, c.TokenName
	}
	b, err := s.c.GrantRole(g.Context(), req)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(b)
	}
	fmt.Fprintf(s.out, "role binding %d: %s %s is %s on %s\n", b.ID, b.SubjectKind, b.Subject, b.Role, b.Environment)
	return nil
}

type roleRevokeCmd struct {
	apiFlags
	ID int64 `arg:"" help:"The binding's id (shiplog role list)."`
}

func (c *roleRevokeCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	if err := s.c.RevokeRole(g.Context(), c.ID); err != nil {
		return err
	}
	if !s.json {
		fmt.Fprintf(s.out, "role binding %d revoked\n", c.ID)
	}
	return nil
}
