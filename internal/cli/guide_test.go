package cli_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// guide is the command line guide as users read it (generated from
// templates/guides/cli.md.tmpl).
const guide = "../../docs/guides/cli.md"

// guideSection is the markdown table rows of one "## heading" of the guide.
func guideSection(t *testing.T, heading string) [][]string {
	t.Helper()
	b, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("%s has no section %q", guide, heading)
	}
	rest, _, _ = strings.Cut(rest, "\n## ")
	var rows [][]string
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| ---") {
			continue
		}
		// cells split on | outside code spans (\| is a | inside one)
		line = strings.ReplaceAll(line, `\|`, "\x00")
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.ReplaceAll(strings.TrimSpace(c), "\x00", "|"))
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 {
		t.Fatalf("%s: section %q has no table", guide, heading)
	}
	return rows[1:] // without the header
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// guideCommands are the commands a cell names: `shiplog release create
// [--wait]`, `list` gives "release create" and "release list".
func guideCommands(cell string) []string {
	var out []string
	group := ""
	for _, m := range codeSpan.FindAllStringSubmatch(cell, -1) {
		words := strings.Fields(m[1])
		if len(words) > 0 && words[0] == "shiplog" {
			words = words[1:]
			group = ""
		}
		var name []string
		for _, w := range words {
			if !regexp.MustCompile(`^[a-z][a-z-]*$`).MatchString(w) {
				break
			}
			name = append(name, w)
		}
		switch {
		case len(name) == 0:
			continue
		case group == "":
			group = name[0]
			out = append(out, strings.Join(name, " "))
		case len(name) == 1 && name[0] != group:
			out = append(out, group+" "+name[0])
		default:
			out = append(out, strings.Join(name, " "))
		}
	}
	return out
}

// Every command the guide's command table names is a command of the binary.
func TestCLIGuideCommandsExist(t *testing.T) {
	seen := 0
	for _, row := range guideSection(t, "Commands") {
		for _, cmd := range guideCommands(row[0]) {
			seen++
			args := append(strings.Fields(cmd), "--help")
			if code, out, errOut := run(t, nil, args...); code != 0 {
				t.Errorf("cli.md names `shiplog %s`, which the binary does not have: exit %d\n%s%s", cmd, code, out, errOut)
			}
		}
	}
	if seen < 30 {
		t.Fatalf("read %d commands from cli.md's command table, want every command", seen)
	}
}

