// Package shared owns the state many machines share through Redis when
// TIER_SHARED is set: the latest quota snapshot per provider, key and model
// (keyed by a one-way ID of the key, shown by its fingerprint, never the
// key), "cooling down until" after a 429 and "exhausted until reset" after a
// quota refusal, usage counters per window, the fleet's limiters of
// per-minute request and token windows (limiter.go, engine.go: a call
// takes a Ticket before it is sent and lands it, with its real usage,
// once it is back), and hard budgets' spend (Reserve before the call,
// Correct after). Every operation has a short timeout; when Redis cannot be
// reached, mode "required" fails (*Unavailable) and mode "preferred" warns
// once and goes on with local state only. It knows nothing of cobra.
package shared

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tier-cli/tier/internal/quota"
)

// Mode is what a Redis that cannot be reached does to a call.
type Mode string

const (
	// Required fails before any call is sent (exit 6).
	Required Mode = "required"
	// Preferred warns once and falls back to local state.
	Preferred Mode = "preferred"
)

// DefaultTimeout bounds every Redis operation.
const DefaultTimeout = 200 * time.Millisecond

// snapshotTTL is how long a snapshot nobody refreshes stays in Redis.
const snapshotTTL = 7 * 24 * time.Hour

// Config says which Redis to share through and how.
type Config struct {
	URL      string // redis://[user@]host:port/db or rediss:// (TLS)
	Mode     Mode   // "" is Preferred
	Password string // from TIER_SHARED_PASSWORD or a command; never in argv
	Host     string // who this machine is ("" is os.Hostname)
	Timeout  time.Duration
	Prefix   string // of every Redis key; "" is "tier:"
}

// FromEnv reads TIER_SHARED (the URL), TIER_SHARED_MODE and
// TIER_SHARED_PASSWORD; ok is false when TIER_SHARED is unset.
func FromEnv(getenv func(string) string) (cfg Config, ok bool, err error) {
	cfg.URL = strings.TrimSpace(getenv("TIER_SHARED"))
	if cfg.URL == "" {
		return cfg, false, nil
	}
	cfg.Mode = Mode(strings.TrimSpace(getenv("TIER_SHARED_MODE")))
	cfg.Password = getenv("TIER_SHARED_PASSWORD")
	if err := cfg.check(); err != nil {
		return cfg, true, err
	}
	return cfg, true, nil
}

// ParseMode reads TIER_SHARED_MODE: required or preferred.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Required, Preferred:
		return m, nil
	}
	return "", fmt.Errorf("TIER_SHARED_MODE %q: want required or preferred", s)
}

func (c *Config) check() error {
	if c.Mode == "" {
		c.Mode = Preferred
	}
	if _, err := ParseMode(string(c.Mode)); err != nil {
		return err
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return fmt.Errorf("TIER_SHARED must be a redis:// or rediss:// URL such as redis://host:6379/0")
	}
	if _, set := u.User.Password(); set {
		return fmt.Errorf("TIER_SHARED must not hold a password: give it in TIER_SHARED_PASSWORD")
	}
	return nil
}

// FromCatalog is providers.yaml's shared: as a Config (the password, if
// any, is the caller's to get from password_cmd).
func FromCatalog(url, mode string) (Config, error) {
	cfg := Config{URL: strings.TrimSpace(url), Mode: Mode(mode)}
	if err := cfg.check(); err != nil {
		return cfg, fmt.Errorf("providers.yaml: shared: %v", strings.NewReplacer("TIER_SHARED_PASSWORD", "TIER_SHARED_PASSWORD", "TIER_SHARED_MODE", "mode", "TIER_SHARED", "url").Replace(err.Error()))
	}
	return cfg, nil
}

// Unavailable is Redis out of reach in required mode: nothing was sent.
type Unavailable struct{ Err error }

