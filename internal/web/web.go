// Package web is shiplog's pages for people: server-rendered html/template
// pages at the root of the server (the API stays under /api/v1), static
// assets embedded and served at /static/<content hash>/<file>, sign-in by
// token into a browser session. Pages read through the API server's store
// and release cache in process, never over HTTP; actions go through the
// API's own routes in process (Server.Do), so the API decides.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/oidclogin"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config configures the pages.
type Config struct {
	API    *api.Server
	Store  *store.Store
	Logger hclog.Logger
	// Secure marks the session cookie Secure (serving over TLS).
	Secure bool
	// OIDC, when set, offers sign-in with that identity provider
	// (/auth/oidc/login and /auth/oidc/callback) besides tokens.
	OIDC *oidclogin.Provider
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Pages serves the web pages and, for every other path, the API.
type Pages struct {
	cfg    Config
	api    *api.Server
	store  *store.Store
	log    hclog.Logger
	now    func() time.Time
	pages  map[string]*template.Template
	assets map[string]asset // by file name
	byPath map[string]asset // by served path
	mux    *http.ServeMux
	h      http.Handler
}

type asset struct {
	name, path, ctype string
	body, zipped      []byte // zipped: body gzip-compressed
}

// New parses every template (failing on any error) and builds the routes.
func New(cfg Config) (*Pages, error) {
	if cfg.API == nil || cfg.Store == nil {
		return nil, errors.New("web: the API server and the store are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Pages{cfg: cfg, api: cfg.API, store: cfg.Store, log: cfg.Logger.Named("web"), now: cfg.Now,
		assets: map[string]asset{}, byPath: map[string]asset{}, mux: http.NewServeMux()}
	if err := p.loadAssets(); err != nil {
		return nil, err
	}
	if err := p.parseTemplates(); err != nil {
		return nil, err
	}
	p.routes()
	api := cfg.API.Handler()
	csrf := http.NewCrossOriginProtection()
	p.h = csrf.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := p.mux.Handler(r); pattern == "" || strings.HasPrefix(r.URL.Path, "/api/") {
			api.ServeHTTP(w, r)
			return
		}
		p.mux.ServeHTTP(w, r)
	}))
	return p, nil
}

// Handler serves the pages, the static files and (for everything else)
// the API.
func (p *Pages) Handler() http.Handler { return p.h }

func (p *Pages) routes() {
	p.mux.HandleFunc("GET /static/{hash}/{file}", p.static)
	p.mux.HandleFunc("GET /login", p.loginForm)
	p.mux.HandleFunc("POST /login", p.login)
	p.mux.HandleFunc("POST /logout", p.logout)
	if p.cfg.OIDC != nil {
		p.mux.HandleFunc("GET "+oidcPath+"/login", p.oidcLogin)
		p.mux.HandleFunc("GET "+oidcPath+"/callback", p.oidcCallback)
	}
	p.mux.HandleFunc("GET /{$}", p.signedIn(p.home))
	p.mux.HandleFunc("GET /environments/{name}", p.signedIn(p.environment))
	p.mux.HandleFunc("GET /environments/{name}/{tab}", p.signedIn(p.environment))
	p.mux.HandleFunc("GET /environments/{name}/resources/{address...}", p.signedIn(p.resource))
	p.mux.HandleFunc("GET /releases", p.signedIn(p.releases))
	p.mux.HandleFunc("GET /releases/{id}", p.signedIn(p.release))
	p.mux.HandleFunc("GET /releases/{id}/logs", p.signedIn(p.logs))
	p.mux.HandleFunc("GET /releases/{id}/changes", p.signedIn(p.changes))
	p.mux.HandleFunc("GET /compare", p.signedIn(p.compare))
	p.mux.HandleFunc("GET /artifacts", p.signedIn(p.artifacts))
	p.mux.HandleFunc("GET /audit", p.signedIn(p.audit))
	p.mux.HandleFunc("GET /webhooks", p.signedIn(p.webhooks))
	p.mux.HandleFunc("POST /releases/{id}/{action}", p.signedIn(p.act))
	p.mux.HandleFunc("POST /environments/{name}/{action}", p.signedIn(p.envAct))
}

