package quota

import (
	"testing"
	"time"
)

func TestParseReset(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		format ResetFormat
		at     time.Time // arrival when zero
		want   string    // RFC 3339, or "" for "not a reset"
	}{
		// Go durations: OpenAI and Groq.
		{"OpenAI docs 6m0s", "6m0s", ResetDuration, time.Time{}, "2026-11-21T10:06:00Z"},
		{"OpenAI docs 1s", "1s", ResetDuration, time.Time{}, "2026-11-21T10:00:01Z"},
		{"long fraction rounds up", "1.559999999s", ResetDuration, time.Time{}, "2026-11-21T10:00:02Z"},
		{"milliseconds round up", "450ms", ResetDuration, time.Time{}, "2026-11-21T10:00:01Z"},
		{"zero is now", "0s", ResetDuration, time.Time{}, "2026-11-21T10:00:00Z"},
		{"Groq docs 2m59.56s", "2m59.56s", ResetDuration, time.Time{}, "2026-11-21T10:03:00Z"},
		{"Groq docs 7.66s", "7.66s", ResetDuration, time.Time{}, "2026-11-21T10:00:08Z"},
		{"OpenAI 14m3.5s", "14m3.5s", ResetDuration, time.Time{}, "2026-11-21T10:14:04Z"},
		{"duration counts from a sub-second arrival", "1s", ResetDuration, mustTime("2026-11-21T10:00:00.25Z"), "2026-11-21T10:00:02Z"},
		{"duration format refuses a bare number", "60", ResetDuration, time.Time{}, ""},
		{"negative duration", "-1s", ResetDuration, time.Time{}, ""},
		{"duration over 400 days", "9601h", ResetDuration, time.Time{}, ""},

		// Float seconds: Cerebras.
		{"Cerebras docs daily requests", "33011.382867097855", ResetSeconds, time.Time{}, "2026-11-21T19:10:12Z"},
		{"Cerebras docs minute tokens", "11.382867097854614", ResetSeconds, time.Time{}, "2026-11-21T10:00:12Z"},
		{"seconds format refuses a duration", "6m0s", ResetSeconds, time.Time{}, ""},
		{"negative seconds", "-3", ResetSeconds, time.Time{}, ""},
		{"seconds over 400 days", "34560001", ResetSeconds, time.Time{}, ""},

		// Epoch seconds and milliseconds: OpenRouter sends milliseconds.
		{"epoch seconds", "1795255241", ResetEpochS, time.Time{}, "2026-11-21T10:00:41Z"},
		{"OpenRouter epoch ms, next UTC midnight", "1795305600000", ResetEpochMS, time.Time{}, "2026-11-22T00:00:00Z"},
		{"epoch ms rounds up", "1795255240001", ResetEpochMS, time.Time{}, "2026-11-21T10:00:41Z"},
		{"epoch seconds from 2001 is absurd", "1000000000", ResetEpochS, time.Time{}, ""},
		{"epoch ms given as seconds is absurd", "1795305600000", ResetEpochS, time.Time{}, ""},

		// Absolute: Anthropic RFC 3339, HTTP dates.
		{"Anthropic RFC 3339", "2026-11-21T10:30:00Z", ResetRFC3339, time.Time{}, "2026-11-21T10:30:00Z"},
		{"RFC 3339 with offset becomes UTC", "2026-11-21T11:30:00+01:00", ResetRFC3339, time.Time{}, "2026-11-21T10:30:00Z"},
		{"RFC 3339 fraction rounds up", "2026-11-21T10:30:00.2Z", ResetRFC3339, time.Time{}, "2026-11-21T10:30:01Z"},
		{"HTTP date", "Sat, 21 Nov 2026 10:05:00 GMT", ResetRFC3339, time.Time{}, "2026-11-21T10:05:00Z"},
		{"a reset just past is still a reset", "2026-11-21T09:59:00Z", ResetRFC3339, time.Time{}, "2026-11-21T09:59:00Z"},
		{"RFC 3339 years away", "2030-01-01T00:00:00Z", ResetRFC3339, time.Time{}, ""},

		// Auto: classified by shape.
		{"auto: RFC 3339", "2026-11-21T10:30:00Z", ResetAuto, time.Time{}, "2026-11-21T10:30:00Z"},
		{"auto: HTTP date", "Sat, 21 Nov 2026 10:05:00 GMT", ResetAuto, time.Time{}, "2026-11-21T10:05:00Z"},
		{"auto: Go duration", "2m59.56s", ResetAuto, time.Time{}, "2026-11-21T10:03:00Z"},
		{"auto: epoch ms", "1795305600000", ResetAuto, time.Time{}, "2026-11-22T00:00:00Z"},
		{"auto: epoch seconds", "1795255241", ResetAuto, time.Time{}, "2026-11-21T10:00:41Z"},
		{"auto: float seconds", "33011.382867097855", ResetAuto, time.Time{}, "2026-11-21T19:10:12Z"},
		{"auto: SambaNova-style 86400 seconds", "86400", ResetAuto, time.Time{}, "2026-11-22T10:00:00Z"},
		{"empty format means auto", "41", "", time.Time{}, "2026-11-21T10:00:41Z"},

		// Quoting and whitespace.
		{"double quotes", `"6m0s"`, ResetDuration, time.Time{}, "2026-11-21T10:06:00Z"},
		{"single quotes", `'6m0s'`, ResetAuto, time.Time{}, "2026-11-21T10:06:00Z"},
		{"spaces and quotes", ` " 41 " `, ResetAuto, time.Time{}, "2026-11-21T10:00:41Z"},
		{"nested quotes", `"'1795305600000'"`, ResetEpochMS, time.Time{}, "2026-11-22T00:00:00Z"},
		{"unbalanced quote", `"41`, ResetAuto, time.Time{}, ""},

		// Garbage.
		{"empty", "", ResetAuto, time.Time{}, ""},
		{"empty quotes", `""`, ResetAuto, time.Time{}, ""},
		{"NaN", "NaN", ResetAuto, time.Time{}, ""},
		{"Inf", "+Inf", ResetSeconds, time.Time{}, ""},
		{"hex", "0x10", ResetSeconds, time.Time{}, ""},
		{"underscores", "1_000", ResetAuto, time.Time{}, ""},
		{"overflow", "1e400", ResetAuto, time.Time{}, ""},
		{"words", "5 minutes", ResetAuto, time.Time{}, ""},
		{"negative auto", "-5", ResetAuto, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			if at.IsZero() {
				at = arrival
			}
			got, ok := ParseReset(tt.value, tt.format, at)
			if tt.want == "" {
				if ok {
					t.Fatalf("ParseReset(%q, %q) = %v, want not a reset", tt.value, tt.format, got)
				}
				return
			}
			if !ok {
				t.Fatalf("ParseReset(%q, %q) failed, want %s", tt.value, tt.format, tt.want)
			}
			if s := got.Format(time.RFC3339Nano); s != tt.want {
				t.Errorf("ParseReset(%q, %q) = %s, want %s", tt.value, tt.format, s, tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("location %v, want UTC", got.Location())
			}
		})
	}
}

func TestWindowKey(t *testing.T) {
	if got := (Window{Metric: Requests, Period: PeriodMinute}).Key(); got != "requests/minute" {
		t.Errorf("Key() = %q, want requests/minute", got)
	}
}
