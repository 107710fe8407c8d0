package help

import (
	"fmt"
	"strings"
)

// Complaint is cobra's own complaint msg (an unknown command, a wrong
// number of arguments) said as tier says usage errors: one line that says
// where to look; ok is false for any other message.
func Complaint(msg string) (text string, ok bool) {
	if rest, found := strings.CutPrefix(msg, "unknown command "); found {
		name, _, _ := strings.Cut(rest, " for ")
		hint := ""
		if _, sugg, found := strings.Cut(rest, "Did you mean this?"); found {
			if f := strings.Fields(sugg); len(f) > 0 {
				hint = fmt.Sprintf(" (did you mean %q?)", f[0])
			}
		}
		return fmt.Sprintf("unknown command %s%s: see 'tier --help'", name, hint), true
	}
	for _, p := range []string{"accepts ", "requires at least ", "requires at most ", "requires exactly ", "invalid argument "} {
		if strings.HasPrefix(msg, p) {
			return oneLine(msg) + ": see the command's --help", true
		}
	}
	return "", false
}

// FlagTakes is what a flag of type typ (pflag's Value.Type) takes, in
// words, for the message of a value it cannot parse; "" for a type with
// nothing better to say than the parser's own error.
func FlagTakes(typ string) string {
	switch typ {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "count":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "duration":
		return "a duration such as 90s, 2m, 500ms or a number of seconds"
	}
	return ""
}

// oneLine is s on one line, as tier prints messages.
func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }
