//go:build unix

package worker

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// This file makes sure nothing of an environment's configuration code
// outlives its release: every process of the environment's uid is killed
// when a release ends and before the next one runs, and a release refuses
// to run while one survives.

// sweepWithin bounds how long killed processes may take to go away.
const sweepWithin = 5 * time.Second

// killUID kills every process whose real or saved uid is u's, with
// kill(-1, SIGKILL) made as u itself: the kernel signals them all under one
// lock, so a process forking meanwhile cannot leave a child behind (fork
// fails once its parent has a fatal signal pending). Processes then take a
// moment to die: killUID waits until /proc lists none (zombies, which run
// nothing, aside) or sweepWithin passed, and returns the survivors.
func (id *tfIdentity) killUID(ctx context.Context, u *tfUser) ([]process, error) {
	deadline := time.Now().Add(sweepWithin)
	pause := time.Millisecond
	for {
		left, err := processesWithUID(u.uid, u.uid)
		noList := errors.Is(err, errNoProcessList) // not Linux: kill once, unchecked
		if (err != nil && !noList) || (err == nil && len(left) == 0) {
			return left, err
		}
		// setpriv --reuid makes the shell u (real and effective), whose
		// kill -1 reaches every process of u but itself.
		cmd := exec.CommandContext(ctx, id.setpriv, "--reuid="+strconv.FormatUint(uint64(u.uid), 10),
			"--regid="+strconv.FormatUint(uint64(u.gid), 10), "--clear-groups", "--no-new-privs",
			"--", "/bin/sh", "-c", "kill -KILL -1")
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		cmd.Run() // exits 1 when nothing was left to signal
		if noList {
			return nil, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return processesWithUID(u.uid, u.uid)
		}
		time.Sleep(pause) // the killed processes are on their way out
		pause = min(pause*2, 100*time.Millisecond)
	}
}

// sweepProcesses kills whatever of the environment's uid still runs
// (configuration code a finished release left, a daemon it started). It
// says which survived, in an error naming them; nil when none did or when
// the uid is not the environment's own (the worker is not root, or
// --terraform-user shares one user between environments: killing it would
// hit other environments' releases).
func (ru *run) sweepProcesses(ctx context.Context, when string) error {
	id := ru.w.tfIdentity
	if id == nil || id.shared != nil || ru.tfUser == nil {
		return nil
	}
	left, err := id.killUID(ctx, ru.tfUser)
	if err != nil {
		return fmt.Errorf("sweeping the processes of %s %s: %w", ru.tfUser.name, when, err)
	}
	if len(left) > 0 {
		names := make([]string, len(left))
		for i, p := range left {
			names[i] = p.String()
		}
		return fmt.Errorf("processes of environment %s's %s survive being killed %s: %s", ru.env.Name, ru.tfUser.name, when, strings.Join(names, "; "))
	}
	return nil
}
