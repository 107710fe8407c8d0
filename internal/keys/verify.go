package keys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

// VerifyStatus is the outcome of Verify.
type VerifyStatus string

const (
	// VerifyOK: GET /models answered 2xx with the key.
	VerifyOK VerifyStatus = "ok"
	// VerifyRefused: 401 or 403; the key is wrong, revoked or for another
	// provider.
	VerifyRefused VerifyStatus = "refused"
	// VerifyUnverified: the host answered, but not in a way that says
	// whether the key is good (404: the endpoint lists no models; 429 and
	// other 4xx).
	VerifyUnverified VerifyStatus = "unverified"
	// VerifyUnreachable: network error, timeout or 5xx.
	VerifyUnreachable VerifyStatus = "unreachable"
)

// DefaultVerifyTimeout bounds Verify when ctx has no deadline.
const DefaultVerifyTimeout = 15 * time.Second

// VerifyResult says what a provider made of a key.
type VerifyResult struct {
	Status VerifyStatus `json:"status"`
	// HTTPStatus is 0 when no response came.
	HTTPStatus int `json:"http_status,omitempty"`
	// Host is the API host the key was sent to.
	Host string `json:"host"`
	// Message is one line for the user.
	Message string `json:"message"`
}

// Verify sends GET {baseURL}/models with the key as a bearer token.
func Verify(ctx context.Context, client *http.Client, baseURL, key string) VerifyResult {
	host, err := hostOf(baseURL)
	if err != nil {
		return VerifyResult{Status: VerifyUnreachable, Message: err.Error()}
	}
	if client == nil {
		client = defaultHTTPClient
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultVerifyTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/models", nil)
	if err != nil {
		return VerifyResult{Status: VerifyUnreachable, Host: host, Message: fmt.Sprintf("bad base URL %q: fix base_url in the profile", baseURL)}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		msg := "could not reach " + host
		var ue *url.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			msg += ": no answer in time"
		case errors.As(err, &ue):
			msg += ": " + oneLine(ue.Err.Error())
		}
		return VerifyResult{Status: VerifyUnreachable, Host: host, Message: msg + "; check the network and the profile's base_url"}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	r := VerifyResult{HTTPStatus: resp.StatusCode, Host: host}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		r.Status, r.Message = VerifyOK, fmt.Sprintf("%s accepted the key (GET /models: %d)", host, code)
	case code == 401 || code == 403:
		r.Status, r.Message = VerifyRefused, fmt.Sprintf("%s refused the key (%d): it is wrong, revoked or for another provider", host, code)
	case code == 404:
		r.Status, r.Message = VerifyUnverified, fmt.Sprintf("%s is reachable but does not list models (404), so the key could not be checked", host)
	case code >= 400 && code < 500:
		r.Status, r.Message = VerifyUnverified, fmt.Sprintf("%s answered %d to GET /models, so the key could not be checked", host, code)
	default:
		r.Status, r.Message = VerifyUnreachable, fmt.Sprintf("%s answered %d: the service is failing, try again later", host, code)
	}
	return r
}

// hostOf is the normalized host (lower case, default port dropped) of a
// base URL.
func hostOf(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("base URL %q is not an http(s) URL: fix base_url in the profile", baseURL)
	}
	h, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		return net.JoinHostPort(h, port), nil
	}
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	return h, nil
}

// Test verifies the key name of p against baseURL ("" means p.BaseURL),
// whatever host it was verified for before (the command behind `tier keys
// test`), and pins a stored key that was accepted to that host (in its
// keyring item, and in its metadata). The Resolved it returns has the host
// the key was pinned to before (Host).
func (m *Manager) Test(ctx context.Context, p *catalog.Profile, name, baseURL string) (VerifyResult, Resolved, error) {
	if baseURL == "" {
		baseURL = p.BaseURL
	}
	r, err := m.Resolve(ctx, p, name)
	if err != nil {
		return VerifyResult{}, r, err
	}
	if r.Source == SourceNone {
		return VerifyResult{}, r, fmt.Errorf("%s needs no key: there is nothing to test", p.Name)
	}
	v := Verify(ctx, m.httpClient(), baseURL, r.Key)
	if v.Status != VerifyOK || !r.Source.Stored() {
		return v, r, nil
	}
	name = normName(name)
	// The pin travels with the secret: rewrite the stored item with the
	// host that accepted the key.
	sealed, err := sealSecret(r.Key, v.Host)
	if err != nil {
		return v, r, err
	}
	sl := m.keyringSlot(p.Name)
	if r.Source == SourceFile {
		sl = m.fileSlot(p.Name)
	}
	if err := sl.set(name, sealed); err != nil {
		return v, r, fmt.Errorf("%s accepted the key, but it could not be pinned to it in the %s (%w): run '%s' again", v.Host, sl.backend, err, keysCmd("test", p.Name, name))
	}
	now := m.now()
	err = m.updateMeta(func(f *metaFile) error {
		k := f.get(p.Name, name)
		if k == nil {
			k = &KeyMeta{Provider: p.Name, Name: name, Backend: string(r.Source)}
		}
		k.Fingerprint = Fingerprint(r.Key)
		k.LastVerified, k.VerifiedHost = now, v.Host
		f.put(k)
		return nil
	})
	if err == nil {
		r.Meta, err = m.Meta(p.Name, name)
	}
	return v, r, err
}
