package cli_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
)

// TestServerSaysWhatOIDCSettingIsWrong: `shiplog server` with sign-in
// half configured, an empty secret file, or an issuer whose discovery
// fails refuses to start, naming the setting, and never prints the
// client secret.
func TestServerSaysWhatOIDCSettingIsWrong(t *testing.T) {
	db := []string{"--database-url", dbtest.URL(t), "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0"}
	env := map[string]string{"SHIPLOG_OIDC_ISSUER": "", "SHIPLOG_OIDC_CLIENT_ID": "", "SHIPLOG_OIDC_CLIENT_SECRET_FILE": "", "SHIPLOG_OIDC_REDIRECT_URL": ""}
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cr3t-client-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	for _, tc := range []struct {
		name  string
		flags []string
		want  []string
	}{
		{"half configured", []string{"--oidc-issuer", "https://idp.example.com/realms/acme", "--oidc-client-id", "shiplog"},
			[]string{"--oidc-client-secret-file", "--oidc-redirect-url"}},
		{"an empty secret file", []string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "shiplog", "--oidc-client-secret-file", empty,
			"--oidc-redirect-url", "https://shiplog.example.com/auth/oidc/callback"}, []string{"--oidc-client-secret-file", "is empty"}},
		{"a redirect URL that is no URL", []string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "shiplog", "--oidc-client-secret-file", secret,
			"--oidc-redirect-url", "shiplog.example.com/callback"}, []string{"--oidc-redirect-url", "not an http(s) URL"}},
		{"an issuer whose discovery fails", []string{"--oidc-issuer", dead.URL, "--oidc-client-id", "shiplog", "--oidc-client-secret-file", secret,
			"--oidc-redirect-url", "https://shiplog.example.com/auth/oidc/callback"}, []string{"discovery document", dead.URL}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, env, append(append([]string{"server"}, db...), tc.flags...)...)
			if code == 0 {
				t.Fatalf("shiplog server started with %s", tc.name)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("shiplog server with %s: exit %d, stderr %q does not say %q", tc.name, code, errOut, w)
				}
			}
			if strings.Contains(out+errOut, "s3cr3t-client-value") {
				t.Errorf("shiplog server printed the client secret: %s%s", out, errOut)
			}
		})
	}
}
