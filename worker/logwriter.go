package worker

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
)

// LogSink is where log lines go: the store's AppendLogs, which must be
// idempotent for a batch it already wrote.
type LogSink interface {
	AppendLogs(ctx context.Context, entries []release.LogEntry) error
}

// LogWriterOptions tune the log pipeline.
type LogWriterOptions struct {
	// FlushEvery is the longest a line waits before it is written (~100ms).
	FlushEvery time.Duration
	// BatchSize flushes early once this many lines wait (and caps a batch).
	BatchSize int
	// MaxPending bounds the lines held in memory while the database is
	// away; writers block beyond it rather than drop a line.
	MaxPending int
	Logger     hclog.Logger
}

func (o *LogWriterOptions) defaults() {
	if o.FlushEvery <= 0 {
		o.FlushEvery = 100 * time.Millisecond
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 5000
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 50_000
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
}

// LogWriter numbers a release's log lines and writes them in batches, in
// order, retrying through database outages: no line is lost or written
// twice (the sink skips what an unacknowledged attempt already wrote).
type LogWriter struct {
	sink    LogSink
	release int64
	dtype   release.DeploymentType
	opts    LogWriterOptions

	mu       sync.Mutex
	space    *sync.Cond // signalled when pending shrinks
	seq      int64
	pending  []release.LogEntry
	closing  bool
	kick     chan struct{}
	done     chan struct{}
	stop     chan struct{} // closed when Close gives up waiting
	stopOnce sync.Once
	failures int
	raw      []string // the values given to Redact
	secrets  []string // their forms, longest first
}

// NewLogWriter starts a writer whose first line gets seq lastSeq+1.
func NewLogWriter(sink LogSink, releaseID, lastSeq int64, dtype release.DeploymentType, opts LogWriterOptions) *LogWriter {
	opts.defaults()
	w := &LogWriter{sink: sink, release: releaseID, dtype: dtype, opts: opts, seq: lastSeq,
		kick: make(chan struct{}, 1), done: make(chan struct{}), stop: make(chan struct{})}
	w.space = sync.NewCond(&w.mu)
	go w.flushLoop()
	return w
}

// Redact masks these values in every line recorded from now on (and in
// what redact is given): sensitive variables that terraform prints because
// the configuration does not declare them sensitive, in every form
// terraform prints them (secret.Forms). Values shorter than
// secret.MinMasked bytes are not masked as text.
func (w *LogWriter) Redact(secrets []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.raw = append(w.raw, secrets...)
	w.secrets = secret.Forms(w.raw)
}

// redact masks the known secrets in s.
func (w *LogWriter) redact(s string) string {
	w.mu.Lock()
	secrets := w.secrets
	w.mu.Unlock()
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "(sensitive value)")
		}
	}
	return s
}

// Line records one line.
func (w *LogWriter) Line(phase string, stream release.Stream, text string) {
	text = w.redact(text)
	w.mu.Lock()
	for len(w.pending) >= w.opts.MaxPending && !w.closing {
		w.space.Wait()
	}
	w.seq++
	w.pending = append(w.pending, release.LogEntry{ReleaseID: w.release, Seq: w.seq, Phase: phase, Time: time.Now().UTC(),
		Stream: stream, Text: text, DeploymentType: w.dtype})
	full := len(w.pending) >= w.opts.BatchSize
	w.mu.Unlock()
	if full {
		w.wake()
	}
}

func (w *LogWriter) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Close writes every remaining line, waiting at most until ctx ends, and
// reports whether lines were left unwritten.
func (w *LogWriter) Close(ctx context.Context) error {
	w.mu.Lock()
	w.closing = true
	w.space.Broadcast()
	w.mu.Unlock()
	w.wake()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		w.stopOnce.Do(func() { close(w.stop) }) // the flush loop stops retrying
		<-w.done
		w.mu.Lock()
		n := len(w.pending)
		w.mu.Unlock()
		if n == 0 {
			return nil
		}
		return &UnwrittenError{Lines: n, Err: ctx.Err()}
	}
}

// UnwrittenError says lines could not be written before the deadline.
type UnwrittenError struct {
	Lines int
	Err   error
}

func (e *UnwrittenError) Error() string {
	return "log lines not written before the deadline: " + strconv.Itoa(e.Lines) + " lines: " + e.Err.Error()
}

func (w *LogWriter) flushLoop() {
	defer close(w.done)
	ticker := time.NewTicker(w.opts.FlushEvery)
	defer ticker.Stop()
	backoff := 50 * time.Millisecond
	var batch []release.LogEntry // kept as it was until written
	for {
		w.mu.Lock()
		if batch == nil {
			n := min(len(w.pending), w.opts.BatchSize)
			batch = w.pending[:n:n]
		}
		n := len(batch)
		closing := w.closing
		w.mu.Unlock()
		if n == 0 {
			batch = nil
			if closing {
				return
			}
			select {
			case <-w.kick:
			case <-ticker.C:
			}
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.sink.AppendLogs(ctx, batch)
		cancel()
		if err != nil {
			w.failures++
			if w.failures == 1 || w.failures%20 == 0 {
				w.mu.Lock()
				pending := len(w.pending)
				w.mu.Unlock()
				w.opts.Logger.Warn("log lines not written yet; holding them and retrying", "release", w.release, "pending", pending, "error", err)
			}
			select {
			case <-w.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		if w.failures > 0 {
			w.opts.Logger.Info("log lines written again after a database outage", "release", w.release, "failed_attempts", w.failures)
			w.failures = 0
		}
		backoff = 50 * time.Millisecond
		batch = nil
		w.mu.Lock()
		w.pending = w.pending[n:]
		if len(w.pending) == 0 {
			w.pending = nil // let the old array go
		}
		w.space.Broadcast()
		more := len(w.pending) >= w.opts.BatchSize || w.closing
		w.mu.Unlock()
		if !more {
			select {
			case <-w.kick:
			case <-ticker.C:
			}
		}
	}
}

// Stream returns an io.Writer that turns what is written into lines of
// one phase and stream. Call Flush on it at the end for a last partial line.
func (w *LogWriter) Stream(phase string, stream release.Stream) *LineWriter {
	return &LineWriter{w: w, phase: phase, stream: stream}
}

// maxLine splits longer lines so one runaway line cannot eat memory.
const maxLine = 64 << 10

// LineWriter splits output into lines for a LogWriter.
type LineWriter struct {
	w      *LogWriter
	phase  string
	stream release.Stream
	mu     sync.Mutex
	buf    []byte
}

func (l *LineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf = append(l.buf, p...)
			for len(l.buf) >= maxLine {
				l.emit(l.buf[:maxLine])
				l.buf = append(l.buf[:0], l.buf[maxLine:]...)
			}
			break
		}
		if len(l.buf) > 0 {
			l.buf = append(l.buf, p[:i]...)
			l.emit(l.buf)
			l.buf = l.buf[:0]
		} else {
			l.emit(p[:i])
		}
		p = p[i+1:]
	}
	return n, nil
}

func (l *LineWriter) emit(b []byte) {
	b = bytes.TrimSuffix(b, []byte{'\r'})
	l.w.Line(l.phase, l.stream, string(b))
}

// Flush records a last line that had no newline.
func (l *LineWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = l.buf[:0]
	}
}