// Every command of the guide's JSON shapes table runs, against a real
// server that runs releases with the real terraform, and prints what the
// guide says: each member the guide names is in its output, and every
// member at the top of its output is named.
func TestCLIGuideJSONShapes(t *testing.T) {
	url := dbtest.URL(t)
	dataDir := t.TempDir()
	db := []string{"--database-url", url, "--data-dir", dataDir}
	env := map[string]string{"SHIPLOG_ENDPOINT": "", "SHIPLOG_TOKEN": "", "SHIPLOG_SECRET_KEY": ""}
	admin := strings.TrimSpace(mustRun(t, env, append([]string{"token", "create", "root", "--scope", "admin"}, db...)...))
	endpoint := startWorkerServer(t, db)
	as := map[string]string{"SHIPLOG_ENDPOINT": endpoint, "SHIPLOG_TOKEN": admin}

	dir := quickstartDir(t)
	js := func(args ...string) string { return mustRun(t, as, append(args, "-o", "json")...) }
	mustRun(t, as, "env", "create", "shop", "--dir", dir)
	mustRun(t, as, "env", "create", "gated", "--dir", dir, "--approval-required")
	art := decode[release.Artifact](t, js("artifact", "register", "registry.example.com/shop/web:1.0.0", "--app", "web", "--build-id", "b-1"))
	applied := decode[release.Release](t, js("release", "create", "--env", "shop", "--artifact", fmt.Sprint(art.ID), "--wait"))
	if applied.Status != release.StatusSucceeded {
		t.Fatalf("release %d: %s\n%s", applied.ID, applied.Status, applied.ErrorLog)
	}
	// pending releases of gated to decide, one after another
	pending := func() string {
		t.Helper()
		code, out, errOut := run(t, as, "release", "create", "--env", "gated", "--wait", "--interval", "100ms", "-o", "json")
		if code != 16 {
			t.Fatalf("release create --wait on gated: exit %d, want 16\n%s%s", code, out, errOut)
		}
		return fmt.Sprint(decode[release.Release](t, out).ID)
	}
	plan := writeFile(t, planJSON)
	upload := quickstartDir(t)
	id := fmt.Sprint(applied.ID)

	// how to run each command the guide may show, in the order given
	commands := map[string]func() string{
		"release create": func() string { return js("release", "create", "--env", "shop", "--template", "full-plan") },
		"release show":   func() string { return js("release", "show", id) },
		"release wait":   func() string { return js("release", "wait", id) },
		"release approve": func() string {
			p := pending()
			out := js("release", "approve", p)
			js("release", "wait", p)
			return out
		},
		"release reject":  func() string { return js("release", "reject", pending()) },
		"release abort":   func() string { return js("release", "abort", pending()) },
		"release signoff": func() string { return js("release", "signoff", id, "--status", "APPROVED") },
		"release rollback": func() string {
			out := js("release", "rollback", id)
			js("release", "wait", decodeID(t, out))
			return out
		},
		"release record-plan": func() string { return js("release", "record-plan", "--env", "shop", plan) },
		"release ingest-plan": func() string {
			rec := decodeID(t, js("release", "record-plan", "--env", "shop", plan))
			return js("release", "ingest-plan", rec, plan)
		},
		"release list":    func() string { return js("release", "list", "--env", "shop", "-n", "1") },
		"release changes": func() string { return js("release", "changes", id) },
		"release logs":    func() string { l, _, _ := strings.Cut(js("release", "logs", id), "\n"); return l },
		"artifact register": func() string {
			return js("artifact", "register", "registry.example.com/shop/api:1.0.0", "--app", "api", "--meta", "commit=abc")
		},
		"artifact show": func() string { return js("artifact", "show", fmt.Sprint(art.ID)) },
		"artifact list": func() string { return js("artifact", "list", "-n", "1") },
		"env create":    func() string { return js("env", "create", "scratch", "--dir", dir) },
		"env list":      func() string { return js("env", "list") },
		"env show":      func() string { return js("env", "show", "shop") },
		"env update": func() string {
			js("env", "create", "windowed", "--dir", dir)
			return js("env", "update", "windowed", "--var", "replicas=2", "--window", "sat,sun 01:00-05:00 Europe/Berlin")
		},
		"env delete": func() string {
			js("env", "create", "doomed", "--dir", dir)
			return js("env", "delete", "doomed")
		},
		"env outputs": func() string { return js("env", "outputs", "shop") },
		"env queue": func() string {
			js("env", "create", "held", "--dir", dir)
			js("env", "pause", "held", "--reason", "hold")
			js("release", "create", "--env", "held", "--template", "full-plan")
			return js("env", "queue", "held")
		},
		"env pause": func() string {
			js("env", "create", "paused", "--dir", dir)
			return js("env", "pause", "paused", "--reason", "quarterly freeze")
		},
		"env resume": func() string {
			js("env", "create", "resumed", "--dir", dir)
			js("env", "pause", "resumed", "--reason", "a minute")
			return js("env", "resume", "resumed")
		},
		"env states": func() string { return js("env", "states", "shop") },
		"env push": func() string {
			js("env", "create", "uploaded", "--upload")
			return js("env", "push", "uploaded", upload)
		},
		"template list":   func() string { return js("template", "list") },
		"template show":   func() string { return js("template", "show", "terraform-apply") },
		"resource health": func() string { return js("resource", "health", "--env", "shop", "terraform_data.web", "HEALTHY") },
		"status":          func() string { return js("status") },
		"audit":           func() string { return js("audit", "-n", "5") },
		"policy put": func() string {
			return js("policy", "put", "small", writeFile(t, "package shiplog.small\n\nwarn contains \"big\" if count(input.resource_changes) > 100\n"), "--env", "prod-*")
		},
		"policy show": func() string {
			js("policy", "put", "shown", writeFile(t, "package shiplog.shown\n\ndeny contains \"no\" if false\n"))
			return js("policy", "show", "shown")
		},
		"policy list": func() string { return js("policy", "list") },
		"role grant": func() string {
			return js("role", "grant", "approver", "--group", "staging-approvers", "--env", "staging")
		},
		"role list": func() string {
			js("role", "grant", "deployer", "--token-name", "ci", "--env", "prod-*")
			js("role", "revoke", decodeID(t, js("role", "grant", "viewer", "--user", "leaver")))
			l := js("role", "list")
			if strings.Contains(l, "leaver") || !strings.Contains(l, `"prod-*"`) {
				t.Errorf("role list after granting ci and revoking leaver's binding: %s", l)
			}
			return l
		},
		"session list": func() string {
			signIn(t, url, "ana")
			return js("session", "list")
		},
		"session end": func() string {
			signIn(t, url, "ben")
			out := js("session", "end", "ben")
			if e := decode[struct {
				Ended int `json:"ended"`
			}](t, out); e.Ended != 1 {
				t.Errorf("session end ben, signed in once: %s", out)
			}
			return out
		},
		"token create": func() string {
			return mustRun(t, env, append([]string{"token", "create", "ci", "--scope", "read,write", "-o", "json"}, db...)...)
		},
		"token list": func() string { return mustRun(t, env, append([]string{"token", "list", "-o", "json"}, db...)...) },
		"plan diff":  func() string { return mustRun(t, nil, "plan", "diff", plan, "-o", "json") },
		"db prune": func() string {
			return mustRun(t, env, append([]string{"db", "prune", "--keep-days", "30", "-o", "json"}, db...)...)
		},
	}

	seen := map[string]bool{}
	for _, row := range guideSection(t, "JSON shapes") {
		documented, optional := shapeKeys(row[1])
		printed := map[string]bool{} // by any command of the row
		for _, cmd := range guideCommands(row[0]) {
			seen[cmd] = true
			t.Run(cmd, func(t *testing.T) {
				runCmd, ok := commands[cmd]
				if !ok {
					t.Fatalf("cli.md shows the JSON of `shiplog %s`, which this test does not know how to run: add it", cmd)
				}
				out := runCmd()
				if os.Getenv("SHIPLOG_GUIDE_PRINT") != "" {
					t.Logf("shiplog %s:\n%s", cmd, out)
				}
				var v any
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("`shiplog %s -o json` printed no JSON (%v):\n%s", cmd, err, out)
				}
				allKeys(v, printed)
				top, _ := v.(map[string]any)
				var missing []string
				for k := range top {
					if !slices.Contains(documented, k) {
						missing = append(missing, k)
					}
				}
				sort.Strings(missing)
				if len(missing) > 0 {
					t.Errorf("`shiplog %s` prints %q, which cli.md does not show", cmd, missing)
				}
			})
		}
		for _, k := range documented {
			if !printed[k] && !optional[k] {
				t.Errorf("cli.md says %s print %q; none of them does", row[0], k)
			}
		}
	}
	// nothing the commands queued failed
	if failed := decode[struct {
		Releases []release.Release `json:"releases"`
	}](t, js("release", "list", "--status", "FAILED,STOPPED,TIMED_OUT")); len(failed.Releases) > 0 {
		r := failed.Releases[0]
		t.Errorf("release %d (%s of %s) ended %s: %s", r.ID, r.Template, r.Environment, r.Status, r.ErrorLog)
	}
	for _, must := range []string{"release ingest-plan", "env outputs", "env states", "env push", "status", "token list"} {
		if !seen[must] {
			t.Errorf("cli.md's JSON shapes do not show `shiplog %s`", must)
		}
	}
}

