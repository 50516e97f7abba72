// Package client is a typed Go client for shiplog's HTTP API (the contract in
// ARCHITECTURE.md): every route under /api/v1 plus /healthz and /readyz. It
// decodes responses into the domain types of internal/release and errors into
// *Error. Every call takes a context and is bounded by the client's timeout,
// so a server that does not answer yields an error wrapping ErrTimeout rather
// than a hang.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// DefaultTimeout bounds one request (connecting, sending, and reading the
// whole answer) when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// apiPrefix is where every route but the health checks lives.
const apiPrefix = "/api/v1"

// ErrTimeout is wrapped by every error caused by the server not answering in
// time: test it with errors.Is(err, client.ErrTimeout).
var ErrTimeout = errors.New("timed out")

// Config says where the API is and how to reach it.
type Config struct {
	// Endpoint is the server's base URL, e.g. "https://shiplog.example.com"
	// or "http://127.0.0.1:8080". A trailing "/api/v1" is accepted and
	// ignored.
	Endpoint string
	// Token is sent as "Authorization: Bearer <token>"; empty sends none.
	Token string
	// Timeout bounds each request; zero means DefaultTimeout. For log
	// streams it bounds the wait for the answer's headers and every silence
	// between two lines (the server sends keep-alives).
	Timeout time.Duration
	// UserAgent is sent with every request (default "shiplog-client").
	UserAgent string
	// HTTPClient, if set, is used instead of a client of our own. Its own
	// Timeout, if any, still applies on top of ours.
	HTTPClient *http.Client
}

// Client talks to one shiplog API server. It is safe for concurrent use.
type Client struct {
	root      *url.URL // the endpoint without the API prefix
	token     string
	timeout   time.Duration
	userAgent string
	http      *http.Client
}

// New checks cfg and returns a client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Endpoint) == "" {
		return nil, errors.New("shiplog endpoint is empty: give the API server's URL, e.g. http://127.0.0.1:8080")
	}
	u, err := url.Parse(strings.TrimSpace(cfg.Endpoint))
	if err != nil {
		return nil, fmt.Errorf("shiplog endpoint %q is not a URL: %w", cfg.Endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("shiplog endpoint %q must start with http:// or https://", cfg.Endpoint)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("shiplog endpoint %q has no host", cfg.Endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("shiplog endpoint %q must not carry a query or fragment", cfg.Endpoint)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), apiPrefix)
	u.RawPath = ""
	if strings.ContainsAny(cfg.Token, "\r\n") {
		return nil, errors.New("shiplog token must be a single line")
	}
	c := &Client{
		root:      u,
		token:     cfg.Token,
		timeout:   cfg.Timeout,
		userAgent: cfg.UserAgent,
		http:      cfg.HTTPClient,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "shiplog-client"
	}
	if c.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = c.timeout
		c.http = &http.Client{Transport: t}
	}
	return c, nil
}

// Endpoint is the server's base URL, as configured (without /api/v1).
func (c *Client) Endpoint() string { return c.root.String() }

// Timeout is the bound on one request.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Error is an answer other than 2xx. Code, Message and Field come from the
// contract's error body; when the body is not one (a proxy's HTML page, say)
// Code is empty and Message holds the start of the body.
type Error struct {
	Method  string // the request's method
	Path    string // the request's path and query
	Status  int    // HTTP status code
	Code    string // not_found, invalid, conflict, unauthorized, forbidden, too_large, internal; or ""
	Message string
	Field   string // the input field at fault, if one is

	body []byte // the answer's body (at most maxErrorBody bytes)
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Method != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	if e.Code == "" {
		fmt.Fprintf(&b, "unexpected answer %d %s", e.Status, http.StatusText(e.Status))
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%s", e.Code)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, " (field %s)", e.Field)
	}
	return b.String()
}

// AsError returns the *Error in err's chain, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// HasCode reports whether err is an *Error with the given code.
func HasCode(err error, code string) bool {
	e, ok := AsError(err)
	return ok && e.Code == code
}

// IsNotFound reports whether err says that what was asked for does not exist.
func IsNotFound(err error) bool { return HasCode(err, apiwire.CodeNotFound) }

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

