package template

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/shiplog-dev/terraform-provider-shiplog/templates/releases"
)

// ErrNotFound is what Catalog.Get's error matches (errors.Is) when there is
// no such template.
var ErrNotFound = errors.New("template not found")

// Catalog holds the release templates shiplog knows, by namespace and name:
// the built-in ones, then those of a user's templates directory.
//
// A user template with the same namespace and name as a built-in template
// overrides it: that is how a site changes what, say, terraform-apply does.
// Two user templates with the same namespace and name are an error.
//
// Templates from a Kubernetes cluster (ReleaseTemplate custom resources in
// the namespaces a process watches, internal/kube) are kept apart: Put and
// Delete change them at any time, and one of them overrides a built-in or
// file template of the same namespace and name while it exists.
//
// Load a catalog before sharing it; Get, List, Put and Delete may then be
// called concurrently.
type Catalog struct {
	templates map[key]*Template // built-in and file templates, fixed once loaded

	mu      sync.RWMutex
	cluster map[key]*Template // from the cluster, by Put
}

type key struct{ namespace, name string }

func keyOf(t *Template) key { return key{t.Namespace(), t.Metadata.Name} }

// NewCatalog returns a catalog of the built-in templates, the *.yaml files
// of templates/releases embedded in shiplog.
func NewCatalog() (*Catalog, error) {
	c := &Catalog{templates: make(map[key]*Template)}
	templates, err := parseFS(releases.FS, "built-in ")
	if err != nil {
		return nil, fmt.Errorf("loading the built-in release templates: %w", err)
	}
	for _, t := range templates {
		t.builtin = true
		c.templates[keyOf(t)] = t
	}
	return c, nil
}

// Load returns a catalog of the built-in templates and those in dir (see
// LoadDir). An empty dir means the built-in templates only.
func Load(dir string) (*Catalog, error) {
	c, err := NewCatalog()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return c, nil
	}
	if err := c.LoadDir(dir); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadDir adds the templates of every *.yaml and *.yml file directly in dir
// (subdirectories and names starting with "." are skipped); a file may hold
// several documents separated by "---". A template overrides a built-in one
// with the same namespace and name. It is an error for two templates read
// from directories, in one file or several, to share a namespace and name;
// the error names both files.
//
// LoadDir reports the problems of every file, joined; when it returns an
// error the catalog is unchanged.
func (c *Catalog) LoadDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading the templates directory: %w", err)
	}
	var (
		errs  []error
		added = make(map[key]*Template)
	)
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, name)
		if e.IsDir() || e.Type()&fs.ModeSymlink != 0 && isDir(path) {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading template file: %w", err))
			continue
		}
		templates, err := Parse(path, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, t := range templates {
			k := keyOf(t)
			prev := added[k]
			if prev == nil {
				if old := c.templates[k]; old != nil && !old.builtin {
					prev = old
				}
			}
			if prev != nil {
				errs = append(errs, fmt.Errorf("template %s is defined twice: in %s:%d and in %s:%d",
					t, prev.source, prev.line, t.source, t.line))
				continue
			}
			added[k] = t
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("loading templates from %s: %w", dir, errors.Join(errs...))
	}
	maps.Copy(c.templates, added)
	return nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// parseFS parses every *.yaml file at the top of fsys, naming them in
// messages as prefix+file name.
func parseFS(fsys fs.FS, prefix string) ([]*Template, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	var (
		all  []*Template
		errs []error
		seen = make(map[key]*Template)
	)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		templates, err := Parse(prefix+name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, t := range templates {
			if prev := seen[keyOf(t)]; prev != nil {
				errs = append(errs, fmt.Errorf("template %s is defined twice: in %s:%d and in %s:%d",
					t, prev.source, prev.line, t.source, t.line))
				continue
			}
			seen[keyOf(t)] = t
			all = append(all, t)
		}
	}
	return all, errors.Join(errs...)
}

// Get returns the template with the given name in the given namespace; an
// empty namespace means DefaultNamespace, where the built-in templates are.
// When there is none, the error matches ErrNotFound and lists the templates
// of that namespace. The template is the catalog's own: do not change it
// (Phases returns copies for a release to keep).
func (c *Catalog) Get(namespace, name string) (*Template, error) {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if t := c.cluster[key{namespace, name}]; t != nil {
		return t, nil
	}
	if t := c.templates[key{namespace, name}]; t != nil {
		return t, nil
	}
	var names []string
	for _, m := range []map[key]*Template{c.templates, c.cluster} {
		for k := range m {
			if k.namespace == namespace && !slices.Contains(names, k.name) {
				names = append(names, k.name)
			}
		}
	}
	slices.Sort(names)
	known := "it has none"
	if len(names) > 0 {
		known = "it has " + strings.Join(names, ", ")
	}
	return nil, &notFoundError{fmt.Sprintf("template %q not found in namespace %q (%s)", name, namespace, known)}
}

// List returns every template, sorted by namespace and then name. The
// templates are the catalog's own: do not change them.
func (c *Catalog) List() []*Template {
	c.mu.RLock()
	merged := maps.Clone(c.templates)
	maps.Copy(merged, c.cluster)
	c.mu.RUnlock()
	list := slices.Collect(maps.Values(merged))
	slices.SortFunc(list, func(a, b *Template) int {
		return cmp.Or(cmp.Compare(a.Namespace(), b.Namespace()), cmp.Compare(a.Metadata.Name, b.Metadata.Name))
	})
	return list
}

// Put adds or replaces a template read from a cluster (see Parse: it must
// be valid); it overrides a built-in or file template of the same namespace
// and name until Delete. Releases already created keep the phases they
// copied.
func (c *Catalog) Put(t *Template) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cluster == nil {
		c.cluster = make(map[key]*Template)
	}
	c.cluster[keyOf(t)] = t
}

// Delete forgets the cluster template namespace/name (a no-op when there is
// none); a built-in or file template it overrode is served again.
func (c *Catalog) Delete(namespace, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cluster, key{namespace, name})
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }
