package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// tokenCmd manages API tokens in the database directly: it is how the first
// token comes to be, before anyone can call the API.
type tokenCmd struct {
	Create tokenCreateCmd `cmd:"" help:"Create an API token and print its secret (shown this once)."`
	List   tokenListCmd   `cmd:"" help:"List API tokens (never their secrets)."`
	Revoke tokenRevokeCmd `cmd:"" help:"Revoke an API token; servers stop taking it at once."`
}

type tokenCreateCmd struct {
	Name   string   `arg:"" help:"Token name, recorded as who triggered, approved or aborted a release."`
	Scope  []string `required:"" sep:"," help:"Scopes: read, write (create releases, register artifacts, ingest plans, abort), approve (approve, reject, sign off), admin (tokens, environments; implies all). Comma-separated or repeated."`
	Output string   `short:"o" enum:"text,json" default:"text" help:"text (the secret alone on standard output) or json."`
}

func (c *tokenCreateCmd) Run(g *Globals) error {
	db, err := g.openDatabase(g.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	secret, t, err := api.IssueToken(g.Context(), db.Store, c.Name, c.Scope)
	if aerr := auditLocal(g, db.Store, "token.create", c.Name+" "+strings.Join(c.Scope, ","), err); aerr != nil && err == nil {
		return aerr
	}
	if err != nil {
		return err
	}
	if c.Output == "json" {
		enc := json.NewEncoder(g.Stdout())
		enc.SetIndent("", "  ")
		return enc.Encode(apiwire.NewToken{Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt, Secret: secret})
	}
	fmt.Fprintf(g.Stderr(), "token %q created with scopes %s; its secret is shown this once:\n", t.Name, strings.Join(t.Scopes, ", "))
	fmt.Fprintln(g.Stdout(), secret)
	return nil
}

type tokenListCmd struct {
	Output string `short:"o" enum:"table,json" default:"table" help:"table or json."`
}

func (c *tokenListCmd) Run(g *Globals) error {
	db, err := g.openDatabase(g.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	ts, err := db.ListTokens(g.Context())
	if err != nil {
		return err
	}
	if c.Output == "json" {
		enc := json.NewEncoder(g.Stdout())
		enc.SetIndent("", "  ")
		return enc.Encode(api.TokenList(ts))
	}
	tw := tabwriter.NewWriter(g.Stdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCOPES\tCREATED\tREVOKED")
	for _, t := range ts {
		revoked := "-"
		if t.RevokedAt != nil {
			revoked = t.RevokedAt.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, strings.Join(t.Scopes, ","), t.CreatedAt.Local().Format(time.DateTime), revoked)
	}
	return tw.Flush()
}

type tokenRevokeCmd struct {
	Name string `arg:"" help:"Token name."`
}

func (c *tokenRevokeCmd) Run(g *Globals) error {
	db, err := g.openDatabase(g.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.RevokeToken(g.Context(), c.Name)
	if aerr := auditLocal(g, db.Store, "token.revoke", c.Name, err); aerr != nil && err == nil {
		return aerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.Stderr(), "token %q revoked\n", c.Name)
	return nil
}

// auditLocal records an act done on the database directly (no API, so no
// token): the actor is the operating-system user who ran the command.
func auditLocal(g *Globals, st *store.Store, kind, detail string, err error) error {
	actor := "local user"
	if u, uerr := user.Current(); uerr == nil {
		actor = "local user " + u.Username
	}
	e := &release.AuditEvent{Actor: actor, Kind: kind, Detail: detail, Outcome: "ok"}
	if err != nil {
		e.Outcome, e.Error = "failed", err.Error()
	}
	return st.RecordAudit(context.WithoutCancel(g.Context()), e)
}
