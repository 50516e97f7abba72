package worker_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// Two installations (data directories) on one machine get different uid
// ranges, each the same every time, inside [2^30, 2^31).
func TestUIDBaseIsPerInstallation(t *testing.T) {
	t.Parallel()
	a, err := worker.InstallationUIDBase("/var/lib/shiplog/work")
	if err != nil {
		t.Fatal(err)
	}
	b, err := worker.InstallationUIDBase("/srv/shiplog-staging/work")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("both installations run environments from uid %d", a)
	}
	again, err := worker.InstallationUIDBase("/var/lib/shiplog/./work")
	if err != nil {
		t.Fatal(err)
	}
	if again != a {
		t.Errorf("the same directory gave uid bases %d and %d", a, again)
	}
	for _, base := range []uint32{a, b} {
		if base < worker.DefaultTerraformUIDBase || uint64(base)+worker.UIDSlotSize > 1<<31 {
			t.Errorf("uid base %d is outside [2^30, 2^31)", base)
		}
	}
}

// holdUID starts a process whose effective uid is uid (real and saved
// root's), outside any working copy, until the test ends; it returns its
// pid once the uid is in place.
func holdUID(t *testing.T, uid int64) int {
	t.Helper()
	p := exec.Command(os.Args[0], "-test.run=^$")
	p.Env = append(os.Environ(), "SHIPLOG_TEST_EUID_ONLY="+strconv.FormatInt(uid, 10))
	out, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatalf("starting a process as uid %d: %v", uid, err)
	}
	t.Cleanup(func() { p.Process.Kill(); p.Wait() })
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatalf("the process as uid %d did not start: %v", uid, err)
	}
	return p.Process.Pid
}

// A root worker refuses to start when a process outside its working copies
// (another installation's) runs as a uid of its range: the derived one
// (no --terraform-uid-base) and an explicit one alike.
func TestWorkerRefusesAUIDRangeAnotherInstallationHolds(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (as in CI): only a root worker runs environments as uids")
	}
	for _, derived := range []bool{true, false} {
		t.Run("derived="+strconv.FormatBool(derived), func(t *testing.T) {
			h := newHarness(t)
			if derived {
				h.cfg.TerraformUIDBase = 0
			}
			base := h.cfg.TerraformUIDBase
			if derived {
				var err error
				if base, err = worker.InstallationUIDBase(h.cfg.WorkDir); err != nil {
					t.Fatal(err)
				}
			}
			pid := holdUID(t, int64(base)+7)
			_, err := worker.New(context.Background(), h.cfg)
			if err == nil {
				t.Fatalf("the worker started while pid %d runs as uid %d of its range", pid, int64(base)+7)
			}
			if !strings.Contains(err.Error(), "pid "+strconv.Itoa(pid)) {
				t.Errorf("the error does not name pid %d: %v", pid, err)
			}
		})
	}
}
