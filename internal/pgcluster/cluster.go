//go:build unix

package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
)

// Cluster is a running embedded PostgreSQL this process holds a share of.
type Cluster struct {
	cfg     Config
	binDir  string
	dataDir string
	sockDir string
	cred    *syscall.Credential
	users   *fileLock
	// Started reports whether this process started the server (false: an
	// already running server was reused).
	Started bool
	// Initialized reports whether this process created the cluster (initdb).
	Initialized bool
}

const port = 5432

// Start starts the cluster in cfg.Dir, or joins it if it is already
// running, and creates cfg.Database if it does not exist. Close leaves it.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Database == "" {
		cfg.Database = "shiplog"
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("embedded database directory %q: %w", cfg.Dir, err)
	}
	cfg.Dir = dir
	binDir, err := FindBinDir(ctx, cfg.BinDir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, binDir: binDir, dataDir: filepath.Join(dir, "data"), sockDir: filepath.Join(dir, "run")}
	if len(c.sockDir)+len("/.s.PGSQL.5432") > 107 {
		return nil, fmt.Errorf("embedded database directory %s is too long for a Unix socket path (limit 107 bytes); use a shorter --data-dir", dir)
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}

	// start.lock serialises starting and stopping; users.lock is held shared
	// by every process using the cluster, so the last one out can tell.
	start, err := openLock(filepath.Join(dir, "start.lock"))
	if err != nil {
		return nil, fmt.Errorf("embedded database in %s: %w", dir, err)
	}
	defer start.close()
	if err := start.lock(ctx, syscall.LOCK_EX); err != nil {
		return nil, err
	}
	defer start.unlock()

	users, err := openLock(filepath.Join(dir, "users.lock"))
	if err != nil {
		return nil, fmt.Errorf("embedded database in %s: %w", dir, err)
	}
	if err := users.lock(ctx, syscall.LOCK_SH); err != nil {
		users.close()
		return nil, err
	}
	c.users = users

	if err := c.ensureInitialized(ctx); err != nil {
		c.leave()
		return nil, err
	}
	running, err := c.running(ctx)
	if err != nil {
		c.leave()
		return nil, err
	}
	if !running {
		if err := c.startServer(ctx); err != nil {
			c.leave()
			return nil, err
		}
		c.Started = true
	}
	if err := c.ensureDatabase(ctx); err != nil {
		c.stopIfLast(context.WithoutCancel(ctx), start)
		return nil, err
	}
	cfg.Logger.Debug("embedded database ready", "dir", dir, "started", c.Started, "initialized", c.Initialized)
	return c, nil
}

// URL is the connection URL for database db ("" means the configured one).
func (c *Cluster) URL(db string) string {
	if db == "" {
		db = c.cfg.Database
	}
	q := url.Values{"host": {c.sockDir}, "port": {strconv.Itoa(port)}, "user": {Superuser}}
	return "postgres:///" + url.PathEscape(db) + "?" + q.Encode()
}

// SocketDir is the directory holding the server's Unix socket.
func (c *Cluster) SocketDir() string { return c.sockDir }

// Close leaves the cluster; the last process to leave stops the server.
func (c *Cluster) Close(ctx context.Context) error {
	if c.users == nil {
		return nil
	}
	start, err := openLock(filepath.Join(c.cfg.Dir, "start.lock"))
	if err != nil {
		c.leave()
		return err
	}
	defer start.close()
	if err := start.lock(ctx, syscall.LOCK_EX); err != nil {
		c.leave()
		return err
	}
	defer start.unlock()
	return c.stopIfLast(ctx, start)
}

// stopIfLast drops this process's share and stops the server if no other
// process holds one. The caller holds start.lock.
func (c *Cluster) stopIfLast(ctx context.Context, _ *fileLock) error {
	c.leave()
	probe, err := openLock(filepath.Join(c.cfg.Dir, "users.lock"))
	if err != nil {
		return err
	}
	defer probe.close()
	last, err := probe.tryLock(syscall.LOCK_EX)
	if err != nil || !last {
		return err
	}
	defer probe.unlock()
	running, err := c.running(ctx)
	if err != nil || !running {
		return err
	}
	if out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.dataDir, "-m", "fast", "-w", "-t", "60"); err != nil {
		return fmt.Errorf("stopping embedded PostgreSQL in %s: %w: %s", c.dataDir, err, out)
	}
	c.cfg.Logger.Debug("embedded database stopped", "dir", c.cfg.Dir)
	return nil
}

func (c *Cluster) leave() {
	if c.users != nil {
		c.users.unlock()
		c.users.close()
		c.users = nil
	}
}

