package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// DefaultTerraformUser is the system user a worker running as root creates
// (when missing) and runs terraform as, unless told otherwise.
const DefaultTerraformUser = "shiplog-terraform"

// tfUser is the unprivileged user terraform runs as when the worker is
// root; nil when the worker is not root (it then runs terraform as itself).
type tfUser struct {
	name     string
	uid, gid uint32
	// launcher runs terraform as the user: setpriv (util-linux) with the
	// user's ids, no supplementary groups, no new privileges and SIGKILL
	// when the worker dies; tfexec sets its own SysProcAttr, so the switch
	// cannot be made there.
	launcher string
}

// lookupTerraformUser resolves --terraform-user when the worker is root:
// name, or DefaultTerraformUser created with useradd if missing, else
// "nobody". It refuses root.
func lookupTerraformUser(ctx context.Context, name string, log func(string, ...any)) (*tfUser, error) {
	if os.Geteuid() != 0 {
		if name != "" {
			log("--terraform-user is ignored: the worker is not root, so terraform runs as the worker's own user (dedicate that user to shiplog)")
		}
		return nil, nil
	}
	if name == "" {
		name = DefaultTerraformUser
		if _, err := user.Lookup(name); err != nil {
			out, err := exec.CommandContext(ctx, "useradd", "--system", "--user-group", "--no-create-home",
				"--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment", "shiplog runs terraform as this user", name).CombinedOutput()
			if err != nil {
				log("cannot create the terraform user; terraform runs as nobody", "user", name, "error", fmt.Sprintf("%v: %s", err, out))
				name = "nobody"
			} else {
				log("created the system user terraform runs as", "user", name)
			}
		}
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("--terraform-user %s: %w", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("--terraform-user %s: %w", name, err)
	}
	if uid == 0 {
		return nil, fmt.Errorf("--terraform-user %s is root: configuration code would run with shiplog's privileges; name an unprivileged user", name)
	}
	return &tfUser{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
}

// writeLauncher writes the script that runs terraform as the user, into
// dir (root's, 0700).
func (u *tfUser) writeLauncher(dir, terraformPath string) error {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return errors.New("running terraform as an unprivileged user needs setpriv (util-linux): install it, or run the worker as a dedicated non-root user")
	}
	u.launcher = filepath.Join(dir, "terraform-as-"+u.name)
	script := fmt.Sprintf("#!/bin/sh\n# Written by shiplog: terraform as %s, never as root.\nexec %s --reuid=%d --regid=%d --clear-groups --no-new-privs --pdeathsig=SIGKILL -- %s \"$@\"\n",
		u.name, strconv.Quote(setpriv), u.uid, u.gid, strconv.Quote(terraformPath))
	if err := os.WriteFile(u.launcher, []byte(script), 0o700); err != nil {
		return fmt.Errorf("writing the terraform launcher: %w", err)
	}
	return nil
}

// credential is the child credential for commands shiplog starts itself
// (`run` phases).
func (u *tfUser) credential() *syscall.Credential {
	return &syscall.Credential{Uid: u.uid, Gid: u.gid, Groups: []uint32{}}
}

// reachable gives others the search (x, never read) permission on dir and
// each of its parents, so the user can reach its working copies by path
// without listing anything (a data directory 0700 becomes 0711).
func reachable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("letting the terraform user pass through %s: %w", d, err)
			}
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// give hands a tree to the user (without following links).
func (u *tfUser) give(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, int(u.uid), int(u.gid)); err != nil {
			return fmt.Errorf("handing %s to %s: %w", path, u.name, err)
		}
		return nil
	})
}

// readOwnFile makes a file terraform wrote 0600 and reads it. The
// terraform user could have replaced it by a link: that is refused, never
// followed with root's rights.
func readOwnFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if err := f.Chmod(0o600); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// writeOwnFile (re)creates path as a new 0600 file, never through a link,
// and hands it to the terraform user, if any.
func (ru *run) writeOwnFile(path string, data []byte) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && ru.w.tfUser != nil {
		err = os.Chown(path, int(ru.w.tfUser.uid), int(ru.w.tfUser.gid))
	}
	return err
}

// dropPrivileges readies a root worker to run terraform as the terraform
// user: the user, the launcher, and a way through to the working copies.
func (w *Worker) dropPrivileges(ctx context.Context) error {
	if w.cfg.StateBackend == BackendPG {
		// terraform's pg backend needs the database: only kept to compare
		w.log.Warn("the pg state backend needs database access: terraform keeps the worker's privileges")
		return nil
	}
	u, err := lookupTerraformUser(ctx, w.cfg.TerraformUser, func(msg string, args ...any) { w.log.Warn(msg, args...) })
	if err != nil || u == nil {
		return err
	}
	// the embedded database runs as postgres, or nobody without one: the
	// terraform user must not be the one that owns it
	if fi, err := os.Stat(filepath.Join(filepath.Dir(w.cfg.WorkDir), "postgres")); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == u.uid {
			return fmt.Errorf("--terraform-user %s also runs the embedded database (it owns %s): configuration code could read it; create a dedicated user or install PostgreSQL's postgres user", u.name, filepath.Join(filepath.Dir(w.cfg.WorkDir), "postgres"))
		}
	}
	if err := u.writeLauncher(w.cfg.WorkDir, w.cfg.TerraformPath); err != nil {
		return err
	}
	releases := filepath.Join(w.cfg.WorkDir, "releases")
	if err := os.Chmod(releases, 0o711); err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	if err := reachable(releases); err != nil {
		return err
	}
	w.tfUser = u
	w.log.Info("terraform runs as an unprivileged user", "user", u.name, "uid", u.uid)
	return nil
}

// handOver gives the working copy to the terraform user: the release's
// directory stays root's (0711, so the user cannot swap what is in it),
// the configuration and shiplog's files for terraform become the user's,
// and terraform is started through the launcher.
func (ru *run) handOver() error {
	u := ru.w.tfUser
	if u == nil {
		return nil
	}
	if err := os.Chmod(ru.dir, 0o711); err != nil {
		return fmt.Errorf("working copy: %w", err)
	}
	for _, d := range []string{ru.config, ru.state} {
		if err := u.give(d); err != nil {
			return err
		}
	}
	ru.tf.execPath = u.launcher
	return nil
}
