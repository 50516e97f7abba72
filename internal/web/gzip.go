package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
)

// minGzip is the smallest body worth compressing (bytes).
const minGzip = 1024

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (RFC 9110 §12.5.3; "gzip;q=0" refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.TrimSpace(name)
			if name != "gzip" && name != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				return false
			}
			return true
		}
	}
	return false
}

// gzipped compresses b (the pages are rendered in memory, so no stream).
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// writeBody writes a page or an asset, gzip-compressed when the client
// accepts it and it is worth it (zipped: its compressed form, if known).
func writeBody(w http.ResponseWriter, r *http.Request, status int, body, zipped []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if len(body) >= minGzip && acceptsGzip(r) {
		if zipped == nil {
			zipped = gzipped(body)
		}
		h.Set("Content-Encoding", "gzip")
		body = zipped
	}
	w.WriteHeader(status)
	w.Write(body)
}
