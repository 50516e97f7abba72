// Package gitsource fetches one commit of a configuration held in git,
// with the git command: a shallow fetch of the ref into an empty
// repository, checked out without hooks, credentials passed only through
// git's environment (never the command line, a URL or a log line).
package gitsource

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Checkout is a fetched commit in a directory of its own.
type Checkout struct {
	// Commit is the full SHA the ref named when fetched.
	Commit string
	// Root is the configuration's root module: the repository's
	// subdirectory of the source, inside Dir.
	Root string
	// Dir holds the checkout; Remove deletes it.
	Dir string
}

// Remove deletes the checkout (and any key file it held).
func (c *Checkout) Remove() error { return os.RemoveAll(c.Dir) }

// Fetch checks out src's ref (a branch, tag or commit; HEAD when empty)
// into a new directory under parent. GitToken goes to HTTPS servers as the
// password of GitUser (default x-access-token) in an Authorization header
// set through git's environment; GitSSHKey is written 0600 for ssh only
// while git runs. Only the file, git, http, https and ssh transports are
// allowed. Errors carry git's message with the credentials masked.
func Fetch(ctx context.Context, src release.Source, parent string) (*Checkout, error) {
	if src.GitURL == "" {
		return nil, errors.New("git source without a URL")
	}
	ref := src.GitRef
	if ref == "" {
		ref = "HEAD"
	}
	if strings.HasPrefix(ref, "-") {
		return nil, fmt.Errorf("git ref %q is not a branch, tag or commit", ref)
	}
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, fmt.Errorf("git checkout directory: %w", err)
	}
	dir, err := os.MkdirTemp(parent, "git-")
	if err != nil {
		return nil, fmt.Errorf("git checkout directory: %w", err)
	}
	co := &Checkout{Dir: dir, Root: filepath.Join(dir, "repo")}
	ok := false
	defer func() {
		if !ok {
			co.Remove()
		}
	}()
	g := &git{dir: co.Root, env: []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + dir,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_ALLOW_PROTOCOL=file:git:http:https:ssh",
		"GIT_ASKPASS=/bin/false",
	}}
	var cfg [][2]string
	if src.GitToken != "" {
		user := src.GitUser
		if user == "" {
			user = "x-access-token"
		}
		cfg = append(cfg, [2]string{"http.extraHeader", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+src.GitToken))})
		g.secrets = append(g.secrets, src.GitToken)
	}
	ssh := "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new"
	if src.GitSSHKey != "" {
		keyFile := filepath.Join(dir, "key")
		key := src.GitSSHKey
		if !strings.HasSuffix(key, "\n") {
			key += "\n"
		}
		if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
			return nil, fmt.Errorf("writing the git SSH key: %w", err)
		}
		defer os.Remove(keyFile)
		ssh += " -o IdentitiesOnly=yes -i " + keyFile
		g.secrets = append(g.secrets, strings.TrimSpace(src.GitSSHKey))
	}
	g.env = append(g.env, "GIT_SSH_COMMAND="+ssh)
	// hooks never run: core.hooksPath points nowhere
	cfg = append(cfg, [2]string{"core.hooksPath", "/dev/null"}, [2]string{"advice.detachedHead", "false"})
	g.env = append(g.env, fmt.Sprintf("GIT_CONFIG_COUNT=%d", len(cfg)))
	for i, kv := range cfg {
		g.env = append(g.env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, kv[0]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, kv[1]))
	}
	if err := os.Mkdir(co.Root, 0o700); err != nil {
		return nil, err
	}
	if _, err := g.run(ctx, "init", "-q"); err != nil {
		return nil, err
	}
	if _, err := g.run(ctx, "fetch", "-q", "--depth", "1", "--no-tags", "--", src.GitURL, ref); err != nil {
		return nil, fmt.Errorf("fetching %s at %s: %w", src.GitURL, ref, err)
	}
	if _, err := g.run(ctx, "checkout", "-q", "FETCH_HEAD"); err != nil {
		return nil, fmt.Errorf("checking out %s at %s: %w", src.GitURL, ref, err)
	}
	sha, err := g.run(ctx, "rev-parse", "FETCH_HEAD")
	if err != nil {
		return nil, err
	}
	co.Commit = strings.TrimSpace(sha)
	if src.GitSubdir != "" {
		if !filepath.IsLocal(src.GitSubdir) {
			return nil, fmt.Errorf("git subdirectory %q is not inside the repository", src.GitSubdir)
		}
		root := filepath.Join(co.Root, src.GitSubdir)
		if fi, err := os.Lstat(root); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%s at %s (commit %s) has no directory %s", src.GitURL, ref, co.Commit, src.GitSubdir)
		}
		co.Root = root
	}
	ok = true
	return co, nil
}

// git runs git commands in dir with env alone.
type git struct {
	dir     string
	env     []string
	secrets []string
}

func (g *git) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.dir
	cmd.Env = g.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		for _, s := range g.secrets {
			msg = strings.ReplaceAll(msg, s, "***")
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out.String(), nil
}
