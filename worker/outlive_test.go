package worker_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// liveUIDProcesses are the live processes (zombies aside) any of whose
// uids is uid, as /proc lists them: "pid name" each.
func liveUIDProcesses(t *testing.T, uid int64) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue // ended meanwhile
		}
		var name string
		zombie, match := false, false
		for _, line := range strings.Split(string(b), "\n") {
			key, val, _ := strings.Cut(line, ":")
			f := strings.Fields(val)
			switch key {
			case "Name":
				name = strings.TrimSpace(val)
			case "State":
				zombie = len(f) > 0 && (f[0] == "Z" || f[0] == "X")
			case "Uid":
				for _, u := range f {
					match = match || u == strconv.FormatInt(uid, 10)
				}
			}
		}
		if match && !zombie {
			out = append(out, e.Name()+" "+name)
		}
	}
	return out
}

// daemonConfig is release N's configuration: a local-exec that leaves a
// daemon (setsid, double fork, no terminal, its output elsewhere) which,
// once release N+1 runs (meet/n1-running), tries that release's var file
// and working copy by the paths it can work out from its own, and writes
// what it read into meet/leak.
func daemonConfig(t *testing.T, meet string) string {
	return config(t, map[string]string{"main.tf": `
variable "token" {
  type = string
}
resource "terraform_data" "plant" {
  provisioner "local-exec" {
    command = <<EOT
( setsid sh -c '
  echo $$ > ` + meet + `/pid.tmp && mv ` + meet + `/pid.tmp ` + meet + `/daemon-pid
  own=$(basename "$(dirname "$PWD")"); releases=$(dirname "$(dirname "$PWD")")
  id=$${own%%-*}; next=$((id+1))
  i=0; while [ ! -e ` + meet + `/n1-running ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
  { ls "$releases"; for d in "$releases/$next" "$releases/$next-"* ; do cat "$d/shiplog/vars.tfvars.json"; ls "$d/config"; done; } >> ` + meet + `/leak 2>&1
  touch ` + meet + `/daemon-done
' </dev/null >/dev/null 2>&1 & ) &
echo "daemon planted"
EOT
  }
}
`})
}

// victimConfig is release N+1's configuration (the one replacing it): it
// says it runs, then waits while the daemon lives and has not reported.
func victimConfig(t *testing.T, meet string) string {
	return config(t, map[string]string{"main.tf": `
variable "token" {
  type      = string
  sensitive = true
}
resource "terraform_data" "victim" {
  provisioner "local-exec" {
    command = <<EOT
pid=$(cat ` + meet + `/daemon-pid)
touch ` + meet + `/n1-running
alive() { [ -e /proc/$pid ] && ! grep -q '^State:[[:space:]]*[ZX]' /proc/$pid/status 2>/dev/null; }
i=0; while alive && [ ! -e ` + meet + `/daemon-done ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
if alive; then echo "DAEMON ALIVE"; else echo "daemon gone"; fi
EOT
  }
}
`})
}

// outliveSetup is a root worker's harness, a meeting directory and an
// environment whose first release plants a daemon.
func outliveSetup(t *testing.T) (*harness, string, *release.Environment) {
	t.Helper()
	h, meet := isolationHarness(t)
	dir := daemonConfig(t, meet)
	env := h.env("shop", dir, func(e *release.Environment) {
		e.Variables = []release.Variable{{Name: "token", Value: "first-secret-value", Sensitive: true}}
	})
	return h, meet, env
}

// Configuration code does not outlive its release: a daemon a local-exec
// of release N started (setsid, double fork) is gone when N ends, no
// process of the environment's uid is left, and release N+1 (configuration
// replaced, secret rotated) runs with nothing of N reading its var file or
// working copy.
func TestConfigurationCodeDoesNotOutliveItsRelease(t *testing.T) {
	h, meet, env := outliveSetup(t)
	uid := int64(h.cfg.TerraformUIDBase) + env.ID
	w := h.worker()
	r1 := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(r1.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("release N: status %s\n%s\n%s", got.Status, got.ErrorLog, joinLogs(h.logs(r1.ID)))
	}
	if _, err := os.Stat(filepath.Join(meet, "daemon-pid")); err != nil {
		t.Fatalf("release N planted no daemon: %v\n%s", err, joinLogs(h.logs(r1.ID)))
	}
	if left := liveUIDProcesses(t, uid); len(left) > 0 {
		t.Errorf("processes of the environment's uid %d left after release N ended: %v", uid, left)
	}

	victim := victimConfig(t, meet)
	if err := os.WriteFile(filepath.Join(env.Source.Dir, "main.tf"), mustRead(t, filepath.Join(victim, "main.tf")), 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := h.release("shop", "terraform-apply", func(r *release.Release) {
		r.Variables = []release.Variable{{Name: "token", Value: "rotated-secret-value", Sensitive: true}}
	})
	h.runOnce(w)
	text := joinLogs(h.logs(r2.ID))
	if got := h.get(r2.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("release N+1: status %s\n%s\n%s", got.Status, got.ErrorLog, text)
	}
	if !strings.Contains(text, "(local-exec): daemon gone\n") {
		t.Errorf("release N's daemon still ran during release N+1:\n%s", text)
	}
	leak, _ := os.ReadFile(filepath.Join(meet, "leak"))
	if strings.Contains(string(leak), "rotated-secret-value") {
		t.Errorf("release N's daemon read release N+1's var file:\n%s", leak)
	}
	if strings.Contains(string(leak), "main.tf") {
		t.Errorf("release N's daemon listed release N+1's working copy:\n%s", leak)
	}
	if left := liveUIDProcesses(t, uid); len(left) > 0 {
		t.Errorf("processes of the environment's uid %d left after release N+1 ended: %v", uid, left)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A release refuses to run while a process of its environment's uid
// survives the sweep (here one the uid cannot kill: its real and saved
// uid are root's, its effective uid the environment's: the test binary
// re-executed): FAILED, naming it.
func TestReleaseRefusedWhileAProcessOfItsUIDSurvives(t *testing.T) {
	h, _, env := outliveSetup(t)
	uid := int64(h.cfg.TerraformUIDBase) + env.ID
	w := h.worker()
	survivor := exec.Command(os.Args[0], "-test.run=^$")
	survivor.Env = append(os.Environ(), "SHIPLOG_TEST_EUID_ONLY="+strconv.FormatInt(uid, 10))
	out, err := survivor.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := survivor.Start(); err != nil {
		t.Fatalf("starting a process as uid %d: %v", uid, err)
	}
	t.Cleanup(func() { survivor.Process.Kill(); survivor.Wait() })
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatalf("the process as uid %d did not start: %v", uid, err)
	}
	r := h.release("shop", "terraform-apply")
	h.runOnce(w)
	got := h.get(r.ID)
	if got.Status != release.StatusFailed {
		t.Fatalf("status %s, want FAILED\n%s", got.Status, joinLogs(h.logs(r.ID)))
	}
	if want := "pid " + strconv.Itoa(survivor.Process.Pid); !strings.Contains(got.ErrorLog, want) {
		t.Errorf("the error does not name the survivor (%s):\n%s", want, got.ErrorLog)
	}
	for _, p := range got.Phases {
		if p.StartedAt != nil {
			t.Errorf("phase %s started", p.Name)
		}
	}
}
