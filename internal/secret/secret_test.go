package secret

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	box, err := FromEnvOrFile("", filepath.Join(t.TempDir(), "k", "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "hunter2") {
		t.Fatalf("sealed value %q", sealed)
	}
	if !IsSealed(sealed) {
		t.Fatalf("sealed value %q", sealed)
	}
	again, err := box.Seal("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if again == sealed {
		t.Fatal("sealing is deterministic: equal secrets would show as equal")
	}
	got, err := box.Open(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if got != "hunter2" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := box.Open("hunter2"); err == nil {
		t.Fatal("opened a clear value")
	}
	other, err := New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(sealed); err == nil || !strings.Contains(err.Error(), "key") {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestKeyFileIsPrivateAndReused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secret.key")
	a, err := FromEnvOrFile("", path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	b, err := FromEnvOrFile("", path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Seal("x")
	if err != nil {
		t.Fatal(err)
	}
	v, err := b.Open(s)
	if err != nil {
		t.Fatal(err)
	}
	if v != "x" {
		t.Fatal("a second process did not get the same key")
	}
	env := base64.StdEncoding.EncodeToString(make([]byte, 32))
	if _, err := FromEnvOrFile(env, path); err != nil {
		t.Fatal(err)
	}
	if _, err := FromEnvOrFile("not base64!", path); err == nil {
		t.Fatal("accepted a bad SHIPLOG_SECRET_KEY")
	}
	if _, err := FromEnvOrFile(base64.StdEncoding.EncodeToString([]byte("short")), path); err == nil {
		t.Fatal("accepted a short key")
	}
}
