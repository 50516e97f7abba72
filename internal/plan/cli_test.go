package plan_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpus = "testdata/plans/terraform-json"

func corpusFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(corpus, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the plan corpus is missing (internal/plan/testdata/plans): %v", err)
	}
	return p
}

func TestCLIStandardInput(t *testing.T) {
	t.Parallel()
	f, err := os.Open(corpusFile(t, "110_sensitive_values.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = stdin }()
	out, errOut, code := runCLI(t, "plan", "diff", "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		FormatVersion string            `json:"format_version"`
		Changes       []json.RawMessage `json:"changes"`
		OutputChanges []json.RawMessage `json:"output_changes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != "0.2" || len(doc.Changes) != 7 || len(doc.OutputChanges) != 8 {
		t.Errorf("got %s", out)
	}
	// output "foo" is sensitive.
	var buf bytes.Buffer
	if err := json.Compact(&buf, doc.OutputChanges[0]); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.Contains(got, `"address":"output.foo"`) ||
		!strings.Contains(got, `"fields":[{"path":"","before":null,"after":null,"unknown":false,"sensitive":true,"changed":true}]`) {
		t.Errorf("output.foo: %s", got)
	}
}

func TestCLIBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"plan", "diff", corpusFile(t, "invalid.json")}, "invalid JSON: unexpected data after the end of the plan object at byte offset 15543"},
		{[]string{"plan", "diff", "--json", corpusFile(t, "invalid.json")}, "at byte offset 15543"},
		{[]string{"plan", "diff", filepath.Join(t.TempDir(), "none.json")}, "no such file"},
	} {
		out, errOut, code := runCLI(t, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
		if json.Valid([]byte(out)) && strings.Contains(strings.Join(tc.args, " "), "--json") {
			t.Errorf("%v: the JSON of an invalid plan parses", tc.args)
		}
	}
	if _, errOut, code := runCLI(t, "plan", "diff", "--color=sometimes", "x"); code != 2 || !strings.Contains(errOut, "color") {
		t.Errorf("bad --color: exit %d, %s", code, errOut)
	}
}

// A plan whose only change is a move lists the move: it is not "No
// changes" (kind 1 of issue 12).
func TestCLIMoveIsListed(t *testing.T) {
	t.Parallel()
	out, errOut, code := runCLI(t, "plan", "diff", corpusFile(t, "moved_block.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "No changes.") {
		t.Errorf("a move printed as no changes:\n%s", out)
	}
	if !strings.Contains(out, "random_id.test2  (moved from random_id.test)") || !strings.Contains(out, "1 moved; 0 unchanged") {
		t.Errorf("the move is not listed:\n%s", out)
	}
	out, _, _ = runCLI(t, "plan", "diff", "--json", corpusFile(t, "moved_block.json"))
	var doc struct {
		Changes []struct {
			Address         string  `json:"address"`
			PreviousAddress *string `json:"previous_address"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Changes) != 1 || doc.Changes[0].Address != "random_id.test2" || doc.Changes[0].PreviousAddress == nil ||
		*doc.Changes[0].PreviousAddress != "random_id.test" {
		t.Errorf("--json changes: got %s", out)
	}
}

func TestCLINoChanges(t *testing.T) {
	t.Parallel()
	out, errOut, code := runCLI(t, "plan", "diff", corpusFile(t, "no_changes.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "Resource changes:") || !strings.Contains(out, "6 unchanged") {
		t.Errorf("got\n%s", out)
	}
}
