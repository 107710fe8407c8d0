package catalog

import (
	"go.yaml.in/yaml/v3"
)

// setNames fills what a file does not say: the names of providers and
// dialects (their map keys), dialect "none" for a provider that names
// none, and the user's file for messages.
func setNames(c *Catalog, userPath string) {
	c.userFile = userPath
	for name, p := range c.Providers {
		if p == nil {
			continue
		}
		p.Name = name
		p.userFile = userPath
		if p.Dialect == "" {
			p.Dialect = "none"
		}
	}
	for name, d := range c.Dialects {
		if d != nil {
			d.Name = name
		}
	}
}

// applyUser lays the user's file over c, the built-in catalog (already
// named and valid), and validates what the user's file changed.
// builtinTree returns the built-in catalog's YAML tree; only a user's file
// with merge keys (<<) needs it.
func applyUser(c *Catalog, builtinTree func() (*yaml.Node, error), user []byte, userPath string) (*Catalog, error) {
	over, err := parseFile(user, userPath)
	if err != nil {
		return nil, err
	}
	if over == nil {
		return c, nil
	}
	if err := checkUserOnly(over, userPath); err != nil {
		return nil, err
	}
	if hasMergeKey(over) {
		// A "<<" in the user's file merges with the built-in file's keys
		// (whose explicit keys win); keep that meaning exactly by merging
		// the two YAML trees. Rare, and slower.
		base, err := builtinTree()
		if err != nil {
			return nil, err
		}
		return mergeTrees(base, over, userPath)
	}
	return overlay(c, over, userPath)
}

// overlay merges the user's file over c entry by entry: a dialect or
// provider the user's file names is the built-in one encoded as YAML,
// merged with the user's entry by mergeNodes and decoded afresh; a new one
// is decoded as written; an empty (null) entry keeps the built-in one.
// Only the entries the user's file touches are validated, against a tree
// of just those entries, so errors point at the user's lines.
func overlay(c *Catalog, over *yaml.Node, userPath string) (*Catalog, error) {
	user := map[*yaml.Node]bool{}
	markAll(over, user)
	tree := &yaml.Node{Kind: yaml.MappingNode, Line: over.Line}
	user[tree] = true
	v := &validator{root: tree, user: user, userFile: userPath, only: map[string]map[string]bool{}}

	if n := lookup(over, "default"); n != nil && !isNull(deref(n)) {
		if err := n.Decode(&c.Default); err != nil {
			return nil, mergeError(userPath, err)
		}
		tree.Content = append(tree.Content, scalar("default"), n)
	}
	if n := lookup(over, "budgets"); n != nil && !isNull(deref(n)) {
		if err := n.Decode(&c.Budgets); err != nil {
			return nil, mergeError(userPath, err)
		}
		tree.Content = append(tree.Content, scalar("budgets"), n)
	}
	if n := lookup(over, "alerts"); n != nil && !isNull(deref(n)) {
		if err := n.Decode(&c.Alerts); err != nil {
			return nil, mergeError(userPath, err)
		}
		tree.Content = append(tree.Content, scalar("alerts"), n)
	}
	if n := lookup(over, "shared"); n != nil && !isNull(deref(n)) {
		if err := n.Decode(&c.Shared); err != nil {
			return nil, mergeError(userPath, err)
		}
		tree.Content = append(tree.Content, scalar("shared"), n)
	}
	dialects, touched, err := overlayEntries(lookup(over, "dialects"), &c.Dialects, user)
	if err != nil {
		return nil, mergeError(userPath, err)
	}
	tree.Content = append(tree.Content, scalar("dialects"), dialects)
	v.only["dialects"] = touched
	providers, touched, err := overlayEntries(lookup(over, "providers"), &c.Providers, user)
	if err != nil {
		return nil, mergeError(userPath, err)
	}
	tree.Content = append(tree.Content, scalar("providers"), providers)
	v.only["providers"] = touched
	if n := lookup(over, "pools"); n != nil && !isNull(deref(n)) {
		// A pool the user's file names replaces a built-in one whole.
		var pools map[string][]string
		if err := n.Decode(&pools); err != nil {
			return nil, mergeError(userPath, err)
		}
		if c.Pools == nil {
			c.Pools = map[string][]string{}
		}
		for name, targets := range pools {
			c.Pools[name] = targets
		}
		tree.Content = append(tree.Content, scalar("pools"), n)
	}

	setNames(c, userPath)
	if err := v.catalog(c); err != nil {
		return nil, err
	}
	return c, nil
}

// overlayEntries merges the entries of section (the user's dialects or
// providers mapping) into m. It returns a mapping of the merged entries'
// YAML (for line numbers; marked as the user's where it is the section
// itself) and the names it touched.
func overlayEntries[T any](section *yaml.Node, m *map[string]*T, user map[*yaml.Node]bool) (*yaml.Node, map[string]bool, error) {
	out := &yaml.Node{Kind: yaml.MappingNode}
	touched := map[string]bool{}
	section = deref(section)
	if section == nil || section.Kind != yaml.MappingNode {
		return out, touched, nil
	}
	out.Line = section.Line
	user[out] = true
	for i := 0; i+1 < len(section.Content); i += 2 {
		k, n := section.Content[i], section.Content[i+1]
		merged := n
		if base := (*m)[k.Value]; base != nil {
			if isNull(deref(n)) {
				continue // keeps the built-in entry
			}
			var bn yaml.Node
			if err := bn.Encode(base); err != nil {
				return nil, nil, err
			}
			merged = mergeNodes(&bn, n)
		}
		var entry *T
		if err := merged.Decode(&entry); err != nil {
			return nil, nil, err
		}
		if *m == nil {
			*m = map[string]*T{}
		}
		(*m)[k.Value] = entry
		out.Content = append(out.Content, k, merged)
		touched[k.Value] = true
	}
	return out, touched, nil
}

// mergeTrees merges the user's file over the built-in file as YAML trees,
// then decodes and validates the whole result.
func mergeTrees(base, over *yaml.Node, userPath string) (*Catalog, error) {
	user := map[*yaml.Node]bool{}
	markAll(over, user)
	base = mergeNodes(base, over)
	c := &Catalog{}
	if err := base.Decode(c); err != nil {
		return nil, mergeError(userPath, err)
	}
	setNames(c, userPath)
	v := &validator{root: base, user: user, userFile: userPath}
	if err := v.catalog(c); err != nil {
		return nil, err
	}
	return c, nil
}

// mergeError reports a merge that does not decode. Each file decoded on
// its own, so the merge of the two should too.
func mergeError(userPath string, err error) error {
	return &Error{File: userPath, Msg: "cannot merge this file with the built-in catalog: " + err.Error()}
}

// hasMergeKey reports whether the tree holds a "<<" key anywhere.
func hasMergeKey(n *yaml.Node) bool {
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if n.Content[i].Value == "<<" {
				return true
			}
		}
	}
	for _, c := range n.Content {
		if hasMergeKey(c) {
			return true
		}
	}
	return false
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