// prepareDirs creates the cluster directory and, when running as root,
// picks the unprivileged user and hands the directory to it.
func (c *Cluster) prepareDirs() error {
	dir := c.cfg.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating embedded database directory: %w", err)
	}
	uid, gid := os.Geteuid(), os.Getegid()
	if uid == 0 {
		u, err := c.unprivilegedUser()
		if err != nil {
			return err
		}
		uid, gid = int(u.Uid), int(u.Gid)
		c.cred = u
		if err := checkReachable(dir, uid, gid); err != nil {
			return err
		}
	}
	for _, d := range []string{dir, c.sockDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", d, err)
		}
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("embedded database directory: %w", err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != uid {
			if os.Geteuid() != 0 {
				return fmt.Errorf("embedded database directory %s belongs to uid %d, not to you (uid %d): choose another --data-dir or fix its owner", d, st.Uid, uid)
			}
			if err := os.Chown(d, uid, gid); err != nil {
				return fmt.Errorf("handing %s to uid %d: %w", d, uid, err)
			}
		}
	}
	if fi, err := os.Stat(c.dataDir); err == nil {
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != uid {
			return fmt.Errorf("PostgreSQL data directory %s belongs to uid %d, but the server would run as uid %d: choose another --data-dir or fix its owner", c.dataDir, st.Uid, uid)
		}
	}
	return nil
}

func (c *Cluster) unprivilegedUser() (*syscall.Credential, error) {
	names := []string{"postgres", "nobody"}
	if c.cfg.RunAs != "" {
		names = []string{c.cfg.RunAs}
	}
	for _, n := range names {
		u, err := user.Lookup(n)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("shiplog runs as root and PostgreSQL refuses root, but none of the users %v exists to run it: create one (useradd postgres) or run shiplog as a normal user", names)
}

// checkReachable fails if uid cannot traverse every parent of dir.
func checkReachable(dir string, uid, gid int) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("embedded database directory: %w", err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		m := fi.Mode().Perm()
		ok := m&0o001 != 0 || (int(st.Gid) == gid && m&0o010 != 0) || (int(st.Uid) == uid && m&0o100 != 0)
		if !ok {
			return fmt.Errorf("embedded database directory %s is not reachable by uid %d, which runs PostgreSQL: %s is mode %o; choose a --data-dir outside it (e.g. /var/lib/shiplog)", dir, uid, p, m)
		}
		if p == "/" || p == filepath.Dir(p) {
			return nil
		}
	}
}

func (c *Cluster) ensureInitialized(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	if entries, err := os.ReadDir(c.dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s exists and is not empty but holds no PostgreSQL cluster (no PG_VERSION): move it away or choose another --data-dir", c.dataDir)
	}
	args := []string{"-D", c.dataDir, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C"}
	if c.cfg.NoSync {
		args = append(args, "--no-sync")
	}
	if out, err := c.run(ctx, "initdb", args...); err != nil {
		os.RemoveAll(c.dataDir)
		return fmt.Errorf("initdb %s: %w: %s", c.dataDir, err, lastLines(out, 10))
	}
	conf := fmt.Sprintf("\n# written by shiplog: Unix socket only\nlisten_addresses = ''\nport = %d\nunix_socket_directories = '%s'\nunix_socket_permissions = 0700\nmax_connections = 200\nshared_buffers = 128MB\n",
		port, strings.ReplaceAll(c.sockDir, "'", "''"))
	if c.cfg.NoSync {
		conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
	}
	f, err := os.OpenFile(filepath.Join(c.dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("configuring embedded PostgreSQL: %w", err)
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return fmt.Errorf("configuring embedded PostgreSQL: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("configuring embedded PostgreSQL: %w", err)
	}
	c.Initialized = true
	return nil
}

func (c *Cluster) running(ctx context.Context) (bool, error) {
	out, err := c.run(ctx, "pg_ctl", "status", "-D", c.dataDir)
	if err == nil {
		return true, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 { // 3: not running
		return false, nil
	}
	return false, fmt.Errorf("checking embedded PostgreSQL in %s: %w: %s", c.dataDir, err, out)
}

func (c *Cluster) startServer(ctx context.Context) error {
	logFile := filepath.Join(c.cfg.Dir, "postgres.log")
	if out, err := c.run(ctx, "pg_ctl", "start", "-D", c.dataDir, "-l", logFile, "-w", "-t", "60", "-s"); err != nil {
		tail, _ := os.ReadFile(logFile)
		return fmt.Errorf("starting embedded PostgreSQL in %s failed: %w: %s\nserver log %s ends:\n%s", c.dataDir, err, strings.TrimSpace(out), logFile, lastLines(string(tail), 8))
	}
	return nil
}

func (c *Cluster) ensureDatabase(ctx context.Context) error {
	conn, err := connectRetry(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connecting to embedded PostgreSQL at %s: %w", c.sockDir, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", c.cfg.Database).Scan(&exists); err != nil {
		return fmt.Errorf("looking for database %q: %w", c.cfg.Database, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{c.cfg.Database}.Sanitize()); err != nil {
		return fmt.Errorf("creating database %q: %w", c.cfg.Database, err)
	}
	return nil
}

// connectRetry connects, retrying briefly while the server finishes starting.
func connectRetry(ctx context.Context, url string) (*pgx.Conn, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			return conn, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// run executes a server tool as the cluster's user with a minimal env.
func (c *Cluster) run(ctx context.Context, tool string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, tool), args...)
	cmd.Env = []string{"PATH=" + c.binDir + ":/usr/bin:/bin", "LC_ALL=C", "TZ=UTC"}
	cmd.Dir = c.cfg.Dir
	// Its own process group: a Ctrl-C meant for shiplog must not reach a
	// server that other shiplog processes may share.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.cred}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// pg_ctl start leaves the server running: it must not hold our pipes.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.String(), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
