//go:build unix

package worker

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/gitsource"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// DefaultTerraformUIDBase is where the uid slots of installations begin:
// far above system (< 1000) and login users (< 60000, or LDAP/SSSD ranges
// that rarely reach 2^30), and below 2^31, above which some tools read ids
// as negative numbers.
const DefaultTerraformUIDBase = 1 << 30

// UIDSlotSize is how many ids one installation's uid range holds, derived
// or set by --terraform-uid-base: environment N runs as base + N, and
// 0 < N < UIDSlotSize.
const UIDSlotSize = 1 << 18

// uidSlots is how many slots [2^30, 2^31) holds.
const uidSlots = DefaultTerraformUIDBase / UIDSlotSize

// minTerraformUIDBase keeps derived ids clear of system and login users.
const minTerraformUIDBase = 1 << 16

// maxUID is the largest usable id ((uid_t)-1 means "unchanged").
const maxUID = 1<<32 - 2

// InstallationUIDBase is the uid base of the installation whose worker
// directory is workDir, when --terraform-uid-base is not given: the first
// 8 bytes of the SHA-256 of the directory's absolute, cleaned path pick one
// of the 4096 slots of UIDSlotSize ids in [2^30, 2^31). Two installations
// on one machine (two data directories) so run their environments under
// different uids; the worker refuses to start when another installation's
// processes hold its range (checkUIDRange).
func InstallationUIDBase(workDir string) (uint32, error) {
	abs, err := filepath.Abs(workDir)
	if err != nil {
		return 0, fmt.Errorf("deriving the terraform uid base from %s: %w", workDir, err)
	}
	sum := sha256.Sum256([]byte(filepath.Clean(abs)))
	slot := binary.BigEndian.Uint64(sum[:8]) % uidSlots
	return DefaultTerraformUIDBase + uint32(slot)*UIDSlotSize, nil
}

// tfUser is who terraform runs as for one release.
type tfUser struct {
	name     string // for messages: a user name, or "uid N"
	uid, gid uint32
}

// tfIdentity decides who terraform runs as when the worker is root; nil
// when the worker is not root (it then runs terraform as itself).
type tfIdentity struct {
	// shared is --terraform-user: every environment's terraform runs as
	// this one user (weaker: environments can read each other's processes).
	shared *tfUser
	// base: otherwise, environment N runs as uid and gid base+N, ids with
	// no passwd entry that no other environment and no user has; limit is
	// the number of ids above base the installation may use.
	base, limit uint32
	// setpriv (util-linux) switches the ids: tfexec sets its own
	// SysProcAttr, so the switch cannot be made there.
	setpriv string
}

// lookupTerraformIdentity resolves --terraform-user and
// --terraform-uid-base (0: derived from workDir, InstallationUIDBase) when
// the worker is root. It refuses root and a base low enough to reach system
// or login users.
func lookupTerraformIdentity(name string, base uint32, workDir string, log func(string, ...any)) (*tfIdentity, error) {
	if os.Geteuid() != 0 {
		if name != "" {
			log("--terraform-user is ignored: the worker is not root, so terraform runs as the worker's own user (dedicate that user to shiplog)")
		}
		return nil, nil
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return nil, errors.New("running terraform as an unprivileged user needs setpriv (util-linux): install it, or run the worker as a dedicated non-root user")
	}
	id := &tfIdentity{setpriv: setpriv}
	if name == "" {
		if base == 0 {
			if base, err = InstallationUIDBase(workDir); err != nil {
				return nil, err
			}
		}
		if base < minTerraformUIDBase {
			return nil, fmt.Errorf("--terraform-uid-base %d is below %d: environments' terraform would run as system or login users' ids", base, minTerraformUIDBase)
		}
		if base > maxUID-(UIDSlotSize-1) {
			return nil, fmt.Errorf("--terraform-uid-base %d leaves no room for %d environments below uid %d", base, UIDSlotSize-1, uint32(maxUID))
		}
		id.limit = UIDSlotSize - 1
		id.base = base
		return id, nil
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
	id.shared = &tfUser{name: name, uid: uint32(uid), gid: uint32(gid)}
	return id, nil
}

// owns reports whether uid is one terraform may run as.
func (id *tfIdentity) owns(uid uint32) bool {
	if id.shared != nil {
		return uid == id.shared.uid
	}
	return uid >= id.base && uid-id.base <= id.limit
}

// forEnvironment is who terraform runs as for an environment: the shared
// user, or uid and gid base + the environment's id, refused if that id
// does not fit or belongs to a user of the system.
func (id *tfIdentity) forEnvironment(env *release.Environment) (*tfUser, error) {
	if id.shared != nil {
		return id.shared, nil
	}
	if env.ID <= 0 || uint64(env.ID) > uint64(id.limit) {
		return nil, fmt.Errorf("environment %s (id %d) has no uid in this installation's range (%d + at most %d): set --terraform-uid-base", env.Name, env.ID, id.base, id.limit)
	}
	uid := id.base + uint32(env.ID)
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return nil, fmt.Errorf("environment %s would run terraform as uid %d, which is user %s's: choose another --terraform-uid-base", env.Name, uid, u.Username)
	}
	return &tfUser{name: "uid " + strconv.FormatUint(uint64(uid), 10), uid: uid, gid: uid}, nil
}

