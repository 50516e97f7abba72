package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoServer means no PostgreSQL server binaries could be found.
var ErrNoServer = errors.New("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found in PATH, `pg_config --bindir` or /usr/lib/postgresql/*/bin: " +
	"install the PostgreSQL server package (Debian/Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server; macOS: brew install postgresql), " +
	"or point shiplog at an existing database with --database-url / SHIPLOG_DATABASE_URL")

var serverTools = []string{"initdb", "pg_ctl", "postgres"}

// FindBinDir returns a directory holding initdb, pg_ctl and postgres. It
// looks at want (if set), then PATH, then `pg_config --bindir`, then the
// usual package locations, newest major version first.
func FindBinDir(ctx context.Context, want string) (string, error) {
	if want != "" {
		if hasServerTools(want) {
			return want, nil
		}
		return "", fmt.Errorf("PostgreSQL bin directory %s lacks one of %v", want, serverTools)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(p); hasServerTools(dir) {
			return dir, nil
		}
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		out, err := exec.CommandContext(ctx, pgConfig, "--bindir").Output()
		if dir := strings.TrimSpace(string(out)); err == nil && hasServerTools(dir) {
			return dir, nil
		}
	}
	var candidates []string
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql*/bin", "/usr/local/opt/postgresql*/bin"} {
		m, _ := filepath.Glob(pattern)
		candidates = append(candidates, m...)
	}
	sort.SliceStable(candidates, func(i, j int) bool { return majorOf(candidates[i]) > majorOf(candidates[j]) })
	for _, dir := range candidates {
		if hasServerTools(dir) {
			return dir, nil
		}
	}
	return "", ErrNoServer
}

func hasServerTools(dir string) bool {
	for _, t := range serverTools {
		fi, err := os.Stat(filepath.Join(dir, t))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// majorOf pulls the first number out of a path like /usr/lib/postgresql/15/bin.
func majorOf(path string) int {
	for _, part := range strings.Split(path, string(filepath.Separator)) {
		digits := strings.TrimLeft(part, "abcdefghijklmnopqrstuvwxyz@-")
		if n, err := strconv.Atoi(digits); err == nil {
			return n
		}
	}
	return 0
}
