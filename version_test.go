package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionOfACheckoutBuild clones this repository into a temporary
// directory, with this tree's files committed on top of its HEAD (so that
// the code under test is what is built), builds the command there as a
// user does from a checkout (`go build .`), and checks that --version names
// the commit, then "-dirty" once a tracked file is changed, from Go's build
// info; and that goreleaser's ldflags (-X main.version=) still win.
//
// The build asks for VCS stamping explicitly (-buildvcs=auto, Go's default)
// because GOFLAGS may turn it off, and builds a clone rather than this tree
// because Go does not stamp builds inside a `git worktree`.
func TestVersionOfACheckoutBuild(t *testing.T) {
	t.Parallel()
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("git rev-parse --show-toplevel (this test needs a git checkout): %v", err)
	}
	root := strings.TrimSpace(string(top))
	src := filepath.Join(t.TempDir(), "src")
	git(t, "", "clone", "-q", root, src)
	files, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for name := range strings.SplitSeq(strings.TrimRight(string(files), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(root, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in this tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, src, "add", "-A")
	git(t, src, "-c", "user.name=test", "-c", "user.email=test@localhost", "commit", "-q", "--allow-empty", "-m", "the tree under test")
	head, err := exec.Command("git", "-C", src, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	rev := strings.TrimSpace(string(head))
	bin := t.TempDir()

	t.Run("clean checkout", func(t *testing.T) {
		want := "dev+" + rev[:12]
		if got := versionOutput(t, build(t, src, filepath.Join(bin, "clean"))); got != want {
			t.Errorf("--version of a clean checkout's build = %q, want %q", got, want)
		}
	})
	t.Run("goreleaser ldflags", func(t *testing.T) {
		got := versionOutput(t, build(t, src, filepath.Join(bin, "release"), "-ldflags", "-X main.version=1.4.2"))
		if got != "1.4.2" {
			t.Errorf("--version of a build with -X main.version=1.4.2 = %q, want 1.4.2", got)
		}
	})
	t.Run("modified checkout", func(t *testing.T) {
		readme := filepath.Join(src, "README.md")
		b, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(readme, append(b, "\nchanged\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		want := "dev+" + rev[:12] + "-dirty"
		if got := versionOutput(t, build(t, src, filepath.Join(bin, "dirty"))); got != want {
			t.Errorf("--version of a modified checkout's build = %q, want %q", got, want)
		}
	})
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// build runs `go build` of the command in src into bin. Without -trimpath
// the dependencies (client-go, controller-runtime…) come from the build
// cache `go test` filled; only the clone's own packages are compiled.
func build(t *testing.T, src, bin string, flags ...string) string {
	t.Helper()
	args := append(append([]string{"build", "-buildvcs=auto", "-o", bin}, flags...), ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

func versionOutput(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
	return strings.TrimSpace(string(out))
}
