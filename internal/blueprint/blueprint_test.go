package blueprint_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
)

type entry struct {
	name, body string
	typ        byte
	link       string
}

func tarGz(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: typ, Linkname: e.link}
		if typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// repack is Repack with the default limits.
func repack(r io.Reader) ([]byte, string, error) {
	return blueprint.Repack(context.Background(), r, blueprint.Limits{})
}

func TestRepackMatchesPackOfTheSameFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "modules", "net"), 0o755)
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte("# main\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "modules", "net", "net.tf"), []byte("# net\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".terraform"), 0o755)
	os.WriteFile(filepath.Join(dir, ".terraform", "junk"), []byte("x"), 0o644)
	_, packed, err := blueprint.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	archive, repacked, err := repack(bytes.NewReader(tarGz(t,
		entry{name: "./modules/", typ: tar.TypeDir}, entry{name: "./modules/net/net.tf", body: "# net\n"}, entry{name: "main.tf", body: "# main\n"})))
	if err != nil {
		t.Fatal(err)
	}
	if packed != repacked {
		t.Fatalf("directory version %s, upload version %s: the same files must give the same version", packed, repacked)
	}
	out := t.TempDir()
	if err := blueprint.Unpack(archive, out); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "modules", "net", "net.tf")); err != nil || string(b) != "# net\n" {
		t.Fatalf("unpacked module file: %q %v", b, err)
	}
}

func TestRepackRefusesUnsafeEntries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		what  string
		entry entry
	}{
		{"parent traversal", entry{name: "../evil.tf", body: "x"}},
		{"nested traversal", entry{name: "a/../../evil.tf", body: "x"}},
		{"absolute path", entry{name: "/etc/evil.tf", body: "x"}},
		{"symbolic link", entry{name: "link.tf", typ: tar.TypeSymlink, link: "/etc/passwd"}},
		{"hard link", entry{name: "hard.tf", typ: tar.TypeLink, link: "main.tf"}},
		{"device", entry{name: "dev", typ: tar.TypeChar}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			_, _, err := repack(bytes.NewReader(tarGz(t, entry{name: "main.tf", body: "ok"}, tc.entry)))
			var ee *blueprint.EntryError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v, want an EntryError", err)
			}
			if ee.Entry != tc.entry.name {
				t.Fatalf("error names %q, want %q", ee.Entry, tc.entry.name)
			}
		})
	}
	t.Run("name not UTF-8", func(t *testing.T) {
		_, _, err := repack(bytes.NewReader(tarGz(t, entry{name: "main.tf", body: "ok"}, entry{name: "a\xffb.tf", body: "x"})))
		var ee *blueprint.EntryError
		if !errors.As(err, &ee) || ee.Entry != "a\uFFFDb.tf" || ee.Reason != "its name is not valid UTF-8" {
			t.Fatalf("got %v, want an EntryError naming a\uFFFDb.tf", err)
		}
	})
	t.Run("duplicate path", func(t *testing.T) {
		_, _, err := repack(bytes.NewReader(tarGz(t, entry{name: "main.tf", body: "a"}, entry{name: "./main.tf", body: "b"})))
		var ee *blueprint.EntryError
		if !errors.As(err, &ee) {
			t.Fatalf("got %v, want an EntryError", err)
		}
	})
	t.Run("not gzip", func(t *testing.T) {
		if _, _, err := repack(bytes.NewReader([]byte("plain text"))); err == nil {
			t.Fatal("plain text accepted as an archive")
		}
	})
	t.Run("no files", func(t *testing.T) {
		if _, _, err := repack(bytes.NewReader(tarGz(t, entry{name: "dir/", typ: tar.TypeDir}))); err == nil {
			t.Fatal("an archive of only directories accepted")
		}
	})
}

// A version a release names is a label, or a content version exactly: a
// label that looks like a content version (any case, spaces, another
// length) is refused, so none passes for another configuration's content.
func TestCheckVersion(t *testing.T) {
	for _, ok := range []string{"", "v1.4.2", "release-2026-12-04", "sha256:0835e88cc291"} {
		if err := blueprint.CheckVersion(ok); err != nil {
			t.Errorf("CheckVersion(%q): %v, want it taken", ok, err)
		}
	}
	for _, bad := range []string{"sha256:0835e88cc291 ", " v1", "SHA256:0835E88CC291", "sha256:0835E88CC291", "sha256:0835e88cc2",
		"sha256:zz", "sha256:0835e88cc291aaaa", "v1\n", strings.Repeat("v", 129)} {
		if err := blueprint.CheckVersion(bad); err == nil {
			t.Errorf("CheckVersion(%q) took it, want a refusal", bad)
		}
	}
}