// writeLauncher writes the script that runs terraform as u into dir
// (root's, 0711: u cannot replace it) and returns its path.
func (id *tfIdentity) writeLauncher(u *tfUser, dir, terraformPath string) (string, error) {
	launcher := filepath.Join(dir, "terraform-launcher")
	script := fmt.Sprintf("#!/bin/sh\n# Written by shiplog: terraform as %s, never as root.\nexec %s --reuid=%d --regid=%d --clear-groups --no-new-privs --pdeathsig=SIGKILL -- %s \"$@\"\n",
		u.name, strconv.Quote(id.setpriv), u.uid, u.gid, strconv.Quote(terraformPath))
	if err := os.Remove(launcher); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("replacing the terraform launcher: %w", err)
	}
	f, err := os.OpenFile(launcher, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o700)
	if err != nil {
		return "", fmt.Errorf("writing the terraform launcher: %w", err)
	}
	_, err = f.WriteString(script)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing the terraform launcher: %w", err)
	}
	return launcher, nil
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
	if err == nil && ru.tfUser != nil {
		err = os.Chown(path, int(ru.tfUser.uid), int(ru.tfUser.gid))
	}
	return err
}

// dropPrivileges readies a root worker to run terraform unprivileged: who
// it runs as, and a way through to the working copies.
func (w *Worker) dropPrivileges() error {
	if w.cfg.StateBackend == BackendPG {
		// terraform's pg backend needs the database: only kept to compare
		w.log.Warn("the pg state backend needs database access: terraform keeps the worker's privileges")
		return nil
	}
	id, err := lookupTerraformIdentity(w.cfg.TerraformUser, w.cfg.TerraformUIDBase, w.cfg.WorkDir, func(msg string, args ...any) { w.log.Warn(msg, args...) })
	if err != nil || id == nil {
		return err
	}
	// the embedded database runs as postgres, or nobody without one:
	// terraform must not run as the user that owns it
	pgDir := filepath.Join(filepath.Dir(w.cfg.WorkDir), "postgres")
	if fi, err := os.Stat(pgDir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && id.owns(st.Uid) {
			return fmt.Errorf("terraform would run as uid %d, which runs the embedded database (it owns %s): configuration code could read it; name another --terraform-user or --terraform-uid-base", st.Uid, pgDir)
		}
	}
	releases := filepath.Join(w.cfg.WorkDir, "releases")
	if err := id.checkUIDRange(releases); err != nil {
		return err
	}
	if err := os.Chmod(releases, 0o711); err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	if err := reachable(releases); err != nil {
		return err
	}
	w.tfIdentity = id
	if id.shared != nil {
		w.log.Warn("every environment's terraform runs as one user (--terraform-user): one environment's configuration can read another's running terraform; leave --terraform-user unset for an id per environment", "user", id.shared.name, "uid", id.shared.uid)
	} else {
		w.log.Info("each environment's terraform runs as its own uid: --terraform-uid-base + environment id", "base", id.base)
	}
	return nil
}