func (e *Unavailable) Error() string {
	if e.Refused() {
		return "shared state (Redis) refused tier: " + oneLine(e.Err.Error()) +
			"; shared mode is required, so tier sends no call without it: check TIER_SHARED_PASSWORD (or password_cmd)," +
			" the user in TIER_SHARED and its ACL (README: Sharing quota across machines)"
	}
	return "shared state (Redis) unavailable: " + oneLine(e.Err.Error()) +
		"; shared mode is required, so tier sends no call without it: check Redis and TIER_SHARED (tier quota --shared-status)," +
		" or set shared mode preferred to go on with local state only"
}

// Refused says that Redis answered but refused tier's credentials or a
// command (WRONGPASS, NOAUTH, NOPERM): a configuration to fix, not a
// server out of reach.
func (e *Unavailable) Refused() bool {
	var re redis.Error
	if !errors.As(e.Err, &re) {
		return false
	}
	msg := re.Error()
	return strings.HasPrefix(msg, "WRONGPASS") || strings.HasPrefix(msg, "NOAUTH") || strings.HasPrefix(msg, "NOPERM")
}
func (e *Unavailable) Unwrap() error { return e.Err }

// oneLine joins a multi-line error message into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Fleet is one process's handle on the shared state; safe for concurrent
// use.
type Fleet struct {
	cfg  Config
	rdb  *redis.Client
	warn func(string)
	once sync.Once
	down atomic.Bool // preferred mode, after a failure: local only
	now  func() time.Time
}

// Open prepares a Fleet (no network yet). warn is told, once, that Redis
// failed in preferred mode; now is the local clock (for skew and records).
func Open(cfg Config, warn func(string), now func() time.Time) (*Fleet, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("TIER_SHARED: %v", err)
	}
	if cfg.Password != "" {
		opt.Password = cfg.Password
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Host == "" {
		cfg.Host, _ = os.Hostname()
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "tier:"
	}
	if opt.TLSConfig != nil && opt.TLSConfig.MinVersion == 0 {
		opt.TLSConfig.MinVersion = tls.VersionTLS12
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = cfg.Timeout, cfg.Timeout, cfg.Timeout
	opt.MaxRetries = -1
	opt.DialerRetries = 1 // one dial within the timeout: a down Redis costs one timeout, not five
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	opt.PoolSize = 8
	opt.ContextTimeoutEnabled = true
	opt.DisableIdentity = true
	if warn == nil {
		warn = func(string) {}
	}
	if now == nil {
		now = time.Now
	}
	return &Fleet{cfg: cfg, rdb: redis.NewClient(opt), warn: warn, now: now}, nil
}

// quiet keeps go-redis's own log lines (a failed dial) off tier's stderr:
// failures reach the user once, as preferred mode's warning or an error.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var quietOnce sync.Once

// Close closes the connections.
func (f *Fleet) Close() error { return f.rdb.Close() }

// Mode is the fleet's failure mode.
func (f *Fleet) Mode() Mode { return f.cfg.Mode }

// Host is who this machine says it is.
func (f *Fleet) Host() string { return f.cfg.Host }

// Client is the Redis client (tests, the limiter).
func (f *Fleet) Client() *redis.Client { return f.rdb }

// Local says Redis failed in preferred mode: only local state is used now.
func (f *Fleet) Local() bool { return f.down.Load() }

// KeyID is the one-way ID a key is shared under: no key material, the same
// on every machine for the same key.
func KeyID(key string) string {
	if key == "" {
		return "nokey"
	}
	h := sha256.Sum256([]byte("tier-shared-key\x00" + key))
	return hex.EncodeToString(h[:8])
}

// fail turns err into what the caller returns: *Unavailable in required
// mode, nil after a warning (once) in preferred mode.
func (f *Fleet) fail(err error) error {
	if err == nil || errors.Is(err, redis.Nil) {
		return nil
	}
	if f.cfg.Mode == Required {
		return &Unavailable{Err: err}
	}
	f.down.Store(true)
	f.once.Do(func() {
		f.warn("shared state (Redis) unavailable, using local state only: " + err.Error())
	})
	return nil
}

func (f *Fleet) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.cfg.Timeout)
}