// signIn stores a browser session of user, as signing in with the
// identity provider does.
func signIn(t *testing.T, url, user string) {
	t.Helper()
	st, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id := sha256.Sum256([]byte("session of " + user))
	if err := st.CreateUserWebSession(context.Background(), id[:], user, []string{"platform"}); err != nil {
		t.Fatal(err)
	}
}

// shapeKeys are the "member" names a shape cell shows, and those it says
// are left out when empty (named in code spans after "left out when
// empty").
func shapeKeys(cell string) (documented []string, optional map[string]bool) {
	for _, m := range regexp.MustCompile(`"([a-z_]+)"`).FindAllStringSubmatch(cell, -1) {
		documented = append(documented, m[1])
	}
	optional = map[string]bool{}
	if _, rest, ok := strings.Cut(cell, "left out when empty"); ok {
		for _, m := range codeSpan.FindAllStringSubmatch(rest, -1) {
			optional[m[1]] = true
		}
	}
	return documented, optional
}

// allKeys adds every member name anywhere in v to into.
func allKeys(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			into[k] = true
			allKeys(e, into)
		}
	case []any:
		for _, e := range x {
			allKeys(e, into)
		}
	}
}

// decodeID is the id of the release JSON out.
func decodeID(t *testing.T, out string) string {
	t.Helper()
	return fmt.Sprint(decode[release.Release](t, out).ID)
}

