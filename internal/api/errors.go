package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// Error codes of the contract.
const (
	CodeNotFound     = "not_found"
	CodeInvalid      = "invalid"
	CodeConflict     = "conflict"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeTooLarge     = "too_large"
	CodeInternal     = "internal"
)

// Error is an API error: an HTTP status and the body the contract gives
// it, {"error": {"code", "message", "field"}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the one input field at fault, if there is one.
	Field string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (field %s)", e.Message, e.Field)
	}
	return e.Message
}

// ErrorBody is the JSON an error response carries.
type ErrorBody struct {
	Error *Error `json:"error"`
}

func invalid(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// errorOf turns whatever a handler failed with into an API error: store
// lookups that found nothing are 404, lost compare-and-sets 409, values
// the database cannot read 400, anything
// unexpected a 500 whose details stay in the server's log.
func (s *Server) errorOf(r *http.Request, err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge,
			Message: fmt.Sprintf("the request body is larger than the %d bytes allowed", mbe.Limit)}
	case errors.Is(err, store.ErrNotFound):
		return notFound("%s", err.Error())
	case errors.Is(err, store.ErrConflict):
		return conflict("%s", err.Error())
	case errors.Is(err, store.ErrInvalid):
		return invalid("", "%s", err.Error())
	case errors.Is(err, template.ErrNotFound):
		return invalid("template", "%s", err.Error())
	case r.Context().Err() != nil:
		// The client went away; nobody reads this.
		return &Error{Status: 499, Code: CodeInternal, Message: "request cancelled"}
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error; see the server's log"}
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
	writeJSON(w, e.Status, ErrorBody{Error: e})
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
