package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// prepare makes the working copy: the blueprint (a fresh snapshot of the
// environment's directory, or the stored version a rollback names), the
// backend, the variables and the terraform environment.
func (ru *run) prepare(ctx context.Context) error {
	st := ru.w.cfg.Store
	env, err := st.EnvironmentForRun(ctx, ru.r.Environment)
	if err != nil {
		return err
	}
	ru.env = env
	if err := ru.resolveUser(); err != nil {
		return err
	}
	// Nothing an earlier release of the environment started may still run
	// when this one begins: it could read this release's files.
	if err := ru.sweepProcesses(ctx, "before release "+strconv.FormatInt(ru.r.ID, 10)+" runs"); err != nil {
		return fmt.Errorf("refusing to run: %w", err)
	}
	ru.config = filepath.Join(ru.dir, "config")
	ru.state = filepath.Join(ru.dir, "shiplog")
	fresh := true
	if _, err := os.Stat(filepath.Join(ru.config, ".terraform")); err == nil {
		fresh = false // resumed on the worker that paused it
	}
	if fresh {
		os.RemoveAll(ru.dir)
		if err := ru.checkout(ctx); err != nil {
			return err
		}
	}
	// HOME and TMPDIR are the release's own, inside the copy the
	// environment's uid owns: nothing terraform or the configuration writes
	// goes to a directory other environments share, and it goes with the copy.
	for _, d := range []string{ru.state, filepath.Join(ru.state, "home"), filepath.Join(ru.state, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", d, err)
		}
	}
	info, err := inspectConfig(ru.config)
	if err != nil {
		return fmt.Errorf("configuration of %s: %w", env.Name, err)
	}
	ru.info = info
	if err := ru.writeVarFile(ctx); err != nil {
		return err
	}
	if err := ru.setupBackend(ctx, fresh); err != nil {
		return err
	}
	tfEnv := map[string]string{
		"PATH":               "/usr/local/bin:/usr/bin:/bin",
		"HOME":               filepath.Join(ru.state, "home"),
		"TMPDIR":             filepath.Join(ru.state, "tmp"),
		"CHECKPOINT_DISABLE": "1",
		"TF_IN_AUTOMATION":   "1",
	}
	if ru.w.cfg.CLIConfigFile != "" {
		tfEnv["TF_CLI_CONFIG_FILE"] = ru.w.cfg.CLIConfigFile
	}
	for k, v := range ru.w.cfg.Env {
		tfEnv[k] = v
	}
	for k, v := range ru.backendEnv {
		tfEnv[k] = v
	}
	// TF_IN_AUTOMATION is set by tfexec itself and may not be passed.
	delete(tfEnv, "TF_IN_AUTOMATION")
	ru.tf = &terraform{execPath: ru.w.cfg.TerraformPath, dir: ru.config, env: tfEnv, grace: ru.w.cfg.Grace}
	return ru.handOver()
}

// checkout fills the working copy with the release's blueprint: the
// stored version the release names, or a fresh snapshot of the
// environment's source (see source.go).
func (ru *run) checkout(ctx context.Context) error {
	st := ru.w.cfg.Store
	if err := os.MkdirAll(ru.config, 0o700); err != nil {
		return fmt.Errorf("creating working copy: %w", err)
	}
	if v := ru.r.BlueprintVersion; v != "" {
		archive, err := st.Blueprint(ctx, ru.env.Name, v)
		if err == nil {
			ru.sys("", "blueprint %s from the store", v)
			return blueprint.Unpack(archive, ru.config)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if ru.r.RollbackOf != nil {
			return fmt.Errorf("rollback: blueprint %s is not stored", v)
		}
		if ru.env.Source.Kind == release.SourceUpload {
			return fmt.Errorf("environment %s has no uploaded configuration %s", ru.env.Name, v)
		}
	}
	snap, err := ru.snapshotSource(ctx)
	if err != nil {
		return err
	}
	if v := ru.r.BlueprintVersion; v != "" {
		// a content version names exactly one configuration: the source's
		// files now may not be recorded under another's
		if blueprint.IsContentVersion(v) && v != snap.Version {
			return fmt.Errorf("the release names blueprint %s, which environment %s does not hold, and its %s source is %s now: "+
				"a sha256: version names one configuration; release the source as it is (no blueprint version), or promote the release that ran %s",
				v, ru.env.Name, ru.env.Source.Kind, snap.Version, v)
		}
		snap.Version = v // the release named its version (a label)
	}
	if _, err := st.SaveSourcedBlueprint(ctx, snap); err != nil {
		return err
	}
	if err := st.SetBlueprintVersion(ctx, ru.r.ID, snap.Version); err != nil {
		return err
	}
	if snap.Commit != "" {
		if err := st.SetSourceCommit(ctx, ru.r.ID, snap.Commit); err != nil {
			return err
		}
		ru.r.SourceCommit = snap.Commit
	}
	ru.r.BlueprintVersion = snap.Version
	return blueprint.Unpack(snap.Archive, ru.config)
}

// writeVarFile writes the environment's and release's variables (release
// wins) and, when the configuration declares them, shiplog_artifacts and
// shiplog_blueprint_version, as a JSON var file only this run can read.
func (ru *run) writeVarFile(ctx context.Context) error {
	relVars, err := ru.w.cfg.Store.ReleaseVariables(ctx, ru.r.ID)
	if err != nil {
		return err
	}
	vals := map[string]any{}
	var secrets []string
	for _, vs := range [][]release.Variable{ru.env.Variables, relVars} {
		for _, v := range vs {
			if v.Sensitive {
				secrets = append(secrets, v.Value)
			}
			if v.HCL {
				var j any
				if err := json.Unmarshal([]byte(v.Value), &j); err != nil {
					return fmt.Errorf("variable %q is marked as a structured value but is not JSON: %w", v.Name, err)
				}
				vals[v.Name] = j
			} else {
				vals[v.Name] = v.Value
			}
		}
	}
	if ru.info.Variables["shiplog_artifacts"] {
		arts := make([]map[string]any, 0, len(ru.r.Artifacts))
		for _, a := range ru.r.Artifacts {
			arts = append(arts, map[string]any{"artifact_uri": a.URI, "build_id": a.BuildID, "stack_name": a.StackName,
				"app_name": a.AppName, "registration_metadata": a.RegistrationMetadata})
		}
		vals["shiplog_artifacts"] = arts
	}
	if ru.info.Variables["shiplog_blueprint_version"] {
		vals["shiplog_blueprint_version"] = ru.r.BlueprintVersion
	}
	if ru.info.Variables["shiplog_release_id"] {
		vals["shiplog_release_id"] = ru.r.ID
	}
	for k := range vals {
		if !ru.info.Variables[k] {
			delete(vals, k) // terraform warns about undeclared values
		}
	}
	// terraform prints a value unless the configuration declares its
	// variable sensitive: shiplog masks what it knows to be sensitive.
	if err := ru.setSecrets(ctx, secrets); err != nil {
		return err
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return err
	}
	ru.varFile = filepath.Join(ru.state, "vars.tfvars.json")
	return os.WriteFile(ru.varFile, b, 0o600)
}