// The guide's approve-in-the-pipeline script runs as it is, with bash and
// jq, against a real server that runs the release with the real
// terraform: it stops at approval (16), approves, follows the rest of the
// log and ends 0 with the release SUCCEEDED.
func TestCLIGuidePipelineScript(t *testing.T) {
	for _, tool := range []string{"bash", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the guide's script needs %s, which is not on PATH (scripts/prereqs.sh installs it)", tool)
		}
	}
	b, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	_, script, ok := strings.Cut(string(b), "\n```sh\n")
	if !ok {
		t.Fatalf("%s has no sh block", guide)
	}
	script, _, _ = strings.Cut(script, "\n```")
	if !strings.Contains(script, "shiplog release approve") {
		t.Fatalf("the first sh block of %s is not the approval script:\n%s", guide, script)
	}

	url := dbtest.URL(t)
	db := []string{"--database-url", url, "--data-dir", t.TempDir()}
	admin := strings.TrimSpace(mustRun(t, nil, append([]string{"token", "create", "pipeline", "--scope", "admin"}, db...)...))
	endpoint := startWorkerServer(t, db)
	as := map[string]string{"SHIPLOG_ENDPOINT": endpoint, "SHIPLOG_TOKEN": admin}
	dir := quickstartDir(t)
	mustRun(t, as, "env", "create", "prod", "--dir", dir, "--approval-required")

	// `shiplog` on PATH is this test binary, run as the command line.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	wrapper := fmt.Sprintf("#!/bin/sh\nexec env %s=1 %q \"$@\"\n", cliProcessEnv, self)
	if err := os.WriteFile(filepath.Join(bin, "shiplog"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-eu", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "SHIPLOG_ENDPOINT="+endpoint, "SHIPLOG_TOKEN="+admin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the guide's script failed: %v\n%s", err, out)
	}
	r := decode[release.Release](t, mustRun(t, as, "release", "show", "1", "-o", "json"))
	if r.Status != release.StatusSucceeded {
		t.Fatalf("release 1 is %s after the script, want SUCCEEDED\n%s", r.Status, out)
	}
	if r.Approval.By != "pipeline" || r.Approval.Comment != "reviewed" {
		t.Fatalf("release 1 was approved by %q (%q), want the script's approval\n%s", r.Approval.By, r.Approval.Comment, out)
	}
	if !strings.Contains(string(out), "Apply complete!") {
		t.Fatalf("the script did not follow the log to the apply:\n%s", out)
	}
}
