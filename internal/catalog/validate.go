package catalog

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tier-cli/tier/internal/lazyre"
	"github.com/tier-cli/tier/internal/quota"
)

var (
	reProviderName = lazyre.New(`^[a-z0-9][a-z0-9-]*$`)
	reDialectName  = lazyre.New(`^[a-z0-9][a-z0-9_-]*$`)
	reMetric       = lazyre.New(`^[a-z][a-z0-9_]*$`)
	reEnvName      = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)
	rePlaceholder  = lazyre.New(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

var (
	periods       = []string{quota.PeriodSecond, quota.PeriodMinute, quota.PeriodHour, quota.PeriodDay, quota.PeriodWeek, quota.PeriodMonth, quota.PeriodUnknown}
	resetFormats  = []string{string(quota.ResetAuto), string(quota.ResetDuration), string(quota.ResetSeconds), string(quota.ResetEpochS), string(quota.ResetEpochMS), string(quota.ResetRFC3339)}
	confidences   = []string{"third_party", "unverified", "dated", "inferred"}
	balanceKinds  = []string{"deepseek", "openrouter", "vercel"}
	modelStatuses = []string{"production", "preview"}
)

// validator checks the merged catalog; root is the merged YAML tree (for
// line numbers) and user the set of nodes that came from the user's file.
type validator struct {
	root     *yaml.Node
	user     map[*yaml.Node]bool
	userFile string
	// only, when not nil, limits the checks to the dialects and providers
	// it names (only["providers"]["groq"]): those the user's file touches.
	// The others are built-in ones, checked when builtin_gen.go was made.
	only map[string]map[string]bool
}

// skip reports whether entry name of section needs no check.
func (v *validator) skip(section, name string) bool {
	return v.only != nil && !v.only[section][name]
}

// errAt builds an *Error located at path (keys and list indices from the
// top of the file); a path that does not exist stops at its deepest part.
func (v *validator) errAt(provider, msg string, path ...any) *Error {
	n := v.root
	for _, p := range path {
		var next *yaml.Node
		d := deref(n)
		switch p := p.(type) {
		case string:
			next = lookup(d, p)
		case int:
			if d.Kind == yaml.SequenceNode && p < len(d.Content) {
				next = d.Content[p]
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	file := BuiltinFile
	if v.user[n] {
		file = v.userFile
	}
	return &Error{File: file, Line: n.Line, Provider: provider, Msg: msg}
}

func (v *validator) catalog(c *Catalog) error {
	for _, name := range sortedKeys(c.Dialects) {
		if v.skip("dialects", name) {
			continue
		}
		if err := v.dialect(name, c.Dialects[name]); err != nil {
			return err
		}
	}
	if len(c.Providers) == 0 {
		return v.errAt("", "no providers are defined", "providers")
	}
	for _, name := range sortedKeys(c.Providers) {
		if v.skip("providers", name) {
			continue
		}
		if err := v.profile(c, name, c.Providers[name]); err != nil {
			return err
		}
	}
	if err := v.pools(c); err != nil {
		return err
	}
	if err := v.budgets(c); err != nil {
		return err
	}
	if err := v.alerts(c); err != nil {
		return err
	}
	if err := v.shared(c); err != nil {
		return err
	}
	if c.Default != "" {
		if _, ok := c.Providers[c.Default]; !ok {
			return v.errAt("", fmt.Sprintf("default names unknown provider %q%s", c.Default, suggest(c.Default, sortedKeys(c.Providers))), "default")
		}
	}
	return nil
}

func (v *validator) dialect(name string, d *quota.Dialect) error {
	at := func(msg string, path ...any) error {
		return v.errAt("", fmt.Sprintf("dialect %q: %s", name, msg), append([]any{"dialects", name}, path...)...)
	}
	if !reDialectName().MatchString(name) {
		return at("a dialect name must be lower-case letters, digits, '-' and '_'")
	}
	if d == nil {
		return at("empty entry; remove it or give it windows")
	}
	if d.ResetFormat != "" && !oneOf(string(d.ResetFormat), resetFormats) {
		return at(fmt.Sprintf("reset_format %q is not one of %s", d.ResetFormat, strings.Join(resetFormats, ", ")), "reset_format")
	}
	for i, pt := range d.Patterns {
		p := []any{"patterns", i}
		if pt.Limit == "" && pt.Remaining == "" && pt.Reset == "" {
			return at(fmt.Sprintf("patterns[%d]: name at least one header prefix (limit, remaining or reset)", i), p...)
		}
		if len(pt.Metrics) == 0 {
			return at(fmt.Sprintf("patterns[%d]: metrics must map the names used in the headers to metrics, e.g. {req: requests}", i), p...)
		}
		for _, name := range sortedKeys(pt.Metrics) {
			if name == "" || !reMetric().MatchString(pt.Metrics[name]) {
				return at(fmt.Sprintf("patterns[%d]: metrics.%s: %q must be a lower-case word such as requests or tokens", i, name, pt.Metrics[name]), append(p, "metrics", name)...)
			}
		}
		if pt.Format != "" && !oneOf(string(pt.Format), resetFormats) {
			return at(fmt.Sprintf("patterns[%d]: reset_format %q is not one of %s", i, pt.Format, strings.Join(resetFormats, ", ")), append(p, "reset_format")...)
		}
	}
	for i, w := range d.Windows {
		p := []any{"windows", i}
		if !reMetric().MatchString(w.Metric) {
			return at(fmt.Sprintf("windows[%d]: metric %q must be a lower-case word such as requests or tokens", i, w.Metric), append(p, "metric")...)
		}
		if !quota.ValidPeriod(w.Period) {
			return at(fmt.Sprintf("windows[%d]: period %q is not one of %s, or <n>-<unit> such as 10-second", i, w.Period, strings.Join(periods, ", ")), append(p, "period")...)
		}
		if w.Limit == "" && w.Remaining == "" && w.Reset == "" {
			return at(fmt.Sprintf("windows[%d]: name at least one header (limit, remaining or reset)", i), p...)
		}
		if w.Format != "" && !oneOf(string(w.Format), resetFormats) {
			return at(fmt.Sprintf("windows[%d]: reset_format %q is not one of %s", i, w.Format, strings.Join(resetFormats, ", ")), append(p, "reset_format")...)
		}
	}
	return nil
}

func (v *validator) profile(c *Catalog, name string, p *Profile) error {
	at := func(msg string, path ...any) error {
		return v.errAt(name, fmt.Sprintf("provider %q: %s", name, msg), append([]any{"providers", name}, path...)...)
	}
	if !reProviderName().MatchString(name) {
		return at("a provider name must be lower-case letters, digits and '-'")
	}
	if p == nil {
		return at("empty entry; give it at least base_url")
	}
	if err := checkBaseURL(p.BaseURL); err != "" {
		return at(err, "base_url")
	}
	if p.QuotaScope != "" && p.QuotaScope != ScopeKey && p.QuotaScope != ScopeAccount {
		return at(fmt.Sprintf("quota_scope %q is not %s or %s", p.QuotaScope, ScopeKey, ScopeAccount), "quota_scope")
	}
	if _, ok := c.Dialects[p.Dialect]; !ok {
		return at(fmt.Sprintf("unknown dialect %q%s; known dialects: %s", p.Dialect, suggest(p.Dialect, sortedKeys(c.Dialects)), strings.Join(sortedKeys(c.Dialects), ", ")), "dialect")
	}
	for i, e := range p.KeyEnv {
		if !reEnvName().MatchString(e) {
			return at(fmt.Sprintf("key_env %q is not an environment variable name", e), "key_env", i)
		}
	}
	if b := p.Balance; b != nil {
		if !oneOf(b.Kind, balanceKinds) {
			return at(fmt.Sprintf("balance kind %q is not one of %s", b.Kind, strings.Join(balanceKinds, ", ")), "balance", "kind")
		}
		if err := checkHTTPSURL(b.URL); err != "" {
			return at("balance url "+err, "balance", "url")
		}
	}
	for i, l := range p.Limits {
		if err := checkLimit(l); err != "" {
			return at(fmt.Sprintf("limits[%d]: %s", i, err), "limits", i)
		}
		if f, err := checkFact(l.Fact); err != "" {
			return at(fmt.Sprintf("limits[%d]: %s", i, err), "limits", i, f)
		}
	}
	for i, g := range p.Credits {
		if err := checkGrant(g); err != "" {
			return at(fmt.Sprintf("credits[%d]: %s", i, err), "credits", i)
		}
		if f, err := checkFact(g.Fact); err != "" {
			return at(fmt.Sprintf("credits[%d]: %s", i, err), "credits", i, f)
		}
	}
	seen := map[string]bool{}
	for i, m := range p.Models {
		if m.ID == "" {
			return at(fmt.Sprintf("models[%d]: id is missing", i), "models", i)
		}
		if seen[m.ID] {
			return at(fmt.Sprintf("models[%d]: model %q is listed twice", i, m.ID), "models", i, "id")
		}
		seen[m.ID] = true
		if m.Status != "" && !oneOf(m.Status, modelStatuses) {
			return at(fmt.Sprintf("models[%d]: status %q is not one of %s", i, m.Status, strings.Join(modelStatuses, ", ")), "models", i, "status")
		}
		if m.ContextLength < 0 {
			return at(fmt.Sprintf("models[%d]: context_length is negative", i), "models", i, "context_length")
		}
		if pr := m.Price; pr != nil {
			if pr.Input < 0 || pr.Output < 0 || (pr.CachedInput != nil && *pr.CachedInput < 0) {
				return at(fmt.Sprintf("models[%d]: a price is negative", i), "models", i, "price")
			}
			if c, err := CurrencyCode(pr.Currency); pr.Currency != "" && (err != nil || c != pr.Currency) {
				return at(fmt.Sprintf("models[%d]: currency %q is not an ISO 4217 code such as USD, EUR or CNY (in capitals)", i, pr.Currency), "models", i, "price", "currency")
			}
			if f, err := checkFact(pr.Fact); err != "" {
				return at(fmt.Sprintf("models[%d] price: %s", i, err), "models", i, "price", f)
			}
		}
	}
	return nil
}

// checkBaseURL validates a base_url with its {VAR} placeholders.
func checkBaseURL(raw string) string {
	if raw == "" {
		return "base_url is missing; give the server's OpenAI-compatible base, e.g. http://localhost:8080/v1"
	}
	rest := rePlaceholder().ReplaceAllString(raw, "")
	if strings.ContainsAny(rest, "{}") {
		return fmt.Sprintf("base_url %q has a malformed placeholder; write {ENV_VAR_NAME}", raw)
	}
	filled := rePlaceholder().ReplaceAllString(raw, "placeholder")
	u, err := url.Parse(filled)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("base_url %q is not an http:// or https:// URL", raw)
	}
	if u.User != nil {
		return "base_url must not contain a user name or password; use key_env or key_cmd for the key"
	}
	return ""
}

// checkHTTPSURL accepts https URLs, and http to loopback (test servers).
func checkHTTPSURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return fmt.Sprintf("%q is not an https:// URL", raw)
	}
	return ""
}

func checkLimit(l Limit) string {
	if l.Tier == "" {
		return `tier is missing (e.g. "free", or "*" for every tier)`
	}
	if len(l.Models) == 0 {
		return `models is missing (model ids, or "*" for every model)`
	}
	for _, m := range l.Models {
		if m == "" {
			return "models has an empty entry"
		}
	}
	figures := []*int64{l.RPM, l.RPH, l.RPD, l.TPM, l.TPH, l.TPD, l.PerMinute, l.PerDay, l.PerMonth}
	hasFigure := false
	for _, f := range figures {
		if f != nil {
			hasFigure = true
			if *f < 0 {
				return "a limit is negative"
			}
		}
	}
	if !hasFigure {
		return "no figure given (rpm, rph, rpd, tpm, tph, tpd, or unit with per_minute/per_day/per_month)"
	}
	own := l.PerMinute != nil || l.PerDay != nil || l.PerMonth != nil
	if own && l.Unit == "" {
		return "per_minute/per_day/per_month need a unit (e.g. neurons)"
	}
	if !own && l.Unit != "" {
		return "unit is set but no per_minute/per_day/per_month figure uses it"
	}
	return ""
}

func checkGrant(g Grant) string {
	switch {
	case g.Amount <= 0:
		return "amount must be more than 0"
	case g.Unit == "":
		return `unit is missing (e.g. "USD" or "tokens")`
	case g.ValidDays < 0 || g.RenewDays < 0:
		return "valid_days and renew_days cannot be negative"
	case g.RenewDays > 0 && g.RenewMonthly:
		return "give renew_days or renew_monthly, not both"
	}
	return ""
}

// checkFact returns the offending field and a message, or "" when f is
// complete.
func checkFact(f Fact) (field, msg string) {
	if f.AsOf == "" {
		return "as_of", "as_of is missing; give the date the figure was seen (YYYY-MM-DD)"
	}
	if _, err := time.Parse(time.DateOnly, f.AsOf); err != nil {
		return "as_of", fmt.Sprintf("as_of %q is not a date; write YYYY-MM-DD", f.AsOf)
	}
	if strings.TrimSpace(f.Source) == "" {
		return "source", "source is missing; say where the figure comes from (a URL)"
	}
	if f.Confidence != "" && !oneOf(f.Confidence, confidences) {
		return "confidence", fmt.Sprintf("confidence %q is not one of %s (or empty for official, current facts)", f.Confidence, strings.Join(confidences, ", "))
	}
	return "", ""
}

func suggest(s string, choices []string) string {
	if c := closest(s, choices); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var rePoolName = lazyre.New(`^[a-z0-9][a-z0-9_-]*$`)

// pools checks every pool: a name that is no provider's, and targets
// "provider/key/model" naming a provider of the catalog.
func (v *validator) pools(c *Catalog) error {
	for _, name := range sortedKeys(c.Pools) {
		at := func(msg string, path ...any) error {
			return v.errAt("", fmt.Sprintf("pool %q: %s", name, msg), append([]any{"pools", name}, path...)...)
		}
		if !rePoolName().MatchString(name) {
			return at("a pool name must be lower-case letters, digits, '-' and '_'")
		}
		if _, ok := c.Providers[name]; ok {
			return at("a provider has this name: name the pool otherwise")
		}
		if len(c.Pools[name]) == 0 {
			return at("no targets: list them as provider/key/model, e.g. groq/default/llama-3.1-8b-instant")
		}
		for i, t := range c.Pools[name] {
			parts := strings.Split(t, "/")
			if len(parts) < 3 || parts[0] == "" || parts[1] == "" || strings.Join(parts[2:], "") == "" {
				return at(fmt.Sprintf("target %q is not provider/key/model (the key may be * for every key)", t), i)
			}
			if _, ok := c.Providers[parts[0]]; !ok {
				return at(fmt.Sprintf("target %q: unknown provider %q%s", t, parts[0], suggest(parts[0], sortedKeys(c.Providers))), i)
			}
		}
	}
	return nil
}

// SharedModes are the failure modes of shared: (internal/shared's).
var SharedModes = []string{"required", "preferred"}

// shared checks shared: a redis:// or rediss:// URL with a host and no
// password in it (the password comes from TIER_SHARED_PASSWORD or
// password_cmd, never the file), and a known mode. internal/shared
// checks the same at run time; here the error has the file and line.
func (v *validator) shared(c *Catalog) error {
	sh := c.Shared
	if sh == nil {
		return nil
	}
	at := func(msg string, path ...any) error {
		return v.errAt("", "shared: "+msg, append([]any{"shared"}, path...)...)
	}
	if strings.TrimSpace(sh.URL) == "" {
		return at("url is missing; give the Redis the fleet shares, e.g. url: redis://redis.internal:6379/0")
	}
	u, err := url.Parse(strings.TrimSpace(sh.URL))
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return at(fmt.Sprintf("url %q is not a redis:// or rediss:// URL such as redis://host:6379/0", sh.URL), "url")
	}
	if _, set := u.User.Password(); set {
		return at("url must not hold a password: give it in TIER_SHARED_PASSWORD or through password_cmd", "url")
	}
	if sh.Mode != "" && !oneOf(sh.Mode, SharedModes) {
		return at(fmt.Sprintf("mode %q is not one of %s%s", sh.Mode, strings.Join(SharedModes, ", "), suggest(sh.Mode, SharedModes)), "mode")
	}
	if sh.PasswordCmd != "" && strings.TrimSpace(sh.PasswordCmd) == "" {
		return at("password_cmd is blank; remove it or give the command that prints the password", "password_cmd")
	}
	return nil
}
