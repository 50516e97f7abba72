package plan_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// beforeOnly is a plan where terraform_data.alpha, first, holds unmarked
// (in a longer string) the text that only terraform_data.zulu's
// before_sensitive marks: zulu is deleted, so planned_values does not
// have it, and prior_state, which marks it too, comes after the changes.
const beforeOnly = "testdata/secret-before-delete.json"

const beforeSecret = "hunter-Pq77-pass"

// onlyReader hides any Seek of the reader it wraps, as a pipe or a request
// body would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// Kind 4: a value marked only on the before side of a later change (a
// delete) is masked in an earlier change's unmarked copy, whether the plan
// comes from a file, a pipe or a reader.
func TestSecretMarkedOnlyBeforeDelete(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(beforeOnly)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "plan", "diff", "--json", beforeOnly)
	if code != 0 {
		t.Fatalf("plan diff --json: exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "Pq77") {
		t.Errorf("plan diff --json shows the secret:\n%s", out)
	}
	table, errOut, code := runCLI(t, "plan", "diff", "--all", beforeOnly)
	if code != 0 {
		t.Fatalf("plan diff: exit %d: %s", code, errOut)
	}
	if strings.Contains(table, "Pq77") {
		t.Errorf("plan diff shows the secret:\n%s", table)
	}

	if piped := diffFromPipe(t, data); strings.Contains(piped, "Pq77") {
		t.Errorf("plan diff --json - (a pipe) shows the secret:\n%s", piped)
	}

	// The marks of either place are enough on their own.
	variants := map[string]string{
		"as written": string(data),
		"marked in prior_state only": strings.Replace(string(data),
			`"before_sensitive": {"input": true, "output": true}`, `"before_sensitive": {}`, 1),
		"marked in before_sensitive only": strings.Replace(string(data),
			`"sensitive_values": {"input": true, "output": true}`, `"sensitive_values": {}`, 1),
	}
	for name, text := range variants {
		if name != "as written" && text == string(data) {
			t.Fatalf("%s: the fixture did not change", name)
		}
		res, err := plan.Read(onlyReader{strings.NewReader(text)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		input := field(res, "terraform_data.alpha", "input")
		if input == nil {
			t.Fatalf("%s: terraform_data.alpha has no input field", name)
		}
		if !input.Sensitive {
			t.Errorf("%s: terraform_data.alpha input is not masked: %+v", name, input)
		}
		if input.After != nil {
			t.Errorf("%s: terraform_data.alpha input shows a value: %+v", name, input)
		}
	}
}

// field returns the field at path of the resource change at address.
func field(res *plan.Result, address, path string) *release.Field {
	for _, c := range res.Changes {
		for i, f := range c.Fields {
			if c.Address == address && f.Path == path {
				return &c.Fields[i]
			}
		}
	}
	return nil
}

// diffFromPipe runs plan diff --json on data written to standard input
// through a pipe, which cannot seek.
func diffFromPipe(t *testing.T, data []byte) string {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go func() {
		pw.Write(data)
		pw.Close()
	}()
	stdin := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = stdin }()
	out, errOut, code := runCLI(t, "plan", "diff", "--json", "-")
	if code != 0 {
		t.Fatalf("plan diff --json -: exit %d: %s", code, errOut)
	}
	return out
}

// Open copies an input it cannot seek to a 0600 file in the directory it
// is given, and done removes it, the plan valid or not.
func TestOpenSpool(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(beforeOnly)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"valid": string(data), "broken": string(data[:len(data)/2])} {
		dir := t.TempDir()
		rd, done := plan.Open(onlyReader{strings.NewReader(text)}, dir)
		_, err := rd.Next()
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: the copy %s has mode %v, want 0600", name, f, fi.Mode().Perm())
			}
		}
		if name == "broken" && !errors.Is(err, plan.ErrSyntax) {
			t.Errorf("broken plan: Next returned %v, want a syntax error", err)
		}
		if name == "valid" && err != nil {
			t.Errorf("valid plan: Next returned %v", err)
		}
		done()
		if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
			t.Errorf("%s: done left %v", name, left)
		}
	}
	if _, done := plan.Open(onlyReader{strings.NewReader("{}")}, filepath.Join(t.TempDir(), "missing")); done == nil {
		t.Error("Open returned a nil done")
	}
	rd, done := plan.Open(onlyReader{strings.NewReader(string(data))}, filepath.Join(t.TempDir(), "missing"))
	defer done()
	if _, err := rd.Next(); err == nil || !strings.Contains(err.Error(), "temporary copy") {
		t.Errorf("spool directory missing: Next returned %v, want the copy's error", err)
	}
}
