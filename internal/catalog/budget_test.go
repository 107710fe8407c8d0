package catalog

import (
	"slices"
	"strings"
	"testing"
)

func TestBudgets(t *testing.T) {
	c, err := loadUser(t, "budgets:\n  - name: ci\n    provider: groq\n    key: ci\n    limit: 2\n  - name: tokens\n    tag: nightly\n    limit: 100000\n    unit: tokens\n    period: day\n    mode: soft\n    alert_at: [90]\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Budgets) != 2 || c.Budgets[0].Key != "ci" || c.Budgets[1].AlertAt[0] != 90 {
		t.Fatalf("budgets %+v", c.Budgets)
	}
	b := c.Budgets[0]
	b.Normalize()
	if b.Unit != "USD" || b.Period != "month" || b.Mode != "hard" || len(b.AlertAt) != 3 {
		t.Errorf("defaults %+v", b)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"budgets:\n  - name: a\n    limit: 0\n", userPath + ":3: budgets[0]: limit must be more than 0"},
		{"budgets:\n  - name: a\n    limit: 1\n    period: year\n", userPath + ":4: budgets[0]: period \"year\" is not one of day, week, month, total"},
		{"budgets:\n  - name: a\n    limit: 1\n    provider: grok\n", userPath + ":4: budgets[0]: unknown provider \"grok\""},
		{"budgets:\n  - name: a\n    limit: 1\n    key: ci\n", userPath + ":4: budgets[0]: key names a key of a provider"},
		{"budgets:\n  - name: a\n    limit: 1\n    mdoe: soft\n", userPath + ":4:"},
		{"budgets:\n  - name: a\n    limit: 1\n  - name: a\n    limit: 2\n", userPath + ":4: budgets[1]: a second budget named \"a\""},
		{"budgets:\n  - name: a\n    limit: 1\n    alert_at: [120]\n", userPath + ":4: budgets[0]: alert_at holds percentages"},
	} {
		_, err := loadUser(t, tc.yaml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestAlerts(t *testing.T) {
	c, err := loadUser(t, "alerts:\n  at: [95, 50]\n  cmd: echo hi\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Alerts == nil || c.Alerts.Cmd != "echo hi" || !slices.Equal(c.Alerts.Thresholds(), []int{50, 95}) {
		t.Fatalf("alerts %+v", c.Alerts)
	}
	if c, err := loadUser(t, "alerts: {}\n"); err != nil || !slices.Equal(c.Alerts.Thresholds(), DefaultAlerts) {
		t.Fatalf("alerts: {}: %v %+v", err, c)
	}
	if c, err := loadUser(t, "default: groq\n"); err != nil || c.Alerts.Thresholds() != nil {
		t.Fatalf("no alerts: %v", err)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"alerts:\n  at: [50, 120]\n", userPath + ":2: alerts.at holds percentages from 1 to 100, got 120"},
		{"alerts:\n  at: [50]\n  command: x\n", userPath + ":3:"},
	} {
		_, err := loadUser(t, tc.yaml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestShared(t *testing.T) {
	c, err := loadUser(t, "shared:\n  url: rediss://tier@redis.internal:6380/2\n  mode: required\n  password_cmd: pass show redis\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Shared == nil || c.Shared.URL != "rediss://tier@redis.internal:6380/2" || c.Shared.Mode != "required" {
		t.Fatalf("shared %+v", c.Shared)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"another scheme", "shared: {url: ftp://x}\n", userPath + `:1: shared: url "ftp://x" is not a redis:// or rediss:// URL`},
		{"no host", "shared:\n  url: redis:///0\n", userPath + `:2: shared: url "redis:///0" is not a redis:// or rediss:// URL`},
		{"no url", "shared:\n  mode: required\n", userPath + ":2: shared: url is missing"},
		{"a password in the url", "shared:\n  url: redis://:hunter2@host:6379/0\n", userPath + ":2: shared: url must not hold a password"},
		{"unknown mode", "shared:\n  url: redis://host:6379/0\n  mode: requird\n", userPath + `:3: shared: mode "requird" is not one of required, preferred (did you mean "required"?)`},
		{"mode in capitals", "shared:\n  url: redis://host:6379/0\n  mode: Required\n", userPath + `:3: shared: mode "Required" is not one of`},
		{"blank password_cmd", "shared:\n  url: redis://host:6379/0\n  password_cmd: \"  \"\n", userPath + ":3: shared: password_cmd is blank"},
		{"unknown field", "shared:\n  url: redis://host:6379/0\n  password: x\n", userPath + `:3: unknown field "password"`},
		{"a string, not a mapping", "shared: redis://host:6379/0\n", userPath + ":1:"},
		{"a number as the url", "shared:\n  url: [1]\n", userPath + ":2:"},
	} {
		_, err := loadUser(t, tc.yaml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %q: %v, want %q", tc.name, tc.yaml, err, tc.want)
		}
	}
}
