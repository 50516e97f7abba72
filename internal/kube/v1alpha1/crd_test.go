package v1alpha1_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCRDsAreGenerated fails when the CRD manifests checked in under
// templates/releases/crd differ from what controller-gen writes from the
// Go types (run `make generate`). It runs the pinned controller-gen that
// scripts/k8s/build.sh builds (make test does), and fails without it.
func TestCRDsAreGenerated(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(root, ".bin", "k8s", "controller-gen")
	if _, err := os.Stat(gen); err != nil {
		t.Fatalf("no controller-gen at %s: run scripts/k8s/build.sh (make test does)", gen)
	}
	out := t.TempDir()
	cmd := exec.Command(gen, "crd:maxDescLen=400", "paths=./internal/kube/v1alpha1", "output:crd:dir="+out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen: %v\n%s", err, b)
	}
	for _, name := range []string{"shiplog.dev_releases.yaml", "shiplog.dev_releasetemplates.yaml"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, "templates", "releases", "crd", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("templates/releases/crd/%s differs from what the Go types generate: run make generate", name)
		}
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("controller-gen wrote %d manifests, the test knows 2", len(entries))
	}
}
