package worker

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// process is one live process as /proc tells it.
type process struct {
	pid  int
	uids [4]uint32 // real, effective, saved, filesystem
	cwd  string    // "" when it could not be read
	cmd  string    // its name (comm)
}

func (p process) String() string {
	s := fmt.Sprintf("pid %d (%s, uid %d)", p.pid, p.cmd, p.uids[0])
	if p.cwd != "" {
		s += " in " + p.cwd
	}
	return s
}

// processesWithUID lists the live processes (zombies, which run nothing,
// left out) any of whose uids is in [lo, hi], from /proc.
func processesWithUID(lo, hi uint32) ([]process, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	var out []process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, ok, err := readProcess(pid)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errProcessGone) {
			continue // it ended meanwhile
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, u := range p.uids {
			if u >= lo && u <= hi {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}

// errNoProcessList is where processes cannot be listed by uid (not here).
var errNoProcessList = errors.New("listing processes by uid needs /proc")

var errProcessGone = errors.New("process gone")

// readProcess reads /proc/pid/status: its uids and name; ok is false for a
// zombie (or a process being reaped).
func readProcess(pid int) (process, bool, error) {
	p := process{pid: pid}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			return p, false, errProcessGone
		}
		return p, false, fmt.Errorf("reading process %d: %w", pid, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	seenUID := false
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Name":
			p.cmd = val
		case "State":
			if strings.HasPrefix(val, "Z") || strings.HasPrefix(val, "X") {
				return p, false, nil
			}
		case "Uid":
			f := strings.Fields(val)
			if len(f) != 4 {
				return p, false, fmt.Errorf("process %d: unexpected Uid line %q", pid, val)
			}
			for i, s := range f {
				u, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					return p, false, fmt.Errorf("process %d: unexpected Uid line %q", pid, val)
				}
				p.uids[i] = uint32(u)
			}
			seenUID = true
		}
	}
	if !seenUID {
		return p, false, errProcessGone
	}
	p.cwd, _ = os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "cwd"))
	return p, true, nil
}
