package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/oidclogin"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// oidcFlags configure sign-in to the pages with an OpenID Connect identity
// provider (`shiplog server --oidc-*`). The client secret is read from a
// file, never given on the command line (where ps shows it).
type oidcFlags struct {
	Issuer           string   `name:"issuer" env:"SHIPLOG_OIDC_ISSUER" help:"Issuer URL of the identity provider (its discovery document is read at start-up), e.g. https://keycloak.example.com/realms/acme. Set with the client id, the secret file and the redirect URL to offer 'Sign in with <provider>'."`
	ClientID         string   `name:"client-id" env:"SHIPLOG_OIDC_CLIENT_ID" help:"This server's client id at the provider (the ID token's audience)."`
	ClientSecretFile string   `name:"client-secret-file" env:"SHIPLOG_OIDC_CLIENT_SECRET_FILE" help:"File holding the client secret (surrounding whitespace ignored)."`
	RedirectURL      string   `name:"redirect-url" env:"SHIPLOG_OIDC_REDIRECT_URL" help:"The callback registered at the provider: https://<this server>/auth/oidc/callback."`
	Scopes           []string `name:"scopes" env:"SHIPLOG_OIDC_SCOPES" default:"profile,email,groups" help:"Scopes asked for besides openid."`
	UsernameClaim    string   `name:"username-claim" env:"SHIPLOG_OIDC_USERNAME_CLAIM" default:"preferred_username" help:"ID token claim used as the person's name (falling back to email, then sub): recorded as who approved, rejected, aborted or triggered, and matched by user role bindings."`
	GroupsClaim      string   `name:"groups-claim" env:"SHIPLOG_OIDC_GROUPS_CLAIM" default:"groups" help:"ID token claim listing the person's groups, matched by group role bindings."`
	Name             string   `name:"provider-name" env:"SHIPLOG_OIDC_PROVIDER_NAME" help:"The provider's name on the sign-in button (default: the issuer's host)."`
}

// set reports whether any setting that turns the sign-in on is given.
func (f oidcFlags) set() bool {
	return f.Issuer != "" || f.ClientID != "" || f.ClientSecretFile != "" || f.RedirectURL != ""
}

// provider is the configured identity provider, nil when none is; an
// error saying what is misconfigured (a missing setting, an unreadable
// secret file, discovery that failed) otherwise.
func (f oidcFlags) provider(ctx context.Context, st *store.Store) (*oidclogin.Provider, error) {
	if !f.set() {
		return nil, nil
	}
	cfg := oidclogin.Config{Issuer: f.Issuer, ClientID: f.ClientID, RedirectURL: f.RedirectURL, Scopes: f.Scopes,
		UsernameClaim: f.UsernameClaim, GroupsClaim: f.GroupsClaim, Name: f.Name}
	if f.ClientSecretFile != "" {
		b, err := os.ReadFile(f.ClientSecretFile)
		if err != nil {
			return nil, fmt.Errorf("--oidc-client-secret-file: %w", err)
		}
		if cfg.ClientSecret = strings.TrimSpace(string(b)); cfg.ClientSecret == "" {
			return nil, fmt.Errorf("--oidc-client-secret-file %s is empty", f.ClientSecretFile)
		}
	}
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p, err := oidclogin.New(ctx, cfg, st, nil)
	if err != nil {
		return nil, fmt.Errorf("sign-in with the identity provider: %w", err)
	}
	return p, nil
}
