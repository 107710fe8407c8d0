package docgen

import (
	"strings"
	"testing"

	"github.com/tier-cli/tier/internal/catalog"
)

func TestSpliceProviders(t *testing.T) {
	const table = "| t |\n"
	tests := []struct {
		name, readme, want, wantErr string
	}{
		{
			name:   "replaces what lies between the markers",
			readme: "a\n" + ProvidersStart + "\nold\n" + ProvidersEnd + "\nb\n",
			want:   "a\n" + ProvidersStart + "\n| t |\n" + ProvidersEnd + "\nb\n",
		},
		{
			name:   "fills empty markers",
			readme: ProvidersStart + "\n" + ProvidersEnd + "\n",
			want:   ProvidersStart + "\n| t |\n" + ProvidersEnd + "\n",
		},
		{name: "no markers", readme: "a\n", wantErr: "needs one"},
		{name: "no end marker", readme: ProvidersStart + "\n", wantErr: "needs one"},
		{name: "markers swapped", readme: ProvidersEnd + "\n" + ProvidersStart + "\n", wantErr: "needs one"},
		{name: "two tables", readme: strings.Repeat(ProvidersStart+"\n"+ProvidersEnd+"\n", 2), wantErr: "needs one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SpliceProviders([]byte(tt.readme), table)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			again, err := SpliceProviders(got, table)
			if err != nil || string(again) != string(got) {
				t.Errorf("splicing twice changed the file: %v\n%s", err, again)
			}
		})
	}
}

const testCatalog = `
default: demo
dialects:
  hdrs:
    description: test
    reset_format: seconds
    windows:
      - {metric: requests, period: day, limit: x-l-r, remaining: x-r-r, reset: x-t-r}
      - {metric: tokens, period: minute, limit: x-l-t, remaining: x-r-t, reset: x-t-t}
  vague:
    description: test
    windows:
      - {metric: requests, period: unknown, limit: x-l, remaining: x-r}
  none:
    description: no headers
  utc:
    description: no headers, days end at midnight UTC
    day_reset_tz: UTC
providers:
  demo:
    display_name: Demo
    base_url: http://demo.tier.invalid/v1
    no_key: true
    demo: true
    dialect: hdrs
    limits:
      - {tier: free, models: ["*"], rpm: 10, as_of: 2026-11-21, source: built-in simulator}
  alpha:
    display_name: Alpha | Beta
    base_url: https://api.alpha.test/v1
    key_env: [ALPHA_KEY, ALPHA_TOKEN]
    dialect: hdrs
    limits:
      - {tier: free, models: [m-1, m-2, m-3], rpd: 14400, tpm: 60000, as_of: 2026-11-01, source: "https://alpha.test/limits", confidence: dated}
      - {tier: paid, models: ["*"], rpd: 999999, as_of: 2026-11-01, source: "https://alpha.test/limits"}
    credits:
      - {amount: 0.1, unit: USD, renew_monthly: true, tier: free, as_of: 2026-11-01, source: "https://alpha.test/credits"}
      - {amount: 5000000, unit: tokens, tier: free, note: "new *accounts*", as_of: 2026-11-01, source: "https://alpha.test/credits", confidence: third_party}
      - {amount: 9, unit: USD, tier: pro, as_of: 2026-11-01, source: "https://alpha.test/credits"}
  cloud:
    base_url: https://api.cloud.test/accounts/{CLOUD_ACCOUNT}/v1
    key_env: CLOUD_KEY
    dialect: utc
    balance: {kind: deepseek, url: "https://api.cloud.test/balance"}
    limits:
      - {tier: free, models: ["*:free"], unit: neurons, per_day: 10000, as_of: 2026-11-01, source: "https://cloud.test"}
  paid:
    base_url: https://api.paid.test/v1
    key_env: PAID_KEY
    dialect: vague
`

func TestProvidersTable(t *testing.T) {
	c, err := catalog.LoadBytes([]byte(testCatalog), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	var order []string
	for _, line := range strings.Split(providersTable(c), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := splitRow(line)
		if len(cells) != 6 {
			t.Fatalf("row has %d cells: %s", len(cells), line)
		}
		name := strings.Trim(cells[0], "`")
		rows[name] = cells
		order = append(order, name)
	}
	if got := strings.Join(order, ","); got != "alpha,cloud,paid,demo" {
		t.Errorf("row order = %s, want the providers by name and the demo last", got)
	}
	tests := []struct {
		provider string
		column   int
		want     string
	}{
		{"alpha", 1, `Alpha \| Beta`},
		{"alpha", 2, "`https://api.alpha.test/v1`"},
		{"alpha", 3, "`ALPHA_KEY` or `ALPHA_TOKEN`"},
		{"alpha", 4, "`hdrs`: requests/day; tokens/min"},
		{"alpha", 5, "14,400 req/day, 60,000 tokens/min on `m-1` and 2 more (2026-11-01; dated)" +
			"<br>$0.10 credit a month (2026-11-01)" +
			`<br>5,000,000 tokens: new \*accounts\* (2026-11-01; third-party source)`},
		{"cloud", 3, "`CLOUD_KEY`; base URL needs `CLOUD_ACCOUNT`"},
		{"cloud", 4, "none; days end at midnight `UTC`; balance from its API"},
		{"cloud", 5, "10,000 neurons/day on `*:free` models (2026-11-01)"},
		{"paid", 4, "`vague`: requests (window not stated, no reset)"},
		{"paid", 5, "none published"},
		{"demo", 2, "none: answered offline by tier"},
		{"demo", 3, "none needed"},
		{"demo", 5, "10 req/min (2026-11-21)"},
	}
	for _, tt := range tests {
		row := rows[tt.provider]
		if row == nil {
			t.Errorf("no row for %s", tt.provider)
			continue
		}
		if row[tt.column] != tt.want {
			t.Errorf("%s column %d = %q, want %q", tt.provider, tt.column+1, row[tt.column], tt.want)
		}
	}
}

// splitRow splits a markdown table row at its unescaped pipes.
func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |")
	var cells []string
	cur := ""
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line):
			cur += line[i : i+2]
			i++
		case strings.HasPrefix(line[i:], " | "):
			cells = append(cells, cur)
			cur = ""
			i += 2
		default:
			cur += string(line[i])
		}
	}
	return append(cells, cur)
}

func TestNumbers(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {200000000, "200,000,000"}, {-12345, "-12,345"}} {
		if got := thousands(tt.n); got != tt.want {
			t.Errorf("thousands(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	for _, tt := range []struct {
		v    float64
		want string
	}{{5, "5"}, {0.1, "0.10"}, {2.5, "2.50"}, {0.027, "0.03"}} {
		if got := money(tt.v); got != tt.want {
			t.Errorf("money(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
