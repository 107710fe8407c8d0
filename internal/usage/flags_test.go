package usage

import (
	"strings"
	"testing"
	"time"
)

func TestFlagsQuery(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		f      Flags
		bucket string
		since  time.Time
		err    string
	}{
		{"default daily", Flags{}, Daily, time.Time{}, ""},
		{"weekly", Flags{Weekly: true}, Weekly, time.Time{}, ""},
		{"monthly by tag", Flags{Monthly: true, By: "tag"}, Monthly, time.Time{}, ""},
		{"since a date", Flags{Since: "2026-12-01"}, Daily, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), ""},
		{"two buckets", Flags{Daily: true, Weekly: true}, Daily, time.Time{}, "exclude each other"},
		{"bad grouping", Flags{By: "colour"}, Daily, time.Time{}, `--by takes provider, key, model or tag, got "colour"`},
		{"bad since", Flags{Since: "someday"}, Daily, time.Time{}, "someday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.f.Query(now, time.UTC)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to say %q", err, tt.err)
				}
				return
			}
			if err != nil || q.Bucket != tt.bucket || !q.Since.Equal(tt.since) || q.By != tt.f.By || q.Loc != time.UTC {
				t.Errorf("Query = %+v, %v; want bucket %v since %v", q, err, tt.bucket, tt.since)
			}
		})
	}
	if got := (Flags{Since: "7d"}).EmptyText(); !strings.HasPrefix(got, "no calls logged yet since 7d: ") {
		t.Errorf("EmptyText = %q", got)
	}
}
