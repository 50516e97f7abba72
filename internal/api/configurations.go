package api

import (
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
