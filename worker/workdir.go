package worker

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maxBlueprint bounds a configuration snapshot.
const maxBlueprint = 64 << 20

// skipInSnapshot are paths that are not configuration: terraform's own
// working data and local state.
func skipInSnapshot(rel string, d fs.DirEntry) bool {
	base := d.Name()
	if d.IsDir() {
		return base == ".terraform" || base == ".git"
	}
	return strings.HasPrefix(base, "terraform.tfstate") || strings.HasSuffix(base, ".tfplan") || base == ".terraform.tfstate.lock.info"
}

// snapshot packs a configuration directory into a deterministic tar.gz and
// names it by content: "sha256:<first 12 hex digits>".
func snapshot(dir string) (archive []byte, version string, err error) {
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "." {
			return nil
		}
		if skipInSnapshot(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("reading configuration %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, "", fmt.Errorf("configuration directory %s has no files", dir)
	}
	sort.Strings(files)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	h := sha256.New()
	total := 0
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			return nil, "", fmt.Errorf("reading configuration: %w", err)
		}
		if total += len(b); total > maxBlueprint {
			return nil, "", fmt.Errorf("configuration %s is larger than %d MiB", dir, maxBlueprint>>20)
		}
		name := filepath.ToSlash(rel)
		fi, _ := os.Stat(filepath.Join(dir, rel))
		mode := int64(0o644)
		if fi != nil && fi.Mode()&0o111 != 0 {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return nil, "", err
		}
		tw.Write(b)
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", name, mode, len(b))
		h.Write(b)
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "sha256:" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// unpack writes a snapshot into dir, refusing paths that leave it.
func unpack(archive []byte, dir string) error {
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return fmt.Errorf("opening blueprint: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading blueprint: %w", err)
		}
		name := filepath.FromSlash(hdr.Name)
		if !filepath.IsLocal(name) || hdr.Typeflag != tar.TypeReg {
			return fmt.Errorf("blueprint holds an unsafe entry %q", hdr.Name)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, os.FileMode(hdr.Mode&0o755))
		if err != nil {
			return err
		}
		_, err = io.Copy(f, io.LimitReader(tr, maxBlueprint))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", dst, err)
		}
	}
}

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