func (p *Pages) loadAssets() error {
	return fs.WalkDir(staticFiles, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(name)
		if err != nil {
			return fmt.Errorf("web: reading %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		base := path.Base(name)
		a := asset{name: base, path: "/static/" + hex.EncodeToString(sum[:6]) + "/" + base, body: b, zipped: gzipped(b), ctype: "application/octet-stream"}
		switch path.Ext(base) {
		case ".js":
			a.ctype = "text/javascript; charset=utf-8"
		case ".css":
			a.ctype = "text/css; charset=utf-8"
		case ".svg":
			a.ctype = "image/svg+xml"
		}
		p.assets[base] = a
		p.byPath[a.path] = a
		return nil
	})
}

// static serves an asset by its content-hashed path, cached for a year
// (a change gives it a new path).
func (p *Pages) static(w http.ResponseWriter, r *http.Request) {
	a, ok := p.byPath[r.URL.Path]
	if !ok {
		http.Error(w, "no such static file (or an old version of it): "+r.URL.Path, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeBody(w, r, http.StatusOK, a.body, a.zipped)
}

// AssetPath is the served path of a static file ("app.js").
func (p *Pages) AssetPath(name string) string { return p.assets[name].path }

// pageNames are the templates under templates/, each a page executed with
// layout.html around it.
var pageNames = []string{"login", "error", "home", "environment", "resource", "releases", "release", "logs", "changes", "compare", "artifacts", "audit", "webhooks"}

func (p *Pages) parseTemplates() error {
	p.pages = map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(p.funcs()).ParseFS(templateFiles, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("web: parsing template %s: %w", name, err)
		}
		p.pages[name] = t
	}
	return nil
}

// view is what every page gets: its own data in Data.
type view struct {
	Title string
	// Who is the signed-in token or person (nil on the sign-in page).
	Who   *service.Caller
	Nav   string // the top bar's current section
	Path  string
	Flash string
	Data  any
}

// May reports whether the signed-in token or person holds role on
// environment env: the buttons a page shows.
func (v view) May(role, env string) bool { return v.Who != nil && v.Who.Holds(apiwire.Role(role), env) }

// render executes a page into memory first, so that a failing template is
// a clean 500 rather than half a page.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	if v.Who == nil {
		v.Who = whoOf(r.Context())
	}
	v.Path = r.URL.RequestURI()
	if v.Flash == "" {
		v.Flash = takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := p.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		p.log.Error("rendering a page", "page", page, "path", r.URL.Path, "error", err)
		http.Error(w, "the page could not be rendered (the server's log says why)", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	writeBody(w, r, status, buf.Bytes(), nil)
}

// flashCookie carries a message to the next page shown (an action's
// outcome, "Signed out"): read once, never in the address, so a reload
// or a shared link does not repeat it.
const flashCookie = "shiplog_flash"

// flashWords are the messages of the release actions.
var flashWords = map[string]string{"approve": "Approved.", "reject": "Rejected.", "abort": "Abort requested.",
	"signoff": "Signed off.", "rollback": "Rollback release created.",
	"apply-plan": "Release created: it applies the saved plan.", "promote": "Promotion release created."}

func setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: 60})
}

// takeFlash reads the flash message, if any, and clears it.
func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	msg, err := url.QueryUnescape(c.Value)
	if err != nil || len(msg) > 200 {
		return ""
	}
	return msg
}

// fail shows an error page: API errors keep their status and message,
// anything else is a 500 whose details stay in the log.
func (p *Pages) fail(w http.ResponseWriter, r *http.Request, err error) {
	var status int
	var msg string
	var pe *pageError
	switch {
	case errors.As(err, &pe):
		status, msg = pe.Status, pe.Message
	case errors.Is(err, context.Canceled):
		return
	default:
		status, msg = p.api.Explain(r, err)
	}
	p.render(w, r, status, "error", view{Title: http.StatusText(status), Data: errorPage{Status: status, Message: msg}})
}

type errorPage struct {
	Status  int
	Message string
}

// pageError is an error a page answers with its own status.
type pageError struct {
	Status  int
	Message string
}

func (e *pageError) Error() string { return e.Message }

func badRequest(field, format string, args ...any) error {
	return &pageError{Status: http.StatusBadRequest, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// checkText refuses a page request whose path or query (names and
// values, decoded) holds invalid UTF-8 or U+0000, which PostgreSQL cannot
// take: a 400 naming the parameter, never a 500 from the database.
func checkText(r *http.Request) error {
	bad := func(s string) bool { return !utf8.ValidString(s) || strings.ContainsRune(s, 0) }
	if bad(r.URL.Path) {
		return badRequest("path", "the address is not valid UTF-8 text")
	}
	for k, vs := range r.URL.Query() {
		if bad(k) {
			return badRequest("query", "parameter %q is not a valid UTF-8 name", strings.ToValidUTF8(k, "\uFFFD"))
		}
		for _, v := range vs {
			if bad(v) {
				return badRequest(k, "the value is not valid UTF-8 text")
			}
		}
	}
	return nil
}

type callerKey struct{}

// whoOf is the signed-in caller of a page request (nil before sign-in).
func whoOf(ctx context.Context) *service.Caller {
	c, _ := ctx.Value(callerKey{}).(*service.Caller)
	return c
}

// pageEnvironment is the environment a page is about, from its path:
// {name} of /environments/{name}…, the environment of release {id} of
// /releases/{id}…; service.AnyEnvironment for the others, and for an id
// that is no release's (the page answers that).
func (p *Pages) pageEnvironment(r *http.Request) (string, error) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/environments/") && r.PathValue("name") != "":
		return r.PathValue("name"), nil
	case strings.HasPrefix(r.URL.Path, "/releases/") && r.PathValue("id") != "":
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return service.AnyEnvironment, nil
		}
		env, err := p.api.Service().EnvironmentOfRelease(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return service.AnyEnvironment, nil
		}
		return env, err
	}
	return service.AnyEnvironment, nil
}

// signedIn wraps a page: without a live session it sends the browser to
// /login (coming back here after); a token or person without the viewer
// role on some environment gets a 403, and so does one reading a page
// about an environment or a release without the viewer role on that
// environment (pageEnvironment). A form's action is the use case's to
// authorize.
func (p *Pages) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := p.api.SessionCaller(r)
		if api.IsUnauthorized(err) {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if err != nil {
			p.fail(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), callerKey{}, &c)
		if err := c.Authorize(apiwire.RoleViewer, service.AnyEnvironment, "reading these pages"); err != nil {
			p.fail(w, r.WithContext(ctx), err)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			env, err := p.pageEnvironment(r)
			if err == nil {
				err = c.Authorize(apiwire.RoleViewer, env, "reading "+r.URL.Path)
			}
			if err != nil {
				p.fail(w, r.WithContext(ctx), err)
				return
			}
		}
		if err := checkText(r); err != nil {
			p.fail(w, r.WithContext(ctx), err)
			return
		}
		next(w, r.WithContext(ctx))
	}
}
