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
	"context"
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
	"time"
	"unicode/utf8"
)

// IsContentVersion reports whether v has the form of a content version
// ("sha256:" and 12 lower-case hex digits), which names exactly one
// configuration: never a label for other files.
func IsContentVersion(v string) bool {
	h, ok := strings.CutPrefix(v, "sha256:")
	if !ok || len(h) != 12 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && strings.ToLower(h) == h
}

// CheckVersion checks a blueprint version a release names: a label of
// at most 128 bytes without surrounding spaces or control characters, and
// one that looks like a content version ("sha256:", any case) must be one
// exactly, so that no label can pass for another configuration's content.
func CheckVersion(v string) error {
	switch {
	case len(v) > 128:
		return fmt.Errorf("blueprint version is %d bytes: at most 128", len(v))
	case strings.TrimSpace(v) != v:
		return fmt.Errorf("blueprint version %q has spaces around it", v)
	case strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Errorf("blueprint version %q holds a control character", v)
	case strings.HasPrefix(strings.ToLower(v), "sha256:") && !IsContentVersion(v):
		return fmt.Errorf("blueprint version %q looks like a content version but is not one: a content version is sha256: and 12 lower-case hex digits, as a worker records it; name a label otherwise (v1.4.2)", v)
	}
	return nil
}

// MaxSize bounds the files of one configuration, uncompressed (64 MiB).
const MaxSize = 64 << 20

// ErrTooLarge is returned (wrapped) when a configuration is over MaxSize.
var ErrTooLarge = errors.New("configuration too large")

