package quota

// ResetFormat says how a reset header's value is written.
type ResetFormat string

const (
	ResetAuto     ResetFormat = "auto"     // classify by shape (see ParseReset)
	ResetDuration ResetFormat = "duration" // Go duration: 6m0s, 450ms, 1.2999s
	ResetSeconds  ResetFormat = "seconds"  // float seconds until reset
	ResetEpochS   ResetFormat = "epoch_s"  // Unix seconds
	ResetEpochMS  ResetFormat = "epoch_ms" // Unix milliseconds
	ResetRFC3339  ResetFormat = "rfc3339"  // absolute RFC 3339 or HTTP date
)

// HeaderWindow maps the (case-insensitive) headers of one window.
// Any of Limit, Remaining, Reset may be empty when the provider has no such
// header.
type HeaderWindow struct {
	Metric    string      `yaml:"metric" json:"metric"`
	Period    string      `yaml:"period" json:"period"`
	Limit     string      `yaml:"limit,omitempty" json:"limit,omitempty"`
	Remaining string      `yaml:"remaining,omitempty" json:"remaining,omitempty"`
	Reset     string      `yaml:"reset,omitempty" json:"reset,omitempty"`
	Format    ResetFormat `yaml:"reset_format,omitempty" json:"reset_format,omitempty"` // overrides Dialect.ResetFormat
}

// HeaderPattern reads the windows whose metric and period are in the
// header's name: Limit, Remaining and Reset are name prefixes, each followed
// by "<metric>-<period>" (Mistral: x-ratelimit-limit-req-10-second,
// x-ratelimit-remaining-tokens-month). Metrics maps the metric as the name
// spells it to the Window's metric ("req": "requests"); the period is any
// that ParsePeriod reads. Names that fit no metric or period are ignored.
type HeaderPattern struct {
	Limit     string            `yaml:"limit,omitempty" json:"limit,omitempty"`
	Remaining string            `yaml:"remaining,omitempty" json:"remaining,omitempty"`
	Reset     string            `yaml:"reset,omitempty" json:"reset,omitempty"`
	Metrics   map[string]string `yaml:"metrics" json:"metrics"`
	Format    ResetFormat       `yaml:"reset_format,omitempty" json:"reset_format,omitempty"` // overrides Dialect.ResetFormat
}

// Dialect is data, read from providers.yaml: which header means which window,
// and how resets are written. A provider with OpenAI-, Groq-, Cerebras-,
// SambaNova-, OpenRouter- or Anthropic-style headers needs no Go code.
type Dialect struct {
	Name        string         `yaml:"-" json:"name"`
	Description string         `yaml:"description,omitempty" json:"description,omitempty"`
	ResetFormat ResetFormat    `yaml:"reset_format,omitempty" json:"reset_format,omitempty"`
	Windows     []HeaderWindow `yaml:"windows,omitempty" json:"windows,omitempty"`
	// Patterns read windows of any length named in the header itself;
	// a window Windows names is read from there only.
	Patterns []HeaderPattern `yaml:"patterns,omitempty" json:"patterns,omitempty"`
	// DayResetTZ is the documented time zone whose midnight ends a "day"
	// window when no reset header says otherwise (e.g. "UTC" for Cloudflare,
	// "America/Los_Angeles" for Gemini). Empty means unknown.
	DayResetTZ string `yaml:"day_reset_tz,omitempty" json:"day_reset_tz,omitempty"`
}