// Check pings Redis: nil when it answers, or in preferred mode after a
// warning; *Unavailable in required mode.
func (f *Fleet) Check(ctx context.Context) error {
	if f.down.Load() {
		return nil
	}
	c, cancel := f.ctx(ctx)
	defer cancel()
	return f.fail(f.rdb.Ping(c).Err())
}

func (f *Fleet) key(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(p, ":", "_")
	}
	return f.cfg.Prefix + strings.Join(parts, ":")
}

// Entry is one shared snapshot and who saw it when.
type Entry struct {
	Snapshot    quota.Snapshot `json:"snapshot"`
	KeyID       string         `json:"key_id"`
	Fingerprint string         `json:"fingerprint"`
	Host        string         `json:"host"`
	At          time.Time      `json:"at"`
}

// Publish stores s as the latest snapshot of its provider, key and model,
// unless Redis holds a newer one.
func (f *Fleet) Publish(ctx context.Context, s quota.Snapshot, keyID, fingerprint string) error {
	if f.down.Load() {
		return nil
	}
	e := Entry{Snapshot: s, KeyID: keyID, Fingerprint: fingerprint, Host: f.cfg.Host, At: f.now().UTC()}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	c, cancel := f.ctx(ctx)
	defer cancel()
	k := f.key("snap", s.Provider, keyID, s.Model)
	args := []any{s.ObservedAt.UnixMilli(), string(b), snapshotTTL.Milliseconds()}
	for _, w := range s.Windows {
		if sp, ok := span(w, s.ObservedAt); ok {
			args = append(args, "span:"+w.Metric+"/"+w.Period, sp.Milliseconds())
		}
	}
	err = publishScript.Run(c, f.rdb, []string{k}, args...).Err()
	return f.fail(err)
}

// publishScript keeps the newer of two snapshots (by observed_at), and the
// longest time to a reset seen of each paced window (ARGV[4...] in pairs):
// the window's length, as far as the fleet has seen.
var publishScript = redis.NewScript(`
for i = 4, #ARGV, 2 do
  local old = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i+1]) > old then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i+1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local old = redis.call('HGET', KEYS[1], 'at')
if old and tonumber(old) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'at', ARGV[1], 'entry', ARGV[2])
return 1`)

// nominal is the length of the windows the fleet paces with GCRA: the
// per-minute ones, of requests (RPM) and of tokens (TPM). Longer windows
// (RPD, TPD) are counted and blocked when exhausted, not smoothed: a
// day's limit spread evenly would starve every burst, and providers give
// a day window's "reset" as the time to refill one unit (Groq), not its
// end, so there is no fixed window to admit calls into either.
var nominal = map[string]time.Duration{"minute": time.Minute}

// span is how far w's reset was when it was seen: a lower bound of the
// window's length (providers' "minutes" may be shorter than 60 s, as
// the fake provider's are), at most its nominal length.
func span(w quota.Window, at time.Time) (time.Duration, bool) {
	n, ok := nominal[w.Period]
	if !ok || w.ResetAt == nil || w.Limit == nil || *w.Limit <= 0 || (w.Metric != quota.Requests && w.Metric != quota.Tokens) {
		return 0, false
	}
	d := w.ResetAt.Sub(at)
	if d <= 0 {
		return 0, false
	}
	// A reset given in whole seconds is up to a second late.
	d = d.Round(time.Second)
	return min(d, n), true
}

