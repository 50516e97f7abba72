package worker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// configInfo is what shiplog needs to know about a root module.
type configInfo struct {
	HasBackend bool            // a backend or cloud block is configured
	Variables  map[string]bool // declared input variables
}

// inspectConfig reads the root module's *.tf and *.tf.json files. A syntax
// error is returned with its file and line, as terraform would say it.
func inspectConfig(dir string) (configInfo, error) {
	info := configInfo{Variables: map[string]bool{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return info, fmt.Errorf("reading configuration: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case e.IsDir():
		case strings.HasSuffix(name, ".tf.json"):
			var doc struct {
				Terraform json.RawMessage            `json:"terraform"`
				Variable  map[string]json.RawMessage `json:"variable"`
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return info, err
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				return info, fmt.Errorf("%s: %w", name, err)
			}
			if bytes.Contains(doc.Terraform, []byte(`"backend"`)) || bytes.Contains(doc.Terraform, []byte(`"cloud"`)) {
				info.HasBackend = true
			}
			for v := range doc.Variable {
				info.Variables[v] = true
			}
		case strings.HasSuffix(name, ".tf"):
			b, err := os.ReadFile(path)
			if err != nil {
				return info, err
			}
			f, diags := hclsyntax.ParseConfig(b, name, hcl.Pos{Line: 1, Column: 1})
			if diags.HasErrors() {
				return info, fmt.Errorf("%s", diags.Error())
			}
			body, ok := f.Body.(*hclsyntax.Body)
			if !ok {
				continue
			}
			for _, blk := range body.Blocks {
				switch blk.Type {
				case "variable":
					if len(blk.Labels) == 1 {
						info.Variables[blk.Labels[0]] = true
					}
				case "terraform":
					for _, inner := range blk.Body.Blocks {
						if inner.Type == "backend" || inner.Type == "cloud" {
							info.HasBackend = true
						}
					}
				}
			}
		}
	}
	return info, nil
}

// writeBackend adds the pg backend to a working copy, storing state in
// schema "shiplog_state_<env>" of the database at dbURL.
func writeBackend(dir, stateDir, env, dbURL string) (configFile string, err error) {
	if err := os.WriteFile(filepath.Join(dir, backendOverride), []byte("# Added by shiplog: state lives in shiplog's database.\nterraform {\n  backend \"pg\" {}\n}\n"), 0o644); err != nil {
		return "", fmt.Errorf("writing backend override: %w", err)
	}
	conn, err := stateConnString(dbURL)
	if err != nil {
		return "", err
	}
	schema := "shiplog_state_" + strings.ReplaceAll(env, "-", "_")
	body := fmt.Sprintf("conn_str = %q\nschema_name = %q\n", conn, schema)
	configFile = filepath.Join(stateDir, "backend.tfbackend")
	if err := os.WriteFile(configFile, []byte(body), 0o600); err != nil {
		return "", fmt.Errorf("writing backend config: %w", err)
	}
	return configFile, nil
}

// stateConnString adapts a pgx URL for terraform's pg backend (lib/pq):
// a Unix-socket URL gets sslmode=disable, which lib/pq needs there.
func stateConnString(dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("database URL for terraform state: %w", err)
	}
	q := u.Query()
	if strings.HasPrefix(q.Get("host"), "/") && q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
