// Package statebackend serves Terraform's standard "http" backend
// (developer.hashicorp.com/terraform/language/backend/http) to the terraform
// of one release: on the loopback interface, for the release's duration,
// behind a random per-release credential. State is kept by the store as
// sealed state versions of the release's environment, and locking is per
// environment (LOCK/UNLOCK), recorded with the release holding the lock.
package statebackend

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// DefaultMaxState is the largest state an environment may write (bytes)
// when Config.MaxState is not set.
const DefaultMaxState = 256 << 20

// user is the http backend's username; the password is per release.
const user = "shiplog"

// Config is one release's backend.
type Config struct {
	Store         *store.Store
	EnvironmentID int64
	Environment   string
	ReleaseID     int64
	// Secrets are the release's sensitive values, sealed with each state
	// version it writes (for masking after a rotation).
	Secrets []string
	Logger  hclog.Logger
	// Report, if set, receives refusals an operator must see (the release
	// log): terraform itself only prints the HTTP status.
	Report func(msg string)
	// MaxState is the largest state the environment may write, in bytes
	// (0: DefaultMaxState); a larger upload is refused with 413 as soon as
	// it passes the limit.
	MaxState int64
	// SpoolDir is where an upload is spooled (a 0600 file, removed once
	// stored) while it streams in: it is never held in memory. "" is the
	// system's temporary directory.
	SpoolDir string
}

// Server is a running backend. Close it when the release ends.
type Server struct {
	cfg      Config
	password string
	ln       net.Listener
	srv      *http.Server
	done     chan struct{}
	// write admits one write (POST, LOCK, UNLOCK) at a time: another waits
	// for it without its body being read; read admits maxReads GETs.
	write, read chan struct{}
}

// maxReads is how many GETs are served at once (each holds a chunk).
const maxReads = 4

// Start listens on 127.0.0.1 (a free port) and serves until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Report == nil {
		cfg.Report = func(string) {}
	}
	if cfg.MaxState <= 0 {
		cfg.MaxState = DefaultMaxState
	}
	pw := make([]byte, 32)
	if _, err := rand.Read(pw); err != nil {
		return nil, fmt.Errorf("making the state backend's credential: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("state backend: listening on 127.0.0.1: %w", err)
	}
	s := &Server{cfg: cfg, password: base64.RawURLEncoding.EncodeToString(pw), ln: ln, done: make(chan struct{}),
		write: make(chan struct{}, 1), read: make(chan struct{}, maxReads)}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Address is the state URL.
func (s *Server) Address() string { return "http://" + s.ln.Addr().String() + "/state" }

// Env is the terraform environment that configures an empty
// `backend "http" {}` block for this server (TF_HTTP_*): nothing of it
// appears on a command line or in the working copy.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"TF_HTTP_ADDRESS":        s.Address(),
		"TF_HTTP_LOCK_ADDRESS":   s.Address(),
		"TF_HTTP_UNLOCK_ADDRESS": s.Address(),
		"TF_HTTP_USERNAME":       user,
		"TF_HTTP_PASSWORD":       s.password,
	}
}

// Close stops serving, waiting for requests in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

// ServeHTTP answers the http backend's requests: GET (read), POST (write,
// ?ID=<lock id>), LOCK and UNLOCK (lock info JSON), DELETE (refused).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(s.password)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="shiplog state"`)
		http.Error(w, "wrong or missing credential for this release's state", http.StatusUnauthorized)
		return
	}
	if r.URL.Path != "/state" {
		http.Error(w, "not found: the state is at /state", http.StatusNotFound)
		return
	}
	ctx := r.Context()
	// Requests with a body or a state in flight are admitted a few at a
	// time, so that memory does not grow with how many are sent at once:
	// writes (POST, LOCK, UNLOCK) one at a time, reads maxReads at a time.
	gate := s.write
	switch r.Method {
	case http.MethodGet:
		gate = s.read
	case http.MethodPost, "LOCK", "UNLOCK":
	default:
		gate = nil
	}
	if gate != nil {
		select {
		case gate <- struct{}{}:
			defer func() { <-gate }()
		case <-ctx.Done():
			return
		}
	}
	switch r.Method {
	case http.MethodGet:
		s.get(ctx, w)
	case http.MethodPost:
		s.post(ctx, w, r)
	case "LOCK":
		s.lock(ctx, w, r)
	case "UNLOCK":
		s.unlock(ctx, w, r)
	case http.MethodDelete:
		http.Error(w, "shiplog keeps every state version: deleting the state is not supported", http.StatusMethodNotAllowed)
	default:
		http.Error(w, "method "+r.Method+" is not part of the http backend", http.StatusMethodNotAllowed)
	}
}

func (s *Server) get(ctx context.Context, w http.ResponseWriter) {
	v, sum, body, err := s.cfg.Store.OpenLatestState(ctx, s.cfg.EnvironmentID)
	if err != nil {
		s.internal(w, "reading the state", err)
		return
	}
	if v == nil {
		w.WriteHeader(http.StatusNoContent) // no state yet: terraform starts one
		return
	}
	if sum == nil { // stored before chunks: read whole to sum it
		b, err := io.ReadAll(body)
		if err != nil {
			s.internal(w, "reading the state", err)
			return
		}
		d := md5.Sum(b)
		sum, body = d[:], bytes.NewReader(b)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.FormatInt(v.SizeBytes, 10))
	w.Header().Set("Content-MD5", base64.StdEncoding.EncodeToString(sum))
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, body); err != nil {
		// the status is sent: terraform sees a short body (Content-Length, Content-MD5)
		s.cfg.Logger.Error("state backend: sending the state", "environment", s.cfg.Environment, "error", err)
	}
}

