package worker

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
)

// finish lets go of what a run holds on this machine, however it ended
// (success, failure, pause for approval, abort, timeout, stop): the state
// backend and its lock, and the working copy with its var file and plans.
// A release resumed after approval gets a fresh working copy.
func (ru *run) finish(ctx context.Context) {
	ru.closeBackend(ctx)
	if err := os.RemoveAll(ru.dir); err != nil {
		ru.log.Error("removing the working copy", "dir", ru.dir, "error", err)
	}
}

// releaseDir is where release id's working copy lives.
func (w *Worker) releaseDir(id int64) string {
	return filepath.Join(w.cfg.WorkDir, "releases", strconv.FormatInt(id, 10))
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
		if id, err := strconv.ParseInt(e.Name(), 10, 64); err == nil {
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
	for _, id := range ids {
		if running[id] {
			continue
		}
		if err := os.RemoveAll(w.releaseDir(id)); err != nil {
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
		if err := os.RemoveAll(w.releaseDir(id)); err != nil {
			w.log.Error("removing the working copy of a stopped release", "release", id, "error", err)
		}
	}
}
