// Package blueprint makes and opens blueprints: deterministic tar.gz
// snapshots of a Terraform configuration, named by their content
// ("sha256:" + the first 12 hex digits of a SHA-256 over each file's
// slash-separated path, mode and bytes, in path order). The same files give
// the same version whether they come from a directory, a git commit or an
// uploaded archive.
package blueprint

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// MaxSize bounds the files of one configuration, uncompressed (64 MiB).
const MaxSize = 64 << 20

// ErrTooLarge is returned (wrapped) when a configuration is over MaxSize.
var ErrTooLarge = errors.New("configuration too large")

// file is one regular file of a configuration.
type file struct {
	name string // slash-separated, relative
	mode int64  // 0o644 or 0o755
	data []byte
}

// skip reports whether a path of a directory is not configuration:
// terraform's working data, local state, saved plans, git's own files.
func skip(d fs.DirEntry) bool {
	base := d.Name()
	if d.IsDir() {
		return base == ".terraform" || base == ".git"
	}
	return strings.HasPrefix(base, "terraform.tfstate") || strings.HasSuffix(base, ".tfplan") || base == ".terraform.tfstate.lock.info"
}

// Pack snapshots the regular files under dir (symbolic links and the paths
// skip names are left out) into a blueprint and its version. Everything is
// read through an os.Root opened at dir, so no path, even one swapped for a
// link meanwhile, leads out of it. A directory with no files, or over
// MaxSize, is an error naming dir.
func Pack(dir string) (archive []byte, version string, err error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, "", fmt.Errorf("reading configuration %s: %w", dir, err)
	}
	defer root.Close()
	fsys := root.FS()
	var files []file
	total := 0
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if skip(d) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b, err := readRegular(root, p)
		if err != nil {
			return err
		}
		if total += len(b); total > MaxSize {
			return fmt.Errorf("%w: over %d MiB", ErrTooLarge, MaxSize>>20)
		}
		files = append(files, file{name: p, mode: modeOf(int64(fi.Mode().Perm())), data: b})
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("reading configuration %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, "", fmt.Errorf("configuration directory %s has no files", dir)
	}
	return pack(files)
}

// readRegular reads the regular file name inside root; a file that became
// anything else since it was listed is refused.
func readRegular(root *os.Root, name string) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is no longer a regular file", name)
	}
	return io.ReadAll(io.LimitReader(f, MaxSize+1))
}

func modeOf(perm int64) int64 {
	if perm&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// pack writes files, sorted by name, as a deterministic tar.gz.
func pack(files []file) ([]byte, string, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	h := sha256.New()
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return nil, "", fmt.Errorf("packing %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, "", fmt.Errorf("packing %s: %w", f.name, err)
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", f.name, f.mode, len(f.data))
		h.Write(f.data)
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "sha256:" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// EntryError is an archive entry refused by Repack: Entry is its name as
// the archive gives it.
type EntryError struct {
	Entry  string
	Reason string
}

func (e *EntryError) Error() string { return fmt.Sprintf("archive entry %q: %s", e.Entry, e.Reason) }

// Repack reads an uploaded tar.gz of a configuration and returns it as a
// blueprint with its version. Directories are implied; every other entry
// must be a regular file whose path stays inside the archive (no absolute
// paths, no "..", no symbolic or hard links, devices or duplicates): an
// *EntryError names the first that is not. More than MaxSize of files is
// ErrTooLarge; an archive with no files, or not a tar.gz, is an error.
func Repack(r io.Reader) (archive []byte, version string, err error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, "", fmt.Errorf("the configuration archive is not gzip: %w", err)
	}
	tr := tar.NewReader(zr)
	var files []file
	seen := map[string]bool{}
	total := int64(0)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("the configuration archive is not a readable tar: %w", err)
		}
		clean := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if !filepath.IsLocal(filepath.FromSlash(clean)) || strings.Contains(hdr.Name, "\\") {
			return nil, "", &EntryError{Entry: hdr.Name, Reason: "its path leaves the configuration (absolute, or through ..)"}
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		case tar.TypeSymlink, tar.TypeLink:
			return nil, "", &EntryError{Entry: hdr.Name, Reason: "links are not accepted: put the file itself in the archive"}
		default:
			return nil, "", &EntryError{Entry: hdr.Name, Reason: fmt.Sprintf("only regular files and directories are accepted (type %q)", hdr.Typeflag)}
		}
		if seen[clean] {
			return nil, "", &EntryError{Entry: hdr.Name, Reason: "the archive holds this path twice"}
		}
		seen[clean] = true
		if total += hdr.Size; total > MaxSize {
			return nil, "", fmt.Errorf("%w: its files are over %d MiB", ErrTooLarge, MaxSize>>20)
		}
		b, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil {
			return nil, "", fmt.Errorf("reading %s from the configuration archive: %w", hdr.Name, err)
		}
		files = append(files, file{name: clean, mode: modeOf(hdr.Mode), data: b})
	}
	if len(files) == 0 {
		return nil, "", errors.New("the configuration archive holds no files")
	}
	return pack(files)
}

// Unpack writes a blueprint into dir (which it creates), refusing entries
// that are not regular files or whose paths leave dir.
func Unpack(archive []byte, dir string) error {
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
		_, err = io.Copy(f, io.LimitReader(tr, MaxSize))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", dst, err)
		}
	}
}
