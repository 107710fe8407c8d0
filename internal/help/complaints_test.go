package help

import "testing"

func TestComplaint(t *testing.T) {
	tests := []struct {
		msg, want string
		ok        bool
	}{
		{"unknown command \"qouta\" for \"tier\"\n\nDid you mean this?\n\tquota\n", `unknown command "qouta" (did you mean "quota"?): see 'tier --help'`, true},
		{"unknown command \"zzz\" for \"tier\"", `unknown command "zzz": see 'tier --help'`, true},
		{"accepts 1 arg(s), received 2", "accepts 1 arg(s), received 2: see the command's --help", true},
		{"requires at least 1 arg(s)\nonly received 0", "requires at least 1 arg(s); only received 0: see the command's --help", true},
		{"no such key", "", false},
	}
	for _, tt := range tests {
		got, ok := Complaint(tt.msg)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Complaint(%q) = %q, %v; want %q, %v", tt.msg, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFlagTakes(t *testing.T) {
	for typ, want := range map[string]string{"int": "a whole number", "uint64": "a whole number", "count": "a whole number",
		"float64": "a number", "bool": "true or false", "duration": "a duration such as 90s, 2m, 500ms or a number of seconds", "string": ""} {
		if got := FlagTakes(typ); got != want {
			t.Errorf("FlagTakes(%q) = %q, want %q", typ, got, want)
		}
	}
}
