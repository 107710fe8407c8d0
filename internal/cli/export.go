package cli

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tier-cli/tier/internal/export"
	"github.com/tier-cli/tier/internal/overview"
)

// quotaFormats are what 'tier quota --format' takes besides the table.
var quotaFormats = []string{"prometheus"}

// quotaFormatFlag registers --format on tier quota.
func quotaFormatFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", "", "print in another format: prometheus (text exposition format, for node_exporter's textfile collector)")
	cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return quotaFormats, cobra.ShellCompDirectiveNoFileComp
	})
}

// checkQuotaFormat refuses a --format tier quota does not have, and one
// given with --json, before anything is read or asked.
func checkQuotaFormat(o *quotaOptions) error {
	switch o.format {
	case "", "table":
		o.format = ""
		return nil
	case "prometheus":
		if o.json {
			return usagef("--format prometheus and --json do not go together: choose one")
		}
		return nil
	}
	return usagef("unknown --format %q: tier quota --format takes prometheus (or table, the default)", o.format)
}

// writeQuotaFormat writes rows in the --format asked (checked already).
func writeQuotaFormat(env *Env, format string, rows []overview.Row, now time.Time) error {
	err := export.Prometheus(env.Stdout, rows, now)
	if err != nil && !errors.Is(err, syscall.EPIPE) {
		fmt.Fprintf(env.Stderr, "tier: cannot write the %s output: %v\n", format, err)
	}
	return err
}
