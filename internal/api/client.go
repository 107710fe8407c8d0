// Package api owns tier's conversations with providers: a transport that
// records status, headers and error bodies of every response (failed stream
// opens included) for the quota engine, chat completions with a fast
// streaming reader, retries that honour Retry-After, reset headers and
// error-body hints, balance endpoints, and the built-in offline demo
// provider.
//
// go-openai supplies the wire types (requests, messages, models) and lists
// models. Chat completions are posted by tier itself, through the same
// client and transport: go-openai's stream reader runs regexps on every line
// (about 160k tokens/s here, against a 500k target) and its request type
// drops an explicit temperature of 0 (omitempty).
package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/quota"
)

// Config says which provider to talk to and how.
type Config struct {
	Provider string
	KeyName  string
	BaseURL  string // resolved, without trailing slash
	Key      string // the secret; never logged or put in errors
	// KeyFingerprint stands for Key should a provider echo it in an error
	// (keys.Fingerprint; the caller gives it, so api needs no key rules).
	KeyFingerprint string
	// KeySource says where Key came from ("env:GROQ_API_KEY", "keyring",
	// "file", "cmd"), so that a refusal points at the right place.
	KeySource string
	Dialect   *quota.Dialect
	// Transport replaces the network transport (tests, the demo provider).
	Transport http.RoundTripper
	Now       func() time.Time
	UserAgent string
}

// Client talks to one provider with one key.
type Client struct {
	cfg  Config
	http *http.Client
	oa   *openai.Client
}

// KeyFingerprint is the fingerprint of the client's key ("" without one).
func (c *Client) KeyFingerprint() string { return c.cfg.KeyFingerprint }

// New builds a client. No request is made.
func New(cfg Config) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Dialect == nil {
		cfg.Dialect = &quota.Dialect{Name: "none"}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "tier"
	}
	base := cfg.Transport
	if base == nil {
		base = newTransport()
	}
	hc := &http.Client{Transport: &captureTransport{base: uaTransport{base, cfg.UserAgent}, now: cfg.Now}}
	oc := openai.DefaultConfig(cfg.Key)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = hc
	oc.EmptyMessagesLimit = 1 << 30
	return &Client{cfg: cfg, http: hc, oa: openai.NewClientWithConfig(oc)}
}

type uaTransport struct {
	base http.RoundTripper
	ua   string
}

func (t uaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.ua)
	}
	return t.base.RoundTrip(req)
}

// Provider names the client's provider.
func (c *Client) Provider() string { return c.cfg.Provider }

// observe turns a captured exchange into a quota result with the snapshot's
// identity filled in.
func (c *Client) observe(ex *Exchange, model string) quota.Result {
	r := quota.Parse(c.cfg.Dialect, quota.Response{Status: ex.Status, Header: ex.Header, Body: ex.Body, At: ex.At})
	r.Snapshot.Provider = c.cfg.Provider
	r.Snapshot.Key = c.cfg.KeyName
	r.Snapshot.Model = model
	return r
}

// Models lists the provider's models (GET /models). The quota result of the
// response is returned too: some providers send rate-limit headers there.
func (c *Client) Models(ctx context.Context) ([]openai.Model, *quota.Result, error) {
	ctx, cap := withCapture(ctx)
	list, err := c.oa.ListModels(ctx)
	var qr *quota.Result
	if ex := cap.take(); ex != nil {
		r := c.observe(ex, "")
		qr = &r
	}
	if err != nil {
		return nil, qr, c.classify(ctx, err, qr)
	}
	return list.Models, qr, nil
}
