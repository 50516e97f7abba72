package plan

import (
	"io"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Result is a whole plan's changes, for small plans and the command line.
type Result struct {
	Header Header
	// Summary counts the resource changes (not outputs nor drift).
	Summary release.Summary
	// Changes are the resource changes, no-ops included.
	Changes       []release.Change
	OutputChanges []release.Change
	Drift         []release.Change
}

// Add files one change under its kind, counting resource changes.
func (res *Result) Add(c release.Change) {
	switch c.Kind {
	case release.KindOutput:
		res.OutputChanges = append(res.OutputChanges, c)
	case release.KindDrift:
		res.Drift = append(res.Drift, c)
	default:
		res.Summary.Add(c)
		res.Changes = append(res.Changes, c)
	}
}

// Read reads a whole plan into memory. Use a Reader for big plans. It
// reads r twice, like Open (a copy in the temporary directory when r
// cannot seek).
func Read(r io.Reader, opts ...Option) (*Result, error) {
	pr, done := Open(r, "", opts...)
	defer done()
	res := &Result{}
	for {
		c, err := pr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		res.Add(c)
	}
	res.Header = pr.Header()
	return res, nil
}