// file is one regular file of a configuration: its bytes in data, or, for
// a spooled upload, size bytes at offset at of the spool.
type file struct {
	name string // slash-separated, relative
	mode int64  // 0o644 or 0o755
	data []byte
	at   int64
	size int64
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
		files = append(files, file{name: p, mode: modeOf(int64(fi.Mode().Perm())), data: b, size: int64(len(b))})
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("reading configuration %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, "", fmt.Errorf("configuration directory %s has no files", dir)
	}
	var buf bytes.Buffer
	version, err = pack(files, nil, &buf)
	return buf.Bytes(), version, err
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

// pack writes files, sorted by name, as a deterministic tar.gz to out and
// returns its version; the bytes of a file without data are read from
// spool.
func pack(files []file, spool io.ReaderAt, out io.Writer) (string, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	zw := gzip.NewWriter(out)
	tw := tar.NewWriter(zw)
	h := sha256.New()
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: f.size, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return "", fmt.Errorf("packing %s: %w", f.name, err)
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", f.name, f.mode, f.size)
		var data io.Reader = bytes.NewReader(f.data)
		if f.data == nil && spool != nil {
			data = io.NewSectionReader(spool, f.at, f.size)
		}
		if n, err := io.Copy(io.MultiWriter(tw, h), data); err != nil || n != f.size {
			return "", fmt.Errorf("packing %s: %d of %d bytes: %v", f.name, n, f.size, err)
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// EntryError is an archive entry refused by Repack: Entry is its name as
// the archive gives it.
type EntryError struct {
	Entry  string
	Reason string
}

func (e *EntryError) Error() string { return fmt.Sprintf("archive entry %q: %s", e.Entry, e.Reason) }

// Limits bound what Repack reads: whatever the archive expands to, it
// stops at the first limit passed.
type Limits struct {
	// MaxFiles is the most regular files (default DefaultMaxFiles).
	MaxFiles int
	// MaxEntries is the most tar headers of any kind, directories and
	// extended headers included (default DefaultMaxEntries).
	MaxEntries int
	// MaxDuration is the longest Repack may take (default
	// DefaultMaxDuration); ctx may end it earlier.
	MaxDuration time.Duration
	// TempDir is where the files' bytes are spooled, in one 0600 file
	// removed before Repack returns ("": the system's temporary directory).
	TempDir string
}

// Defaults of Limits. Besides them, the files hold at most MaxSize bytes,
// and the archive expands to at most MaxSize + maxOverhead bytes (tar
// headers, padding, extended headers).
const (
	DefaultMaxFiles    = 10000
	DefaultMaxEntries  = 20000
	DefaultMaxDuration = time.Minute
	maxOverhead        = 32 << 20
)

func (l *Limits) defaults() {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxDuration <= 0 {
		l.MaxDuration = DefaultMaxDuration
	}
}

// Repack reads an uploaded tar.gz of a configuration and returns it as a
// blueprint with its version. Directories are implied; every other entry
// must be a regular file whose path stays inside the archive (no absolute
// paths, no "..", no symbolic or hard links, devices or duplicates, a
// name in UTF-8): an *EntryError names the first that is not. It reads as a stream, in
// bounded memory whatever the archive expands to: the files' bytes go to a
// spool file, and only their names and sizes are held until they are
// packed, in name order, from there. Passing a limit (more than MaxSize of
// files, an expansion past MaxSize + 32 MiB, more than lim.MaxFiles files
// or lim.MaxEntries entries, longer than lim.MaxDuration) is ErrTooLarge,
// naming the limit; an archive with no files, or not a tar.gz, is an error.
func Repack(ctx context.Context, r io.Reader, lim Limits) (archive []byte, version string, err error) {
	sp, err := Spool(ctx, r, lim)
	if err != nil {
		return nil, "", err
	}
	defer sp.Close()
	return sp.Pack()
}

// Spooled is an uploaded archive Spool read and checked: the names and
// sizes of its files in memory, their bytes in a spool file. Pack makes
// the blueprint; Close removes the spool.
type Spooled struct {
	files []file
	spool *os.File
	dir   string
}

// Close removes the spool file.
func (sp *Spooled) Close() error {
	sp.spool.Close()
	return os.Remove(sp.spool.Name())
}

// Spool is the reading half of Repack: it reads and checks the archive
// within lim, holding only the files' names and sizes, and leaves their
// bytes in a spool file for Pack. Errors are Repack's.
func Spool(ctx context.Context, r io.Reader, lim Limits) (_ *Spooled, err error) {
	lim.defaults()
	ctx, cancel := context.WithTimeoutCause(ctx, lim.MaxDuration,
		fmt.Errorf("%w: reading the archive took longer than the %s allowed", ErrTooLarge, lim.MaxDuration))
	defer cancel()
	zr, err := gzip.NewReader(&ctxReader{ctx: ctx, r: r})
	if err != nil {
		if c := context.Cause(ctx); c != nil {
			return nil, c
		}
		return nil, fmt.Errorf("the configuration archive is not gzip: %w", err)
	}
	expanded := &budgetReader{ctx: ctx, r: zr, left: MaxSize + maxOverhead}
	tr := tar.NewReader(expanded)
	spool, err := os.CreateTemp(lim.TempDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("spooling the configuration archive: %w", err)
	}
	sp := &Spooled{spool: spool, dir: lim.TempDir}
	defer func() {
		if err != nil {
			sp.Close()
		}
	}()
	seen := map[string]bool{}
	total, entries := int64(0), 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, err
			}
			return nil, fmt.Errorf("the configuration archive is not a readable tar: %w", err)
		}
		if entries++; entries > lim.MaxEntries {
			return nil, fmt.Errorf("%w: the archive has more than %d entries", ErrTooLarge, lim.MaxEntries)
		}
		if !utf8.ValidString(hdr.Name) {
			return nil, &EntryError{Entry: strings.ToValidUTF8(hdr.Name, "\uFFFD"), Reason: "its name is not valid UTF-8"}
		}
		clean := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if !filepath.IsLocal(filepath.FromSlash(clean)) || strings.Contains(hdr.Name, "\\") {
			return nil, &EntryError{Entry: hdr.Name, Reason: "its path leaves the configuration (absolute, or through ..)"}
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		case tar.TypeSymlink, tar.TypeLink:
			return nil, &EntryError{Entry: hdr.Name, Reason: "links are not accepted: put the file itself in the archive"}
		default:
			return nil, &EntryError{Entry: hdr.Name, Reason: fmt.Sprintf("only regular files and directories are accepted (type %q)", hdr.Typeflag)}
		}
		if seen[clean] {
			return nil, &EntryError{Entry: hdr.Name, Reason: "the archive holds this path twice"}
		}
		seen[clean] = true
		if len(sp.files) >= lim.MaxFiles {
			return nil, fmt.Errorf("%w: the archive has more than %d files", ErrTooLarge, lim.MaxFiles)
		}
		if total += hdr.Size; total > MaxSize {
			return nil, fmt.Errorf("%w: its files are over %d MiB", ErrTooLarge, MaxSize>>20)
		}
		at, _ := spool.Seek(0, io.SeekCurrent)
		n, err := io.Copy(spool, tr)
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, err
			}
			return nil, fmt.Errorf("reading %s from the configuration archive: %w", hdr.Name, err)
		}
		sp.files = append(sp.files, file{name: clean, mode: modeOf(hdr.Mode), at: at, size: n})
	}
	if len(sp.files) == 0 {
		return nil, errors.New("the configuration archive holds no files")
	}
	return sp, nil
}

// Pack makes the blueprint of the spooled files and its version. The
// blueprint is written to a file first, then read into one slice of its
// size: memory holds it once.
func (sp *Spooled) Pack() (archive []byte, version string, err error) {
	out, err := os.CreateTemp(sp.dir, "blueprint-*")
	if err != nil {
		return nil, "", fmt.Errorf("spooling the blueprint: %w", err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	if version, err = pack(sp.files, sp.spool, out); err != nil {
		return nil, "", err
	}
	size, err := out.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, "", fmt.Errorf("reading the blueprint back: %w", err)
	}
	archive = make([]byte, size)
	if _, err := out.ReadAt(archive, 0); err != nil {
		return nil, "", fmt.Errorf("reading the blueprint back: %w", err)
	}
	return archive, version, nil
}

// ctxReader stops reading when ctx ends, with its cause.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}

// budgetReader is ctxReader that also refuses to expand past left bytes.
type budgetReader struct {
	ctx  context.Context
	r    io.Reader
	left int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.ctx.Err() != nil {
		return 0, context.Cause(b.ctx)
	}
	if b.left <= 0 {
		return 0, fmt.Errorf("%w: the archive expands to more than %d MiB", ErrTooLarge, (MaxSize+maxOverhead)>>20)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
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
