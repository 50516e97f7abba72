package plan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// RenderOptions say what a writer shows.
type RenderOptions struct {
	// All lists no-op changes too; they are always counted.
	All bool
	// Color writes ANSI colours (TableWriter only).
	Color bool
}

// A Renderer writes changes as they are read, then a closing summary.
// JSONWriter and TableWriter are Renderers.
type Renderer interface {
	// Write renders one change; h is the plan header as read so far.
	Write(h Header, c release.Change) error
	// Close renders what comes after the last change (the summary) and
	// flushes; h is the complete header.
	Close(h Header) error
	// Abort ends a rendering cut short by err: it flushes what was
	// rendered, marking it incomplete where the format allows (JSON is
	// left unterminated, so that it does not parse).
	Abort(err error) error
}

// Render streams every change of r to w and closes w. On a read error it
// aborts w and returns the error.
func Render(ctx context.Context, r *Reader, w Renderer) error {
	for n := 0; ; n++ {
		if n%256 == 0 && ctx.Err() != nil {
			w.Abort(ctx.Err())
			return ctx.Err()
		}
		c, err := r.Next()
		if err == io.EOF {
			return w.Close(r.Header())
		}
		if err != nil {
			w.Abort(err)
			return err
		}
		if err := w.Write(r.Header(), c); err != nil {
			return err
		}
	}
}

// RenderResult renders a Result read whole (no-op changes and all).
func RenderResult(res *Result, w Renderer) error {
	for _, list := range [][]release.Change{res.Drift, res.Changes, res.OutputChanges} {
		for _, c := range list {
			if err := w.Write(res.Header, c); err != nil {
				return err
			}
		}
	}
	return w.Close(res.Header)
}

// JSONWriter renders a plan as JSON:
//
//	{"format_version": "1.2", "terraform_version": "1.11.4",
//	 "drift": [CHANGE...], "changes": [CHANGE...], "output_changes": [CHANGE...],
//	 "summary": {"create": 0, "update": 0, "delete": 0, "replace": 0,
//	             "read": 0, "no_op": 0, "forget": 0, "import": 0, "move": 0},
//	 "errored": false, "complete": true, "applyable": true,
//	 "deferred_changes": [{"address": "aws_instance.web[*]",
//	                       "reason": "resource_config_unknown", "action": "create"}],
//	 "failed_checks": [{"address": "check.health", "kind": "check",
//	                    "status": "fail", "problems": ["..."]}],
//	 "action_invocations": [{"address": "action.aws_lambda_invoke.notify",
//	                         "type": "aws_lambda_invoke", "name": "notify",
//	                         "provider": "registry.terraform.io/hashicorp/aws",
//	                         "trigger": "after_create", "resource": "aws_instance.web",
//	                         "on_failure": "fail", "config": [FIELD...]}]}
//
// where CHANGE is a release.Change in its JSON form. It streams: each
// change is written as it comes, so the three arrays come in the plan's
// order and the summary, which counts the resource changes, comes last
// (JSON objects are unordered). The header comes first when it is known by
// the first change, as it is for Terraform's output, and last otherwise.
// Plain no-op changes are counted but only listed with RenderOptions.All
// (a no-op that moves, imports or concerns a deposed object is listed:
// release.Change.Listed). errored, complete and applyable come last, as
// Terraform writes them; complete and applyable are null when the plan
// does not say (before Terraform 1.8).
type JSONWriter struct {
	w       *bufio.Writer
	opts    RenderOptions
	buf     bytes.Buffer
	enc     *json.Encoder
	started bool
	header  bool               // the header has been written
	open    release.ChangeKind // the kind whose array is open, or ""
	n       int                // changes in the open array
	done    map[release.ChangeKind]bool
	summary release.Summary
}

