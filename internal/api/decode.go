package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// decodeJSON reads the request body (at most limit bytes) into dst, which
// must be a pointer to a struct. Unknown fields, wrong types, malformed or
// trailing JSON and an oversized body are errors naming the field or the
// reason.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &httpError{Status: http.StatusUnsupportedMediaType, Code: apiwire.CodeInvalid,
				Message: fmt.Sprintf("the request body must be application/json, not %q", ct)}
		}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	data, err := io.ReadAll(body)
	if err != nil {
		return err // *http.MaxBytesError, or the client went away
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return invalid("", "the request body is empty: want a JSON object")
	}
	return unmarshalStrict(data, dst)
}

// unmarshalStrict decodes one JSON value with no unknown fields, no
// trailing data, no U+0000 in any string and no invalid UTF-8 (nul.go).
func unmarshalStrict(data []byte, dst any) error {
	if err := checkNUL(data); err != nil {
		return err
	}
	if err := checkUTF8(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("", "the request body holds more than one JSON value (offset %d)", dec.InputOffset())
	}
	return nil
}

// jsonError turns an encoding/json error into an *httpError naming the field.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := textPosition(data, se.Offset)
		return invalid("", "malformed JSON at line %d, column %d (byte %d): %s", line, col, se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return invalid("", "the request body must be a JSON object, not %s", te.Value)
		}
		return invalid(field, "field %s must be %s, not %s", field, typeName(te.Type.Kind().String(), te.Type.String()), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return invalid(name, "unknown field %q", name)
	}
	var ae *httpError
	if errors.As(err, &ae) {
		return ae
	}
	return invalid("", "bad JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func typeName(kind, full string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return full
}

func textPosition(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// decodeOptionalJSON is decodeJSON for a body that may be left out.
func decodeOptionalJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	body := http.MaxBytesReader(w, r.Body, limit)
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &httpError{Status: http.StatusUnsupportedMediaType, Code: apiwire.CodeInvalid,
				Message: fmt.Sprintf("the request body must be application/json, not %q", ct)}
		}
	}
	return unmarshalStrict(data, dst)
}
