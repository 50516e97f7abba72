package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// apiFlags are the flags of every command that talks to a shiplog server.
type apiFlags struct {
	Endpoint string        `env:"SHIPLOG_ENDPOINT" default:"http://127.0.0.1:8080" help:"The shiplog API server."`
	Token    string        `env:"SHIPLOG_TOKEN" help:"API token; create one with 'shiplog token create'."`
	Output   string        `short:"o" enum:"auto,table,json" default:"auto" help:"Output format: table or json (auto: table on a terminal, JSON otherwise)."`
	Timeout  time.Duration `default:"30s" help:"Bound on each API request."`
}

// apiSession is an API command's client and output mode.
type apiSession struct {
	c    *client.Client
	json bool
	out  io.Writer
	// progress is where progress goes when stderr is a terminal (else nil).
	progress io.Writer
}

func (f *apiFlags) session(g *Globals) (*apiSession, error) {
	if f.Token == "" {
		return nil, errors.New("no API token: pass --token or set SHIPLOG_TOKEN (an admin creates one with: shiplog token create NAME --scope read,write)")
	}
	c, err := client.New(client.Config{Endpoint: f.Endpoint, Token: f.Token, Timeout: f.Timeout, UserAgent: "shiplog-cli"})
	if err != nil {
		return nil, err
	}
	s := &apiSession{c: c, out: g.Stdout()}
	switch f.Output {
	case "json":
		s.json = true
	case "table":
	default:
		s.json = !isTerminal(g.Stdout())
	}
	if isTerminal(g.Stderr()) {
		s.progress = g.Stderr()
	}
	return s, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// printJSON writes v as indented JSON.
func (s *apiSession) printJSON(v any) error {
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table starts a table on the session's output.
func (s *apiSession) table(header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	if len(header) > 0 {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	return tw
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func ms(p *int64) string {
	if p == nil {
		return "-"
	}
	return (time.Duration(*p) * time.Millisecond).Round(100 * time.Millisecond).String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// summaryLine is a plan summary the way terraform counts it, or "not
// planned" for a release that never produced a plan (nil).
func summaryLine(sp *release.Summary) string {
	if sp == nil {
		return "not planned"
	}
	s := *sp
	line := fmt.Sprintf("%d to add, %d to change, %d to destroy", s.Create, s.Update, s.Delete)
	if s.Replace > 0 {
		line += fmt.Sprintf(", %d to replace", s.Replace)
	}
	if s.Import > 0 {
		line += fmt.Sprintf(", %d to import", s.Import)
	}
	if s.Move > 0 {
		line += fmt.Sprintf(", %d moved", s.Move)
	}
	return line
}

// keyValues reads repeated KEY=VALUE flags.
func keyValues(flag string, pairs []string) ([][2]string, error) {
	var out [][2]string
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--%s %q: want NAME=VALUE", flag, p)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// jsonLine is v as compact JSON on one line.
func jsonLine(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(b.String(), "\n")), nil
}

// variables turns --var NAME=VALUE and --sensitive-var NAME=VALUE (or
// NAME=@FILE, read from the file) flags into Terraform variables.
func variables(plain, sensitive []string) ([]release.Variable, error) {
	vars, err := keyValues("var", plain)
	if err != nil {
		return nil, err
	}
	var out []release.Variable
	for _, kv := range vars {
		out = append(out, release.Variable{Name: kv[0], Value: kv[1]})
	}
	secrets, err := keyValues("sensitive-var", sensitive)
	if err != nil {
		return nil, err
	}
	for _, kv := range secrets {
		v, err := fileOrValue("sensitive-var "+kv[0], kv[1])
		if err != nil {
			return nil, err
		}
		out = append(out, release.Variable{Name: kv[0], Value: v, Sensitive: true})
	}
	return out, nil
}

// nextPage tells a table's reader, on standard error, how to list the next
// page (nothing on the last page).
func (s *apiSession) nextPage(g *Globals, next string) {
	if next != "" {
		fmt.Fprintf(g.Stderr(), "more: --cursor %s\n", next)
	}
}

// explain adds to err, when it is one, which flag or variable to look at:
// an endpoint that cannot be reached, a token that is refused.
func (f *apiFlags) explain(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w\ncannot reach a shiplog server at %s: is it running? Set --endpoint or SHIPLOG_ENDPOINT", err, f.Endpoint)
	}
	if ce, ok := client.AsError(err); ok && ce.Status == http.StatusUnauthorized {
		return fmt.Errorf("%w\nthe server at %s refused the token: check --token or SHIPLOG_TOKEN", err, f.Endpoint)
	}
	return err
}

// fileOrValue is v, or with "@FILE" the content of FILE without its final
// line break; flag names the flag in errors.
func fileOrValue(flag, v string) (string, error) {
	file, ok := strings.CutPrefix(v, "@")
	if !ok {
		return v, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--%s: %w", flag, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