// tooLarge is the refusal of a state over the limit.
func (s *Server) tooLarge(w http.ResponseWriter, size string) {
	w.Header().Set("Connection", "close") // the rest of the body is not read
	limit := fmt.Sprintf("%d bytes", s.cfg.MaxState)
	if s.cfg.MaxState%(1<<20) == 0 {
		limit = fmt.Sprintf("%d MiB", s.cfg.MaxState>>20)
	}
	s.refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("state upload refused, nothing stored: the state (%s) is larger than the %s an environment's state may be (the worker's --state-max-mib)",
		size, limit))
}

// post stores a state terraform wrote, one write at a time (ServeHTTP):
// the body is spooled to a 0600 file while it streams in (counted against
// MaxState and summed for Content-MD5), then checked and stored chunk by
// chunk, so memory holds neither whole, however large or many the uploads.
func (s *Server) post(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > s.cfg.MaxState {
		s.tooLarge(w, fmt.Sprintf("%d bytes", r.ContentLength))
		return
	}
	spool, err := os.CreateTemp(s.cfg.SpoolDir, "state-upload-*")
	if err != nil {
		s.internal(w, "spooling the state upload", err)
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	sum := md5.New()
	n, err := io.Copy(io.MultiWriter(spool, sum), io.LimitReader(r.Body, s.cfg.MaxState+1))
	if err != nil {
		http.Error(w, "reading the state upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	if n > s.cfg.MaxState {
		s.tooLarge(w, "over "+strconv.FormatInt(s.cfg.MaxState, 10)+" bytes")
		return
	}
	if want := r.Header.Get("Content-MD5"); want != "" {
		if base64.StdEncoding.EncodeToString(sum.Sum(nil)) != want {
			s.refuse(w, http.StatusBadRequest, "state upload refused: the body does not match its Content-MD5 (corrupted in transit)")
			return
		}
	}
	v, err := s.cfg.Store.SaveStateVersion(ctx, store.NewStateVersion{
		EnvironmentID: s.cfg.EnvironmentID, ReleaseID: s.cfg.ReleaseID, LockID: r.URL.Query().Get("ID"),
		Open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.NewSectionReader(spool, 0, n)), nil
		},
		Secrets: s.cfg.Secrets,
	})
	var locked *store.StateLockedError
	switch {
	case errors.As(err, &locked):
		s.refuse(w, http.StatusLocked, "state upload refused: "+locked.Error())
		return
	case errors.Is(err, release.ErrInvalidState):
		s.refuse(w, http.StatusBadRequest, "state upload refused, nothing stored: "+err.Error())
		return
	case err != nil:
		s.internal(w, "storing the state", err)
		return
	}
	s.cfg.Logger.Debug("state stored", "environment", s.cfg.Environment, "serial", v.Serial, "bytes", v.SizeBytes)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) lock(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	info, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "reading the lock info: "+err.Error(), http.StatusBadRequest)
		return
	}
	err = s.cfg.Store.LockState(ctx, s.cfg.EnvironmentID, s.cfg.ReleaseID, info)
	var locked *store.StateLockedError
	switch {
	case errors.As(err, &locked):
		// terraform prints only the ID of the lock info in the body: make it
		// name the holder (an unlock with it still finds the lock).
		s.cfg.Report(locked.Error())
		var held map[string]any
		json.Unmarshal(locked.Info, &held)
		if held == nil {
			held = map[string]any{}
		}
		held["ID"] = fmt.Sprintf("%s (held by shiplog release %d of environment %s since %s)", locked.Holder.ID,
			locked.Holder.ReleaseID, locked.Environment, locked.Holder.CreatedAt.UTC().Format(time.RFC3339))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusLocked)
		json.NewEncoder(w).Encode(held)
	case errors.Is(err, release.ErrInvalidState):
		s.refuse(w, http.StatusBadRequest, "lock refused: "+err.Error())
	case err != nil:
		s.internal(w, "locking the state", err)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

func (s *Server) unlock(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	var info struct{ ID string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&info); err != nil || info.ID == "" {
		s.refuse(w, http.StatusBadRequest, "unlock refused: the body must be terraform's lock info with its \"ID\"")
		return
	}
	id, _, _ := strings.Cut(info.ID, " (held by ") // as a lock error showed it
	err := s.cfg.Store.UnlockState(ctx, s.cfg.EnvironmentID, id)
	var locked *store.StateLockedError
	switch {
	case errors.As(err, &locked):
		s.refuse(w, http.StatusLocked, "unlock refused: "+locked.Error())
	case err != nil:
		s.internal(w, "unlocking the state", err)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

func (s *Server) refuse(w http.ResponseWriter, status int, msg string) {
	s.cfg.Report(msg)
	http.Error(w, msg, status)
}

func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.cfg.Logger.Error("state backend: "+what, "environment", s.cfg.Environment, "error", err)
	s.cfg.Report("state backend: " + what + " failed: " + err.Error())
	http.Error(w, what+" failed", http.StatusInternalServerError)
}
