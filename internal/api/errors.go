package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// httpError is a handler's error as the server answers it: an HTTP status
// and the contract's error object (apiwire.Error).
type httpError struct {
	Status  int
	Code    string // one of the apiwire.Code constants
	Message string
	// Field names the one input field at fault, if there is one.
	Field string
}

func (e *httpError) Error() string { return e.wire().Error() }

// wire is the error object the answer carries.
func (e *httpError) wire() *apiwire.Error {
	return &apiwire.Error{Code: e.Code, Message: e.Message, Field: e.Field}
}

func invalid(field, format string, args ...any) *httpError {
	return &httpError{Status: http.StatusBadRequest, Code: apiwire.CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *httpError {
	return &httpError{Status: http.StatusNotFound, Code: apiwire.CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *httpError {
	return &httpError{Status: http.StatusConflict, Code: apiwire.CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// errorOf turns whatever a handler failed with into an API error: store
// lookups that found nothing are 404, lost compare-and-sets 409, values
// the database cannot read 400, anything
// unexpected a 500 whose details stay in the server's log.
func (s *Server) errorOf(r *http.Request, err error) *httpError {
	var ae *httpError
	if errors.As(err, &ae) {
		return ae
	}
	var mbe *http.MaxBytesError
	var se *service.Error
	switch {
	case errors.As(err, &se):
		return serviceError(se)
	case errors.As(err, &mbe):
		return &httpError{Status: http.StatusRequestEntityTooLarge, Code: apiwire.CodeTooLarge,
			Message: fmt.Sprintf("the request body is larger than the %d bytes allowed", mbe.Limit)}
	case errors.Is(err, store.ErrNotFound):
		return notFound("%s", err.Error())
	case errors.Is(err, store.ErrConflict):
		// the code says conflict already: the message says why
		return conflict("%s", strings.TrimSuffix(err.Error(), ": "+store.ErrConflict.Error()))
	case errors.Is(err, store.ErrInvalid):
		return invalid("", "%s", err.Error())
	case errors.Is(err, template.ErrNotFound):
		return invalid("template", "%s", err.Error())
	case r.Context().Err() != nil:
		// The client went away; nobody reads this.
		return &httpError{Status: 499, Code: apiwire.CodeInternal, Message: "request cancelled"}
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	return &httpError{Status: http.StatusInternalServerError, Code: apiwire.CodeInternal, Message: "internal error; see the server's log"}
}

// serviceError is the answer to a use case's typed failure: the one place
// a service.Kind becomes an HTTP status.
func serviceError(e *service.Error) *httpError {
	switch e.Kind {
	case service.Invalid:
		return invalid(e.Field, "%s", e.Message)
	case service.NotFound:
		return notFound("%s", e.Message)
	case service.Conflict:
		return conflict("%s", e.Message)
	case service.Forbidden:
		return &httpError{Status: http.StatusForbidden, Code: apiwire.CodeForbidden, Message: e.Message}
	}
	return &httpError{Status: http.StatusInternalServerError, Code: apiwire.CodeInternal, Message: "internal error; see the server's log"}
}

// fail writes err as the contract's error JSON.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := s.errorOf(r, err)
	switch e.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="shiplog"`)
	case http.StatusRequestEntityTooLarge:
		// The rest of the body is not read: do not keep the connection.
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, e.Status, apiwire.ErrorBody{Error: e.wire()})
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"encoding the response failed"}}`)
	}
	writeBody(w, status, b)
}

// writeBody writes encoded JSON with status.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
	w.Write([]byte{'\n'})
}
