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
	"io/fs"
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

// Options are how Fetch runs git.
type Options struct {
	// As, if set, makes cmd (git) run as another user; Own hands a
	// directory or file Fetch made to that user. Both or neither.
	As  func(cmd *exec.Cmd)
	Own func(path string) error
}

// Fetch checks out src's ref (a branch, tag or commit; HEAD when empty)
// into a new directory under parent. GitToken goes to HTTPS servers as the
// password of GitUser (default x-access-token) in an Authorization header
// set through git's environment; GitSSHKey is written 0600 for ssh only
// while git runs. Only the file, git, http, https and ssh transports are
// allowed. Errors carry git's message with the credentials masked.
//
// opts.As, when set, makes every git command and the files it writes
// another user's (the environment's): git never runs with the caller's
// privileges. The checkout's subdirectory is resolved inside the
// repository: a committed symbolic link that leads out of it is refused
// with an error naming it.
func Fetch(ctx context.Context, src release.Source, parent string, opts Options) (*Checkout, error) {
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
	own := func(path string) error {
		if opts.Own == nil {
			return nil
		}
		return opts.Own(path)
	}
	if err := own(dir); err != nil {
		return nil, fmt.Errorf("git checkout directory: %w", err)
	}
	g := &git{dir: co.Root, as: opts.As, env: []string{
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
		if err := own(keyFile); err != nil {
			return nil, fmt.Errorf("writing the git SSH key: %w", err)
		}
		defer os.Remove(keyFile)
		ssh += " -o IdentitiesOnly=yes -i " + keyFile
		g.secrets = append(g.secrets, strings.TrimSpace(src.GitSSHKey))
	}
	g.env = append(g.env, "GIT_SSH_COMMAND="+ssh)
	// hooks never run: core.hooksPath points nowhere
	cfg = append(cfg, [2]string{"core.hooksPath", "/dev/null"}, [2]string{"advice.detachedHead", "false"})
	if opts.As != nil {
		// git runs as a user that owns no repository it reads (a file://
		// source is someone else's): it may, with that user's rights alone.
		// safe.directory counts only in global configuration, the one
		// git's upload-pack of a local source reads too.
		global := filepath.Join(dir, "gitconfig")
		if err := os.WriteFile(global, []byte("[safe]\n\tdirectory = *\n"), 0o644); err != nil {
			return nil, fmt.Errorf("writing git's configuration: %w", err)
		}
		for i, e := range g.env {
			if e == "GIT_CONFIG_GLOBAL=/dev/null" {
				g.env[i] = "GIT_CONFIG_GLOBAL=" + global
			}
		}
	}
	g.env = append(g.env, fmt.Sprintf("GIT_CONFIG_COUNT=%d", len(cfg)))
	for i, kv := range cfg {
		g.env = append(g.env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, kv[0]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, kv[1]))
	}
	if err := os.Mkdir(co.Root, 0o700); err != nil {
		return nil, err
	}
	if err := own(co.Root); err != nil {
		return nil, fmt.Errorf("git checkout directory: %w", err)
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
		root, err := subdir(co.Root, src.GitSubdir)
		if err != nil {
			return nil, fmt.Errorf("%s at %s (commit %s): %w", src.GitURL, ref, co.Commit, err)
		}
		co.Root = root
	}
	ok = true
	return co, nil
}

// subdir resolves sub inside the repository at repo, component by
// component: each must be a directory of the repository, and a committed
// symbolic link is followed only while it stays inside the repository. A
// link that leads out of it (or anything else) is an error naming it.
func subdir(repo, sub string) (string, error) {
	if !filepath.IsLocal(sub) {
		return "", fmt.Errorf("git subdirectory %q is not inside the repository", sub)
	}
	repoReal, err := filepath.EvalSymlinks(repo)
	if err != nil {
		return "", err
	}
	cur := repoReal
	done := ""
	for _, part := range strings.Split(filepath.Clean(sub), string(filepath.Separator)) {
		done = filepath.Join(done, part)
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if err != nil {
			return "", fmt.Errorf("git subdirectory %s: the repository has no %s", sub, done)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(next)
			real, err := filepath.EvalSymlinks(next)
			rel, rerr := filepath.Rel(repoReal, real)
			if err != nil || rerr != nil || !filepath.IsLocal(rel) || rel == ".git" || strings.HasPrefix(rel, ".git"+string(filepath.Separator)) {
				return "", fmt.Errorf("git subdirectory %s: %s is a symbolic link to %s, which leads out of the repository: refused", sub, done, target)
			}
			next = real
			if fi, err = os.Stat(next); err != nil {
				return "", fmt.Errorf("git subdirectory %s: %s: %w", sub, done, err)
			}
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("git subdirectory %s: %s is not a directory", sub, done)
		}
		cur = next
	}
	return cur, nil
}

// git runs git commands in dir with env alone (as another user when as
// is set).
type git struct {
	dir     string
	env     []string
	secrets []string
	as      func(*exec.Cmd)
}

func (g *git) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.dir
	cmd.Env = g.env
	if g.as != nil {
		g.as(cmd)
	}
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
