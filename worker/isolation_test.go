package worker_test

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// waitingConfig is environment A: it records its uid, tells B where its
// terraform and working copy are (meet/a-waiting: terraform's pid and the
// working copy's path), and holds its terraform running until B is done
// (meet/b-done), at most two minutes.
func waitingConfig(t *testing.T, meet string) string {
	return config(t, map[string]string{"main.tf": `
resource "terraform_data" "wait" {
  provisioner "local-exec" {
    command = <<EOT
echo "running as uid $(id -u)"
echo "A's note" > "$TMPDIR/a-note"
echo "$PPID $PWD $TMPDIR" > ` + meet + `/a.tmp && mv ` + meet + `/a.tmp ` + meet + `/a-waiting
i=0; while [ ! -e ` + meet + `/b-done ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
[ -e ` + meet + `/b-done ] || { echo "B never finished"; exit 1; }
echo "B is done"
EOT
  }
}
`})
}

// probingConfig is environment B: once A waits, it reads every process's
// environment for a TF_HTTP_PASSWORD other than its own, and tries A's
// terraform's environment and A's working copy by path; then it lets A go.
func probingConfig(t *testing.T, meet string) string {
	return config(t, map[string]string{"main.tf": `
resource "terraform_data" "probe" {
  provisioner "local-exec" {
    command = <<EOT
echo "running as uid $(id -u)"
i=0; while [ ! -e ` + meet + `/a-waiting ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
read apid adir atmp < ` + meet + `/a-waiting
own="TF_HTTP_PASSWORD=$TF_HTTP_PASSWORD"
seen=0
for f in /proc/[0-9]*/environ; do
  vars=$( { tr '\0' '\n' < "$f"; } 2>/dev/null | grep '^TF_HTTP_PASSWORD=')
  [ -n "$vars" ] || continue
  if printf '%s\n' "$vars" | grep -qvxF "$own"; then echo "FOUND another credential in $f"; else seen=$((seen+1)); fi
done
echo "own credential seen in $seen processes"
if { cat "/proc/$apid/environ"; } >/dev/null 2>&1; then echo "ALLOWED environ of A"; else echo "DENIED environ of A"; fi
if ls "$adir" >/dev/null 2>&1; then echo "ALLOWED working copy of A"; else echo "DENIED working copy of A"; fi
if cat "$adir/main.tf" >/dev/null 2>&1; then echo "ALLOWED main.tf of A"; else echo "DENIED main.tf of A"; fi
case "$atmp" in /tmp|/tmp/|"") echo "A's TMPDIR is the shared $atmp";; esac
if cat "$atmp/a-note" >/dev/null 2>&1; then echo "ALLOWED temporary file of A"; else echo "DENIED temporary file of A"; fi
touch ` + meet + `/b-done
EOT
  }
}
`})
}

// isolationHarness is a root worker's harness and a directory both
// environments' uids can meet in (sticky, like /tmp).
func isolationHarness(t *testing.T) (*harness, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (as in CI): a worker only switches terraform to other uids as root")
	}
	meet, err := os.MkdirTemp("", "shiplog-meet-")
	if err != nil {
		t.Fatalf("creating the meeting directory: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(meet) })
	if err := os.Chmod(meet, 0o1777); err != nil {
		t.Fatalf("opening the meeting directory: %v", err)
	}
	h := newHarness(t) // its uid range is its own: see testUIDBase
	return h, meet
}

var uidLine = regexp.MustCompile(`\(local-exec\): running as uid (\d+)\n`)

// localExecUID is the uid a release's local-exec said it ran as.
func localExecUID(t *testing.T, text string) int64 {
	t.Helper()
	m := uidLine.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the configuration did not record its uid:\n%s", text)
	}
	uid, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatalf("parsing the uid %q: %v", m[1], err)
	}
	return uid
}

// Two environments released at once run terraform as uids of their own:
// while A's terraform runs, B's configuration code finds no other
// environment's state credential in any process and is denied A's
// terraform's environment, A's working copy and A's temporary files
// (TMPDIR); both releases succeed.
func TestEnvironmentsRunAsTheirOwnUIDs(t *testing.T) {
	t.Parallel() // its environments' uids are its own: see testUIDBase
	ctx := context.Background()
	h, meet := isolationHarness(t)
	a := h.env("env-a", waitingConfig(t, meet))
	b := h.env("env-b", probingConfig(t, meet))
	ra := h.release(a.Name, "terraform-apply")
	rb := h.release(b.Name, "terraform-apply")
	w := h.worker()
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.RunOnce(ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("running a release: %v", err)
		}
	}
	for _, r := range []*release.Release{ra, rb} {
		if got := h.get(r.ID); got.Status != release.StatusSucceeded {
			t.Fatalf("release of %s: status %s\n%s\n%s", r.Environment, got.Status, got.ErrorLog, joinLogs(h.logs(r.ID)))
		}
	}
	textA, textB := joinLogs(h.logs(ra.ID)), joinLogs(h.logs(rb.ID))
	uidA, uidB := localExecUID(t, textA), localExecUID(t, textB)
	if uidA == uidB {
		t.Errorf("both environments ran as uid %d", uidA)
	}
	if want := int64(h.cfg.TerraformUIDBase) + a.ID; uidA != want {
		t.Errorf("environment A (id %d) ran as uid %d, want %d", a.ID, uidA, want)
	}
	if want := int64(h.cfg.TerraformUIDBase) + b.ID; uidB != want {
		t.Errorf("environment B (id %d) ran as uid %d, want %d", b.ID, uidB, want)
	}
	// (terraform echoes the command first: look at what it printed)
	if strings.Contains(textB, "(local-exec): FOUND") {
		t.Errorf("B found another environment's state credential:\n%s", textB)
	}
	if strings.Contains(textB, "(local-exec): own credential seen in 0 processes") {
		t.Errorf("B's scan did not even see its own terraform's credential, so it proves nothing:\n%s", textB)
	}
	if strings.Contains(textB, "(local-exec): A's TMPDIR is the shared") {
		t.Errorf("A's terraform wrote its temporary files to a directory every environment shares:\n%s", textB)
	}
	for _, what := range []string{"environ of A", "working copy of A", "main.tf of A", "temporary file of A"} {
		if !strings.Contains(textB, "(local-exec): DENIED "+what+"\n") {
			t.Errorf("B was not denied the %s:\n%s", what, textB)
		}
	}
}