// NewJSONWriter returns a JSONWriter writing to w.
func NewJSONWriter(w io.Writer, opts RenderOptions) *JSONWriter {
	j := &JSONWriter{w: bufio.NewWriterSize(w, 64<<10), opts: opts, done: map[release.ChangeKind]bool{}}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	j.enc.SetIndent("    ", "  ")
	return j
}

// jsonKey is the array a kind of change goes in.
func jsonKey(k release.ChangeKind) string {
	switch k {
	case release.KindOutput:
		return "output_changes"
	case release.KindDrift:
		return "drift"
	}
	return "changes"
}

// member starts a top-level member.
func (j *JSONWriter) member(key string) {
	if !j.started {
		j.w.WriteString("{\n")
		j.started = true
	} else {
		j.w.WriteString(",\n")
	}
	j.w.WriteString("  ")
	j.value(key)
	j.w.WriteString(": ")
}

// value writes v as compact JSON.
func (j *JSONWriter) value(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = j.w.Write(b)
	return err
}

func (j *JSONWriter) writeHeader(h Header) {
	j.member("format_version")
	j.value(h.FormatVersion)
	j.member("terraform_version")
	j.value(h.TerraformVersion)
	j.header = true
}

func (j *JSONWriter) closeArray() {
	if j.open == "" {
		return
	}
	if j.n > 0 {
		j.w.WriteString("\n  ")
	}
	j.w.WriteString("]")
	j.done[j.open] = true
	j.open = ""
}

// Write renders one change.
func (j *JSONWriter) Write(h Header, c release.Change) error {
	if c.Kind != release.KindOutput && c.Kind != release.KindDrift {
		j.summary.Add(c)
	}
	if !c.Listed() && !j.opts.All {
		return nil
	}
	if !j.header && h.FormatVersion != "" {
		j.writeHeader(h)
	}
	kind := c.Kind
	if kind == "" {
		kind = release.KindResource
	}
	if kind != j.open {
		j.closeArray()
		if j.done[kind] {
			return fmt.Errorf("rendering JSON: %s changes do not come together", kind)
		}
		j.member(jsonKey(kind))
		j.w.WriteString("[")
		j.open, j.n = kind, 0
	}
	j.buf.Reset()
	if err := j.enc.Encode(c); err != nil {
		return fmt.Errorf("rendering %s as JSON: %w", c.Address, err)
	}
	if j.n > 0 {
		j.w.WriteString(",")
	}
	j.w.WriteString("\n    ")
	j.w.Write(bytes.TrimRight(j.buf.Bytes(), "\n"))
	j.n++
	_, err := j.w.Write(nil) // the write error, if any
	return err
}

// Close writes the missing arrays, the summary and the header if it was
// not written first, then flushes.
func (j *JSONWriter) Close(h Header) error {
	j.closeArray()
	if !j.header {
		j.writeHeader(h)
	}
	for _, k := range []release.ChangeKind{release.KindDrift, release.KindResource, release.KindOutput} {
		if !j.done[k] {
			j.member(jsonKey(k))
			j.w.WriteString("[]")
		}
	}
	j.member("summary")
	j.value(j.summary)
	// Terraform writes these last, after the changes: so does this writer.
	j.member("errored")
	j.value(h.Errored)
	j.member("complete")
	j.value(h.Complete)
	j.member("applyable")
	j.value(h.Applyable)
	j.member("deferred_changes")
	if h.Deferred == nil {
		j.w.WriteString("[]")
	} else {
		j.value(h.Deferred)
	}
	j.member("failed_checks")
	if h.FailedChecks == nil {
		j.w.WriteString("[]")
	} else {
		j.value(h.FailedChecks)
	}
	j.member("action_invocations")
	if h.Actions == nil {
		j.w.WriteString("[]")
	} else {
		j.value(h.Actions)
	}
	j.w.WriteString("\n}\n")
	return j.w.Flush()
}

// Abort flushes what was written, leaving the JSON unterminated.
func (j *JSONWriter) Abort(error) error {
	j.w.WriteString("\n")
	return j.w.Flush()
}
