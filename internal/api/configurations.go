package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// pushConfiguration stores an uploaded configuration archive (tar.gz, at
// most MaxUploadBody, read as a stream within UploadLimits, then packed
// and stored at most MaxConcurrentUploads at once) as a blueprint of the
// environment named by its content hash; it becomes the environment's
// newest upload.
func (s *Server) pushConfiguration(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	env, err := s.store.GetEnvironment(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if env.Source.Kind != release.SourceUpload {
		s.fail(w, r, conflict("environment %q takes its configuration from its %s source; set source.kind to upload to push archives", name, env.Source.Kind))
		return
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(10 * time.Minute))
	spooled, err := blueprint.Spool(r.Context(), http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBody), s.cfg.UploadLimits)
	if err != nil {
		s.fail(w, r, uploadError(err))
		return
	}
	defer spooled.Close()
	// the blueprint is held in memory from here until it is stored
	select {
	case s.uploads <- struct{}{}:
		defer func() { <-s.uploads }()
	case <-r.Context().Done():
		return
	}
	archive, version, err := spooled.Pack()
	if err != nil {
		s.fail(w, r, uploadError(err))
		return
	}
	created, err := s.store.SaveSourcedBlueprint(r.Context(), store.SourcedBlueprint{Env: name, Version: version, Archive: archive, Origin: store.OriginUpload})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, apiwire.Configuration{Environment: name, BlueprintVersion: version, Created: created, Bytes: len(archive)})
}

// uploadError says what was wrong with an uploaded archive: 413 over the
// limits, 400 naming the entry (or the archive) otherwise.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, blueprint.ErrTooLarge) {
		return &httpError{Status: http.StatusRequestEntityTooLarge, Code: apiwire.CodeTooLarge, Message: err.Error()}
	}
	var ee *blueprint.EntryError
	if errors.As(err, &ee) {
		return invalid("archive", "%s", ee.Error())
	}
	return invalid("archive", "%s", err.Error())
}

// blueprintOf is the blueprint version a new release of env runs: the one
// it names (which, for an upload source, must have been pushed), or, for
// an upload source, the newest upload.
func (s *Server) blueprintOf(ctx context.Context, env *release.Environment, named string) (string, error) {
	if env.Source.Kind != release.SourceUpload {
		return named, nil
	}
	if named == "" {
		v, err := s.store.LatestUpload(ctx, env.Name)
		if errors.Is(err, store.ErrNotFound) {
			return "", invalid("blueprint_version", "environment %q has no uploaded configuration yet: push one (shiplog env push %s DIR)", env.Name, env.Name)
		}
		return v, err
	}
	ok, err := s.store.BlueprintExists(ctx, env.Name, named)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", invalid("blueprint_version", "environment %q has no configuration %s: push it first", env.Name, named)
	}
	return named, nil
}