func decodeError(method, path string, resp *http.Response) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{Method: method, Path: path, Status: resp.StatusCode, body: b}
	if err != nil && len(b) == 0 {
		e.Message = fmt.Sprintf("(reading the body: %v)", err)
		return e
	}
	var body apiwire.ErrorBody
	if json.Unmarshal(b, &body) == nil && body.Error != nil && body.Error.Code != "" {
		e.Code, e.Message, e.Field = body.Error.Code, body.Error.Message, body.Error.Field
		return e
	}
	e.Message = snippet(b)
	return e
}

// snippet is the start of a body, on one line, for an error message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// request is one call.
type request struct {
	method string
	path   string // under the root; API routes include apiPrefix
	query  url.Values
	body   any       // JSON-encoded unless nil
	raw    io.Reader // sent as is when body is nil
	// out receives the decoded JSON answer (nil: ignore the body).
	out any
}

func (c *Client) url(path string, q url.Values) *url.URL {
	u := *c.root
	u.Path = c.root.Path + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return &u
}

// pathAndQuery is what errors name: the request without the host.
func pathAndQuery(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	return u.EscapedPath() + "?" + u.RawQuery
}

// do sends r and decodes the answer, all within the client's timeout.
func (c *Client) do(ctx context.Context, r request) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, u, err := c.send(ctx, r, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(r.method, pathAndQuery(u), resp)
	}
	if r.out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(r.out); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s %s: the answer has an empty body", r.method, pathAndQuery(u))
		}
		return c.wrap(ctx, r.method, u, fmt.Errorf("decoding the answer: %w", err))
	}
	return nil
}

// send builds and sends r; the caller closes the body.
func (c *Client) send(ctx context.Context, r request, accept string) (*http.Response, *url.URL, error) {
	u := c.url(r.path, r.query)
	body := r.raw
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, u, fmt.Errorf("%s %s: encoding the request: %w", r.method, pathAndQuery(u), err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, u, fmt.Errorf("%s %s: %w", r.method, pathAndQuery(u), err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, u, c.wrap(ctx, r.method, u, err)
	}
	return resp, u, nil
}

// wrap names the request in err and marks timeouts with ErrTimeout.
func (c *Client) wrap(ctx context.Context, method string, u *url.URL, err error) error {
	where := fmt.Sprintf("%s %s", method, u.Redacted())
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%s: %w: no answer within %s (%w)", where, ErrTimeout, c.timeout, unwrapURLError(err))
	}
	return fmt.Errorf("%s: %w", where, unwrapURLError(err))
}

// unwrapURLError drops net/http's *url.Error, which repeats method and URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	return c.do(ctx, request{method: http.MethodGet, path: path, query: q, out: out})
}

func (c *Client) post(ctx context.Context, path string, body, out any) error {
	return c.do(ctx, request{method: http.MethodPost, path: path, body: body, out: out})
}

// api is the path of an API route; parts are escaped as path segments.
func api(parts ...string) string {
	var b strings.Builder
	b.WriteString(apiPrefix)
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// Healthz asks whether the server process is up (no token needed).
func (c *Client) Healthz(ctx context.Context) (*apiwire.Health, error) {
	var h apiwire.Health
	if err := c.get(ctx, "/healthz", nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Readyz asks whether the server can reach its database and its migrations
// are current (no token needed). A server that is not ready answers 503:
// Readyz then returns the answer and an *Error whose Message is the reason.
func (c *Client) Readyz(ctx context.Context) (*apiwire.Health, error) {
	var h apiwire.Health
	err := c.get(ctx, "/readyz", nil, &h)
	if e, ok := AsError(err); ok && e.Status == http.StatusServiceUnavailable && e.Code == "" {
		var body apiwire.Health
		if json.Unmarshal(e.body, &body) == nil && body.Status != "" {
			e.Code, e.Message = "unavailable", body.Reason
			return &body, e
		}
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// CheckToken makes the cheapest call that needs the read scope (a release
// listing of at most one): nil means the server answers and takes the token.
func (c *Client) CheckToken(ctx context.Context) error {
	var page struct {
		Releases []json.RawMessage `json:"releases"`
	}
	return c.get(ctx, api("releases"), url.Values{"limit": {"1"}}, &page)
}

// OpenAPI returns the server's OpenAPI document.
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	if err := c.get(ctx, api("openapi.json"), nil, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// setQuery sets k=v in q when v is not empty.
func setQuery(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// setLimit sets limit when positive.
func setLimit(q url.Values, n int) {
	if n > 0 {
		q.Set("limit", fmt.Sprint(n))
	}
}
