package export

import (
	"strings"
	"testing"
)

func TestCheckFormat(t *testing.T) {
	tests := []struct {
		format string
		json   bool
		want   string
		err    string
	}{
		{"", false, "", ""},
		{"table", false, "", ""},
		{"prometheus", false, "prometheus", ""},
		{"prometheus", true, "", "do not go together"},
		{"csv", false, "", `unknown --format "csv"`},
	}
	for _, tt := range tests {
		got, err := CheckFormat(tt.format, tt.json)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("CheckFormat(%q, %v) = %q, %v; want %q, error %q", tt.format, tt.json, got, err, tt.want, tt.err)
		}
	}
}
