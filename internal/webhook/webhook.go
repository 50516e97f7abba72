// Package webhook delivers the webhook outbox (store's webhook_deliveries)
// to subscribers, signed per the Standard Webhooks specification
// (https://www.standardwebhooks.com/, "Signature scheme"): each request
// carries webhook-id (the message id, the same on every attempt),
// webhook-timestamp (unix seconds) and webhook-signature, space-separated
// "v1,<base64 HMAC-SHA256>" values of "<id>.<timestamp>.<body>", one per
// valid secret (two while a rotated-out secret still signs).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// secretPrefix starts a signing secret, as the specification writes them.
const secretPrefix = "whsec_"

// NewSecret makes a signing secret: "whsec_" and the base64 of 32 random
// bytes.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a webhook secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// Sign is the webhook-signature header of body sent as message id at ts,
// one "v1,<signature>" per secret (whsec_-prefixed base64 keys).
func Sign(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	var sigs []string
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, secretPrefix))
		if err != nil {
			return "", fmt.Errorf("a webhook secret is not base64: %w", err)
		}
		m := hmac.New(sha256.New, key)
		fmt.Fprintf(m, "%s.%d.", id, ts.Unix())
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// ErrPrivateAddress is a target on a loopback, link-local, private,
// unspecified or multicast address, which an operator must allow.
var ErrPrivateAddress = errors.New("the address is loopback, link-local, private, unspecified or multicast; shiplog does not send webhooks there unless the operator allows it (--webhook-allow-private)")

// private reports whether ip must not be reached without the operator's
// leave (server-side request forgery).
func private(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast()
}

// Host is the host of a subscription's URL, all that logs and the audit
// log name of it: the path of some (a chat's incoming webhook) is itself
// a credential.
func Host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(not a URL)"
	}
	return u.Host
}

// CheckURL checks a subscription's URL: http or https, a host, and (unless
// allowPrivate) a host that does not resolve to a private address.
func CheckURL(ctx context.Context, raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("not an http or https URL with a host (https://hooks.example.com/path)")
	}
	if u.User != nil {
		return errors.New("the URL must not hold credentials; the signature authenticates shiplog")
	}
	if allowPrivate {
		return nil
	}
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("resolving %s: %w", u.Hostname(), err)
	}
	for _, ip := range ips {
		if private(ip) {
			return fmt.Errorf("%s resolves to %s: %w", u.Hostname(), ip, ErrPrivateAddress)
		}
	}
	return nil
}

// Dispatcher sends due deliveries, retrying failures with exponential
// backoff and jitter until MaxAttempts; any number may run (on the
// server and every worker): the store hands each delivery to one.
type Dispatcher struct {
	Store *store.Store
	Log   hclog.Logger
	// AllowPrivate lets deliveries reach private and loopback addresses.
	AllowPrivate bool
	// MaxAttempts before a delivery fails (default 8); Backoff is the
	// first retry's delay (default 5 s), doubling to at most an hour.
	MaxAttempts int
	Backoff     time.Duration
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// Now is the clock of timestamps (default time.Now).
	Now    func() time.Time
	client *http.Client
}

func (d *Dispatcher) defaults() {
	if d.Log == nil {
		d.Log = hclog.NewNullLogger()
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 8
	}
	if d.Backoff <= 0 {
		d.Backoff = 5 * time.Second
	}
	if d.Timeout <= 0 {
		d.Timeout = 10 * time.Second
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.client == nil {
		dialer := &net.Dialer{Timeout: d.Timeout, Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip != nil && private(ip) && !d.AllowPrivate {
				return fmt.Errorf("%s: %w", host, ErrPrivateAddress)
			}
			return nil
		}}
		d.client = &http.Client{
			Timeout:   d.Timeout,
			Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil, MaxIdleConnsPerHost: 4},
			// a redirect is an answer, not a new target: the receiver said
			// where it is when it subscribed
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
}

// Run delivers until ctx ends: woken by the store's announcement of new
// deliveries, and by a timer for retries that come due.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.defaults()
	wake := make(chan struct{}, 1)
	poke := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go d.Store.Listen(ctx, store.Subscriber{Channels: []string{store.WebhookChannel},
		Notify: func(string, string) { poke() }, Connected: func(up bool) {
			if up {
				poke()
			}
		}})
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		for {
			n, err := d.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				d.Log.Warn("delivering webhooks", "error", err)
			}
			if n == 0 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-tick.C:
		}
	}
}

// RunOnce claims the deliveries due now (at most 16), sends them at once
// (each is the next of its own subscription and release) and records
// each attempt, and says how many it sent.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.defaults()
	due, err := d.Store.ClaimWebhookDeliveries(ctx, 16, d.Timeout+30*time.Second)
	if err != nil {
		return 0, err
	}
	// each claimed delivery is the next of its own subscription and
	// release: they go out at once, so a slow receiver holds up no other
	errs := make(chan error, len(due))
	for _, dd := range due {
		go func() {
			errs <- d.Store.RecordWebhookAttempt(context.WithoutCancel(ctx), dd.ID, d.send(ctx, dd))
		}()
	}
	var first error
	for range due {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return len(due), first
}

// send makes one attempt at dd.
func (d *Dispatcher) send(ctx context.Context, dd store.DueDelivery) store.Attempt {
	body := []byte(dd.Payload)
	if dd.Format == "slack" {
		body = slackBody(dd.Payload)
	}
	now := d.Now()
	sig, err := Sign(dd.Secrets, dd.MessageID, now, body)
	if err != nil {
		return d.failed(dd, store.Attempt{Err: err.Error()})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dd.URL, bytes.NewReader(body))
	if err != nil {
		return d.failed(dd, store.Attempt{Err: "the subscription's URL is not valid"})
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "shiplog-webhooks/1")
	req.Header.Set("webhook-id", dd.MessageID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := d.client.Do(req)
	a := store.Attempt{LatencyMS: int(time.Since(start).Milliseconds())}
	if err != nil {
		// the URL's path may be a credential: name the host only
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		a.Err = fmt.Sprintf("POST to %s: %v", Host(dd.URL), err)
		return d.failed(dd, a)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.Status = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		a.Delivered = true
		return a
	}
	a.Err = "the receiver answered " + resp.Status
	return d.failed(dd, a)
}

// failed schedules the next attempt, or gives up after MaxAttempts.
func (d *Dispatcher) failed(dd store.DueDelivery, a store.Attempt) store.Attempt {
	n := dd.Attempts + 1
	if n >= d.MaxAttempts {
		return a
	}
	delay := d.Backoff << (n - 1)
	if delay > time.Hour || delay <= 0 {
		delay = time.Hour
	}
	jitter, _ := rand.Int(rand.Reader, big.NewInt(int64(delay/4)+1))
	a.Retry = time.Now().Add(delay + time.Duration(jitter.Int64()))
	d.Log.Info("webhook delivery failed; will retry", "delivery", dd.ID, "attempt", n, "retry_in", delay, "error", a.Err)
	return a
}

// slackBody is a Slack-compatible incoming-webhook body for a payload.
func slackBody(payload json.RawMessage) []byte {
	var p struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal(payload, &p)
	text := p.Type
	if id, ok := p.Data["release_id"]; ok {
		text = fmt.Sprintf("shiplog: release %v of %v is %v (%v, triggered by %v)", id, p.Data["environment"],
			strings.ToLower(fmt.Sprint(p.Data["status"])), p.Type, p.Data["triggered_by"])
	}
	b, _ := json.Marshal(map[string]string{"text": text})
	return b
}