// Snapshots is every shared snapshot, oldest first.
func (f *Fleet) Snapshots(ctx context.Context) ([]Entry, error) {
	if f.down.Load() {
		return nil, nil
	}
	c, cancel := context.WithTimeout(ctx, 4*f.cfg.Timeout)
	defer cancel()
	var out []Entry
	iter := f.rdb.Scan(c, 0, f.cfg.Prefix+"snap:*", 200).Iterator()
	for iter.Next(c) {
		v, err := f.rdb.HGet(c, iter.Val(), "entry").Result()
		if err != nil {
			continue
		}
		var e Entry
		if json.Unmarshal([]byte(v), &e) == nil {
			out = append(out, e)
		}
	}
	if err := iter.Err(); err != nil {
		return nil, f.fail(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Snapshot.ObservedAt.Before(out[j].Snapshot.ObservedAt) })
	return out, nil
}

// Block is a provider, key and model nobody in the fleet should call
// before Until: Why is "rate_limited" (a 429) or "quota_exhausted".
type Block struct {
	Until time.Time `json:"until"`
	Why   string    `json:"why"`
	Host  string    `json:"host"`
}

// SetBlock records that nobody should call provider/keyID/model before
// until (a 429's Retry-After, a quota window's reset).
func (f *Fleet) SetBlock(ctx context.Context, provider, keyID, model string, b Block) error {
	if f.down.Load() || !b.Until.After(f.now()) {
		return nil
	}
	b.Host = f.cfg.Host
	v, _ := json.Marshal(b)
	c, cancel := f.ctx(ctx)
	defer cancel()
	k := f.key("block", provider, keyID, model)
	_, err := f.rdb.TxPipelined(c, func(p redis.Pipeliner) error {
		p.Set(c, k, v, 0)
		p.PExpireAt(c, k, b.Until)
		return nil
	})
	return f.fail(err)
}

// Blocked is the block on provider/keyID/model, if any is still on.
func (f *Fleet) Blocked(ctx context.Context, provider, keyID, model string) (Block, bool, error) {
	if f.down.Load() {
		return Block{}, false, nil
	}
	c, cancel := f.ctx(ctx)
	defer cancel()
	v, err := f.rdb.Get(c, f.key("block", provider, keyID, model)).Result()
	if err != nil {
		return Block{}, false, f.fail(err)
	}
	var b Block
	if json.Unmarshal([]byte(v), &b) != nil || !b.Until.After(f.now()) {
		return Block{}, false, nil
	}
	return b, true, nil
}

// Count adds n to the fleet's counter of metric in window (named as
// quota's metric/period) of provider/keyID, kept until the window's reset.
func (f *Fleet) Count(ctx context.Context, provider, keyID, window string, n int64, reset time.Time) (int64, error) {
	if f.down.Load() || n == 0 || !reset.After(f.now()) {
		return 0, nil
	}
	c, cancel := f.ctx(ctx)
	defer cancel()
	k := f.key("use", provider, keyID, window, fmt.Sprint(reset.Unix()))
	var incr *redis.IntCmd
	_, err := f.rdb.TxPipelined(c, func(p redis.Pipeliner) error {
		incr = p.IncrBy(c, k, n)
		p.ExpireAt(c, k, reset)
		return nil
	})
	if err != nil {
		return 0, f.fail(err)
	}
	return incr.Val(), nil
}

// Status is what `tier quota --shared-status` shows.
type Status struct {
	URL       string        `json:"url"`
	Mode      Mode          `json:"mode"`
	Host      string        `json:"host"`
	Reachable bool          `json:"reachable"`
	Error     string        `json:"error,omitempty"`
	Latency   time.Duration `json:"-"`
	LatencyMS float64       `json:"latency_ms"`
	Keys      int64         `json:"keys_held"`
	Snapshots int           `json:"snapshots"`
	SkewMS    int64         `json:"clock_skew_ms"` // Redis's clock less ours
	Server    string        `json:"server_version,omitempty"`
}

