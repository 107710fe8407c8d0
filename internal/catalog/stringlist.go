package catalog

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// StringList is a list of strings that may be written in YAML as a single
// string or as a sequence.
type StringList []string

// UnmarshalYAML accepts "X" and ["X", "Y"].
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = StringList{s}
		return nil
	case yaml.SequenceNode:
		var ss []string
		if err := n.Decode(&ss); err != nil {
			return err
		}
		*l = ss
		return nil
	}
	return fmt.Errorf("line %d: expected a string or a list of strings", n.Line)
}