// checkUIDRange refuses a uid range another installation's processes
// hold: a process running as one of the range's ids whose working
// directory is not among this installation's working copies (releases).
// This installation's own (left by a worker that was killed) are swept
// before their environment's next release.
func (id *tfIdentity) checkUIDRange(releases string) error {
	if id.shared != nil {
		return nil
	}
	procs, err := processesWithUID(id.base+1, id.base+id.limit)
	if errors.Is(err, errNoProcessList) {
		return nil // (not Linux: nothing to check with)
	}
	if err != nil {
		return fmt.Errorf("checking that no other installation runs as uids %d-%d: %w", id.base+1, id.base+id.limit, err)
	}
	for _, p := range procs {
		if p.cwd == releases || strings.HasPrefix(p.cwd, releases+string(filepath.Separator)) {
			continue
		}
		return fmt.Errorf("uids %d-%d, where this installation's environments run terraform, are held by %s, which is not this installation's (its working copies are in %s): stop that process, or choose another range with --terraform-uid-base",
			id.base+1, id.base+id.limit, p, releases)
	}
	return nil
}

// gitOptions make git run as the environment's uid, in directories it
// owns (zero Options: as the worker, when terraform does too).
func (ru *run) gitOptions(parent string) (gitsource.Options, error) {
	u := ru.tfUser
	if u == nil {
		return gitsource.Options{}, nil
	}
	// the uid passes through parent (and the worker directory) to the
	// checkout it owns, without listing anything
	if err := os.MkdirAll(parent, 0o711); err != nil {
		return gitsource.Options{}, fmt.Errorf("git checkout directory: %w", err)
	}
	if err := reachable(parent); err != nil {
		return gitsource.Options{}, err
	}
	return gitsource.Options{
		As: func(cmd *exec.Cmd) {
			cmd.SysProcAttr = childAttr()
			runAs(cmd, u)
		},
		Own: func(path string) error { return os.Lchown(path, int(u.uid), int(u.gid)) },
	}, nil
}

// checkReadable refuses a dir source the environment's uid cannot read
// entirely (a directory it cannot list or enter, a file it cannot read):
// the worker reads it on the environment's behalf and must read no more
// than the environment could. The check is made as the uid (find's
// -readable asks the kernel with the caller's real ids).
func (ru *run) checkReadable(ctx context.Context, dir string) error {
	u := ru.tfUser
	if u == nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, ru.w.tfIdentity.setpriv, "--reuid="+strconv.FormatUint(uint64(u.uid), 10),
		"--regid="+strconv.FormatUint(uint64(u.gid), 10), "--clear-groups", "--no-new-privs", "--",
		"find", dir, "(", "-name", ".terraform", "-o", "-name", ".git", ")", "-type", "d", "-prune", "-o",
		"(", "-type", "d", "(", "!", "-readable", "-o", "!", "-executable", ")", "-o", "-type", "f", "!", "-readable", ")", "-print", "-quit")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	what := strings.TrimSpace(stdout.String())
	if what == "" {
		what = firstLine(strings.TrimSpace(stderr.String()))
	}
	if err != nil || what != "" {
		if what == "" {
			what = err.Error()
		}
		return fmt.Errorf("configuration directory %s of environment %s is not readable by the environment's %s (%s): the worker reads a dir source only as far as the environment may; make it readable by that uid (or others)", dir, ru.env.Name, u.name, what)
	}
	return nil
}

// resolveUser decides who terraform runs as for the run's environment
// (ru.tfUser; nil: the worker's own user).
func (ru *run) resolveUser() error {
	if ru.w.tfIdentity == nil {
		return nil
	}
	u, err := ru.w.tfIdentity.forEnvironment(ru.env)
	if err != nil {
		return err
	}
	ru.tfUser = u
	return nil
}

// handOver gives the working copy to the environment's terraform uid: the
// release's directory stays root's (0711, so the uid cannot swap what is
// in it), the configuration and shiplog's files for terraform (with HOME)
// become the uid's (0700: no other environment reaches them), and
// terraform is started through a launcher that switches to it.
func (ru *run) handOver() error {
	id, u := ru.w.tfIdentity, ru.tfUser
	if id == nil || u == nil {
		return nil
	}
	if err := os.Chmod(ru.dir, 0o711); err != nil {
		return fmt.Errorf("working copy: %w", err)
	}
	for _, d := range []string{ru.config, ru.state} {
		if err := os.Chmod(d, 0o700); err != nil {
			return fmt.Errorf("working copy: %w", err)
		}
		if err := u.give(d); err != nil {
			return err
		}
	}
	launcher, err := id.writeLauncher(u, ru.dir, ru.w.cfg.TerraformPath)
	if err != nil {
		return err
	}
	ru.tf.execPath = launcher
	return nil
}
