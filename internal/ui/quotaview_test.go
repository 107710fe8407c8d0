package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
)

func TestWriteQuota(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	th := NewTheme(false)
	tests := []struct {
		name      string
		rows      []overview.Row
		selection string
		wantOut   string // a part of stdout ("" none at all)
		wantErr   string // a part of stderr
	}{
		{"nothing seen", nil, "", "", "tier: nothing seen yet: run 'tier chat'"},
		{"nothing for a selection", nil, `key "work"`, "", `tier: nothing seen yet for key "work": 'tier quota' lists everything seen`},
		{"a row", []overview.Row{{Snapshot: quota.Snapshot{Provider: "groq", Key: "default", Model: "m", ObservedAt: now, Windows: []quota.Window{}}, Seen: now}}, "", "groq", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			if err := WriteQuota(&out, &errw, tt.rows, now, th, 0, tt.selection); err != nil {
				t.Fatal(err)
			}
			if (tt.wantOut == "") != (out.Len() == 0) || !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errw.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want %q", errw.String(), tt.wantErr)
			}
		})
	}
}
