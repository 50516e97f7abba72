package worker

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// finish lets go of what a run holds on this machine, however it ended
// (success, failure, pause for approval, abort, timeout, stop): the state
// backend and its lock, and the working copy with its var file and plans.
// A release resumed after approval gets a fresh working copy.
func (ru *run) finish(ctx context.Context) {
	// whatever the release's configuration code left running goes with it
	if err := ru.sweepProcesses(ctx, "when release "+strconv.FormatInt(ru.r.ID, 10)+" ended"); err != nil {
		ru.sys("", "error: %v (the environment's next release will not run while they do)", err)
		ru.log.Error("processes outlive their release", "error", err)
	}
	ru.closeBackend(ctx)
	if err := os.RemoveAll(ru.dir); err != nil {
		ru.log.Error("removing the working copy", "dir", ru.dir, "error", err)
	}
}

// newReleaseDir is a new directory for release id's working copy:
// releases/<id>-<32 random hex digits>, a name nothing of an earlier
// release (of any environment) could have learned or guessed, so no
// process left from one can wait for the next one's files by path.
func (w *Worker) newReleaseDir(id int64) string {
	return filepath.Join(w.cfg.WorkDir, "releases", strconv.FormatInt(id, 10)+"-"+rand.Text()[:26])
}

// releaseDirs are the working copies of release id on this machine.
func (w *Worker) releaseDirs(id int64) []string {
	dirs, _ := filepath.Glob(filepath.Join(w.cfg.WorkDir, "releases", strconv.FormatInt(id, 10)+"-*"))
	return dirs
}

// releaseOf is the release a working copy's directory name is of.
func releaseOf(name string) (int64, bool) {
	idText, _, _ := strings.Cut(name, "-")
	id, err := strconv.ParseInt(idText, 10, 64)
	return id, err == nil
}

// sweep removes the working copies of releases that are not running on any
// worker: what a killed worker left behind. A release still IN_PROGRESS
// (perhaps on another worker sharing the directory) keeps its copy until
// it ends or the reaper stops it.
func (w *Worker) sweep(ctx context.Context) error {
	entries, err := os.ReadDir(filepath.Join(w.cfg.WorkDir, "releases"))
	if err != nil {
		return err
	}
	var ids []int64
	for _, e := range entries {
		if id, ok := releaseOf(e.Name()); ok {
			ids = append(ids, id)
		} else {
			w.log.Warn("unexpected entry among working copies", "name", e.Name())
		}
	}
	if len(ids) == 0 {
		return nil
	}
	running, err := w.cfg.Store.RunningReleases(ctx, ids)
	if err != nil {
		return err
	}
	for _, e := range entries {
		id, ok := releaseOf(e.Name())
		if !ok || running[id] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(w.cfg.WorkDir, "releases", e.Name())); err != nil {
			w.log.Error("removing a left-over working copy", "release", id, "error", err)
		} else {
			w.log.Info("removed the working copy of a release no longer running", "release", id)
		}
	}
	return nil
}

// reaped cleans up after releases the reaper stopped: their state locks
// and, when they ran here, their working copies.
func (w *Worker) reaped(ctx context.Context, ids []int64) {
	if n, err := w.cfg.Store.ReleaseStateLocks(ctx, ids); err != nil {
		w.log.Warn("releasing the state locks of stopped releases", "releases", ids, "error", err)
	} else if n > 0 {
		w.log.Warn("released state locks of stopped releases", "releases", ids, "locks", n)
	}
	for _, id := range ids {
		for _, dir := range w.releaseDirs(id) {
			if err := os.RemoveAll(dir); err != nil {
				w.log.Error("removing the working copy of a stopped release", "release", id, "error", err)
			}
		}
	}
}
