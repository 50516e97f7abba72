package plan

import (
	"fmt"
	"io"
	"os"
)

// Open returns a Reader of the plan in r that masks unmarked copies of
// sensitive values with every marked value of the plan known, whatever
// order the plan has them in: a mark may come after a copy (a deleted
// resource's before_sensitive, prior_state, a later output), so a first
// pass reads the whole plan for the texts Terraform marks (planned_values,
// prior_state, the before and after marks of every change) and the Reader
// returned reads it again for the changes. The first pass keeps only those
// texts (bounded, see mask.go), never the document.
//
// A seekable r (a file) is read twice from its current offset. Any other r
// (standard input, a request body, a pipe) is copied during the first pass
// to a temporary file, mode 0600, in spoolDir (os.TempDir() when empty):
// the plan holds secrets, so callers give a directory only they use.
//
// Call done once the Reader is no longer used: it removes the temporary
// file. An error of the first pass (invalid input, a read or spool
// failure) is returned by the Reader's first Next.
func Open(r io.Reader, spoolDir string, opts ...Option) (rd *Reader, done func()) {
	src, again, done, err := rewindable(r, spoolDir)
	if err == nil {
		first := NewReader(src, opts...)
		first.collectOnly = true
		if _, err = first.next(false); err == io.EOF {
			err = nil
		}
		if err == nil {
			if src, err = again(); err == nil {
				rd = NewReader(src, opts...)
				rd.secrets, rd.prescanned = first.secrets, true
				return rd, done
			}
		}
	}
	rd = NewReader(r, opts...)
	rd.fail(err)
	return rd, done
}

// OpenOnce is Open for a consumer that can drop the changes it was given
// and take them all again, as the store can within its transaction. It
// reads the plan once, masking each change with the marked texts known by
// then: those of planned_values (written before the changes), of the
// change itself and of the changes before it. That is every marked text
// of the plan unless one is marked only later (a sensitive value changed
// or deleted, marked in a later change's before_sensitive or in
// prior_state): only then could a change already returned hold an
// unmarked copy of it. In that case Next returns ErrReread, once, instead
// of io.EOF, and then returns the plan's changes again from the first,
// read a second time with every marked text known (as Open's second
// pass). r is copied for that as Open copies it.
//
// A plan with no late mark costs one pass instead of Open's two.
func OpenOnce(r io.Reader, spoolDir string, opts ...Option) (rd *Reader, done func()) {
	src, again, done, err := rewindable(r, spoolDir)
	if err != nil {
		rd = NewReader(r, opts...)
		rd.fail(err)
		return rd, done
	}
	rd = NewReader(src, opts...)
	rd.again = again
	return rd, done
}

// rewindable returns what the first pass reads and again, which returns
// the same input from its start for the second: r itself when it can seek,
// else a copy of r written to a temporary file as the first pass reads it.
func rewindable(r io.Reader, spoolDir string) (src io.Reader, again func() (io.Reader, error), done func(), err error) {
	if s, ok := r.(io.ReadSeeker); ok && regular(r) {
		if at, err := s.Seek(0, io.SeekCurrent); err == nil {
			again = func() (io.Reader, error) {
				if _, err := s.Seek(at, io.SeekStart); err != nil {
					return nil, fmt.Errorf("reading the plan again: %w", err)
				}
				return s, nil
			}
			return s, again, func() {}, nil
		}
	}
	f, err := os.CreateTemp(spoolDir, ".shiplog-plan-*.json") // mode 0600
	if err != nil {
		return nil, nil, func() {}, fmt.Errorf("a temporary copy of the plan: %w", err)
	}
	done = func() {
		f.Close()
		os.Remove(f.Name())
	}
	again = func() (io.Reader, error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("reading the temporary copy of the plan: %w", err)
		}
		return f, nil
	}
	return io.TeeReader(r, f), again, done, nil
}

// regular reports whether r, if it is a file, is a regular one: a
// terminal or a device may accept a seek and not read the same again.
func regular(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return true
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}
