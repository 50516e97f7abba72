package worker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/gitsource"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// snapshotSource takes the environment's configuration from its source as
// a blueprint: the directory (which must exist on this machine), the git
// commit the ref names now, or the newest upload.
func (ru *run) snapshotSource(ctx context.Context) (store.SourcedBlueprint, error) {
	src := ru.env.Source
	snap := store.SourcedBlueprint{Env: ru.env.Name, Origin: src.Kind}
	var err error
	switch src.Kind {
	case release.SourceDir:
		fi, serr := os.Stat(src.Dir)
		if serr != nil || !fi.IsDir() {
			return snap, fmt.Errorf("configuration directory %s of environment %s does not exist on worker %s (machine %s): a dir source must be present on every worker's machine; use a git or upload source for workers elsewhere",
				src.Dir, ru.env.Name, ru.w.cfg.ID, hostname())
		}
		if err := ru.checkReadable(ctx, src.Dir); err != nil {
			return snap, err
		}
		if snap.Archive, snap.Version, err = blueprint.Pack(src.Dir); err != nil {
			return snap, err
		}
		ru.sys("", "blueprint %s from %s on %s", snap.Version, src.Dir, hostname())
	case release.SourceGit:
		parent := filepath.Join(ru.w.cfg.WorkDir, "git", strconv.FormatInt(ru.r.ID, 10))
		opts, err := ru.gitOptions(parent)
		if err != nil {
			return snap, err
		}
		co, ferr := gitsource.Fetch(ctx, src, parent, opts)
		if ferr != nil {
			return snap, fmt.Errorf("environment %s: %w", ru.env.Name, ferr)
		}
		defer co.Remove()
		if snap.Archive, snap.Version, err = blueprint.Pack(co.Root); err != nil {
			return snap, err
		}
		snap.Commit = co.Commit
		ru.sys("", "blueprint %s from %s at %s (commit %s)", snap.Version, src.GitURL, src.GitRef, co.Commit)
	case release.SourceUpload:
		if snap.Version, err = ru.w.cfg.Store.LatestUpload(ctx, ru.env.Name); err != nil {
			return snap, err
		}
		if snap.Archive, err = ru.w.cfg.Store.Blueprint(ctx, ru.env.Name, snap.Version); err != nil {
			return snap, err
		}
		ru.sys("", "blueprint %s: the newest upload", snap.Version)
	default:
		return snap, fmt.Errorf("environment %s has no configuration source", ru.env.Name)
	}
	return snap, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "(unknown)"
	}
	return h
}