// Status pings Redis and reports what it holds; it never fails, it says.
func (f *Fleet) Status(ctx context.Context) Status {
	st := Status{URL: redactURL(f.cfg.URL), Mode: f.cfg.Mode, Host: f.cfg.Host}
	c, cancel := context.WithTimeout(ctx, 4*f.cfg.Timeout)
	defer cancel()
	if err := f.rdb.Ping(c).Err(); err != nil { // also dials: not timed
		st.Error = err.Error()
		return st
	}
	start := time.Now()
	if err := f.rdb.Ping(c).Err(); err != nil {
		st.Error = err.Error()
		return st
	}
	st.Latency = time.Since(start)
	st.LatencyMS = float64(st.Latency.Microseconds()) / 1000
	st.Reachable = true
	before, t0 := f.now(), time.Now()
	if t, err := f.rdb.Time(c).Result(); err == nil {
		mid := before.Add(time.Since(t0) / 2)
		st.SkewMS = t.Sub(mid).Milliseconds()
	}
	iter := f.rdb.Scan(c, 0, f.cfg.Prefix+"*", 500).Iterator()
	for iter.Next(c) {
		st.Keys++
		if strings.HasPrefix(iter.Val(), f.cfg.Prefix+"snap:") {
			st.Snapshots++
		}
	}
	if info, err := f.rdb.Info(c, "server").Result(); err == nil {
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
				st.Server = v
			}
		}
	}
	return st
}

// redactURL is u without any password (there should be none).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// reserveScript reserves ARGV[3] of a budget's period (KEYS[1]): what is
// spent is at least ARGV[2] (the caller's local log); refused (0) when
// that plus ARGV[3] passes the limit ARGV[1]. ARGV[4]: when the period
// ends (unix seconds; 0: never).
var reserveScript = redis.NewScript(`
local cur = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[2]))
local amount = tonumber(ARGV[3])
if cur + amount > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], tostring(cur + amount))
if tonumber(ARGV[4]) > 0 then redis.call('EXPIREAT', KEYS[1], ARGV[4]) end
return 1`)

// Reserve is budget.Reserver's: the fleet's spend of a budget's period,
// reserved before each call at its worst case, then corrected to the
// call's actual cost by Correct. A process killed in between leaves the
// worst case reserved until the period's key expires: erring on the side
// of the limit is what a hard budget asks for.
func (f *Fleet) Reserve(ctx context.Context, key string, limit, floor, amount float64, until time.Time) (bool, error) {
	if f.down.Load() {
		return true, nil
	}
	var end int64
	if !until.IsZero() {
		end = until.Unix()
	}
	c, cancel := f.ctx(ctx)
	defer cancel()
	n, err := reserveScript.Run(c, f.rdb, []string{f.key("budget", key)}, limit, floor, amount, end).Int64()
	if err != nil {
		return true, f.fail(err)
	}
	return n == 1, nil
}

// correctScript moves a budget's reserved spend (KEYS[1]) by ARGV[1]
// (the call's actual cost less its reservation), never below 0, keeping
// its expiry; a key gone (its period over, expired) is left gone.
var correctScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return '0' end
local v = tonumber(redis.call('INCRBYFLOAT', KEYS[1], ARGV[1]))
if v < 0 then
  redis.call('INCRBYFLOAT', KEYS[1], tostring(-v))
  return '0'
end
return tostring(v)`)

// Correct is budget.Reserver's: it moves what Reserve reserved of key by
// delta once the call is back (negative: credited back), in one atomic
// step on the same key, so that concurrent reservations see it at once.
func (f *Fleet) Correct(ctx context.Context, key string, delta float64) error {
	if f.down.Load() || delta == 0 {
		return nil
	}
	c, cancel := f.ctx(ctx)
	defer cancel()
	err := correctScript.Run(c, f.rdb, []string{f.key("budget", key)}, strconv.FormatFloat(delta, 'f', -1, 64)).Err()
	if err != nil && f.cfg.Mode == Required {
		// The call was made: the reservation stays at its worst case,
		// which errs on the side of the limit; say so, once.
		f.lost(err)
		return nil
	}
	return f.fail(err)
}
