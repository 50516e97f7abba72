package api_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// archive is a tar.gz of name/body pairs; a name ending in "->" plus a
// target is a symbolic link.
func archive(t *testing.T, pairs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i := 0; i < len(pairs); i += 2 {
		name, body := pairs[i], pairs[i+1]
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}
		if n, target, ok := strings.Cut(name, "->"); ok {
			hdr = &tar.Header{Name: n, Mode: 0o777, Typeflag: tar.TypeSymlink, Linkname: target}
			body = ""
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func uploadEnv(r *apiwire.EnvironmentRequest) { r.Source = release.Source{Kind: release.SourceUpload} }

// blueprints counts an environment's stored blueprints.
func (h *harness) blueprints(env string) int {
	h.t.Helper()
	var n int
	if err := h.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM blueprints b JOIN environments e ON e.id = b.environment_id WHERE e.name = $1`, env).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func TestPushConfiguration(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/environments/web/configurations"
	t.Run("stores the archive by content and releases run the newest push", func(t *testing.T) {
		h := newHarness(t)
		h.env("web", uploadEnv)
		var first apiwire.Configuration
		h.call("POST", path, "writer", archive(t, "main.tf", `resource "terraform_data" "a" {}`), 201, &first)
		if !strings.HasPrefix(first.BlueprintVersion, "sha256:") || !first.Created || first.Environment != "web" {
			t.Fatalf("first push: %+v", first)
		}
		var again apiwire.Configuration
		h.call("POST", path, "writer", archive(t, "./main.tf", `resource "terraform_data" "a" {}`), 200, &again)
		if again.BlueprintVersion != first.BlueprintVersion || again.Created {
			t.Fatalf("the same content pushed again: %+v, first %+v", again, first)
		}
		var second apiwire.Configuration
		h.call("POST", path, "writer", archive(t, "main.tf", `resource "terraform_data" "b" {}`), 201, &second)
		r := h.createRelease(apiwire.CreateReleaseRequest{Environment: "web"})
		if r.BlueprintVersion != second.BlueprintVersion {
			t.Fatalf("release runs %q, want the newest push %q", r.BlueprintVersion, second.BlueprintVersion)
		}
		named := h.createRelease(apiwire.CreateReleaseRequest{Environment: "web", BlueprintVersion: first.BlueprintVersion})
		if named.BlueprintVersion != first.BlueprintVersion {
			t.Fatalf("release naming %q runs %q", first.BlueprintVersion, named.BlueprintVersion)
		}
	})
	t.Run("refuses unsafe or oversized archives and stores nothing", func(t *testing.T) {
		h := newHarness(t, func(c *api.Config) { c.MaxUploadBody = 2048 })
		h.env("web", uploadEnv)
		for _, c := range []struct {
			what   string
			body   []byte
			status int
			says   string
		}{
			{"traversal", archive(t, "main.tf", "x", "../../etc/cron.d/evil", "x"), 400, "../../etc/cron.d/evil"},
			{"symbolic link", archive(t, "main.tf", "x", "creds.tf->/root/.aws/credentials", ""), 400, "links are not accepted"},
			{"not gzip", []byte("just text"), 400, "not gzip"},
			{"over the limit", archive(t, "main.tf", "x", "big.bin", randomText(8192)), 413, "too large"},
		} {
			e := h.fails("POST", path, "writer", c.body, c.status)
			if !strings.Contains(strings.ToLower(e.Error.Message), strings.ToLower(c.says)) {
				t.Errorf("%s: message %q does not say %q", c.what, e.Error.Message, c.says)
			}
			if c.status == 400 && e.Error.Field != "archive" {
				t.Errorf("%s: field %q, want archive", c.what, e.Error.Field)
			}
		}
		if n := h.blueprints("web"); n != 0 {
			t.Fatalf("%d blueprints stored from refused archives", n)
		}
		e := h.fails("POST", "/api/v1/releases", "writer", apiwire.CreateReleaseRequest{Environment: "web"}, 400)
		if e.Error.Field != "blueprint_version" || !strings.Contains(e.Error.Message, "shiplog env push web") {
			t.Fatalf("release before any push: %+v", e.Error)
		}
		e = h.fails("POST", "/api/v1/releases", "writer", apiwire.CreateReleaseRequest{Environment: "web", BlueprintVersion: "sha256:000000000000"}, 400)
		if e.Error.Field != "blueprint_version" {
			t.Fatalf("release naming an unknown upload: %+v", e.Error)
		}
	})
	t.Run("needs the write scope", func(t *testing.T) {
		h := newHarness(t)
		h.env("web", uploadEnv)
		h.fails("POST", path, "reader", archive(t, "main.tf", "x"), 403)
	})
}

// randomText is n bytes gzip cannot shrink much.
func randomText(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}

// Git credentials are sealed: the API shows them blank, and an update that
// leaves them blank keeps them.
func TestGitSourceCredentialsNeverShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const token = "ghp_supersecrettoken123"
	h.env("infra", func(r *apiwire.EnvironmentRequest) {
		r.Source = release.Source{GitURL: "file:///srv/infra.git", GitRef: "main", GitToken: token}
	})
	code, body := h.do("GET", "/api/v1/environments/infra", "reader", nil)
	if code != 200 || strings.Contains(string(body), token) || !strings.Contains(string(body), `"kind":"git"`) {
		t.Fatalf("GET environment: %d %s", code, body)
	}
	var stored string
	if err := h.st.Pool().QueryRow(context.Background(), `SELECT source::text FROM environments WHERE name = 'infra'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, token) {
		t.Fatalf("the token is in clear in the database: %s", stored)
	}
	h.call("PUT", "/api/v1/environments/infra", "admin", apiwire.EnvironmentRequest{Source: release.Source{GitURL: "file:///srv/infra.git", GitRef: "v2"}}, 200, nil)
	env, err := h.st.EnvironmentForRun(context.Background(), "infra")
	if err != nil {
		t.Fatal(err)
	}
	if env.Source.GitToken != token || env.Source.GitRef != "v2" {
		t.Fatalf("after an update without the token: ref %q, token kept %v", env.Source.GitRef, env.Source.GitToken == token)
	}
}
