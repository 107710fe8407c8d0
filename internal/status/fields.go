package status

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/tier-cli/tier/internal/lazyre"
)

// fields are the field and method names a --format template can reach
// from a Line, and a name people try for each (the --json member, any
// case) -> the field's name; worked out on first use (by reflection: not
// at start-up, which every tier status pays).
var fields = sync.OnceValues(func() (map[string]bool, map[string]string) { return reachable(reflect.TypeFor[Line]()) })

// reachable collects the exported field and method names of t and of every
// type its fields and methods lead to (time.Time's methods included).
func reachable(t reflect.Type) (names map[string]bool, hints map[string]string) {
	names, hints = map[string]bool{}, map[string]string{}
	seen := map[reflect.Type]bool{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if seen[t] {
			return
		}
		seen[t] = true
		for _, pt := range []reflect.Type{t, reflect.PointerTo(t)} {
			for i := range pt.NumMethod() {
				m := pt.Method(i)
				names[m.Name] = true
				for o := range m.Type.NumOut() {
					visit(m.Type.Out(o))
				}
			}
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			names[f.Name] = true
			hints[strings.ToLower(f.Name)] = f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
				hints[strings.ToLower(tag)] = f.Name
			}
			visit(f.Type)
		}
	}
	visit(t)
	return names, hints
}

// checkFields fails on the first field or method name in t that nothing in
// a Line has (a typo, a --json member's name): such a template could only
// ever fail, so it is a usage error, not the empty line a template that
// fails on the data gives.
func checkFields(t *template.Template) error {
	names, _ := fields()
	var bad string
	var walk func(n parse.Node)
	idents := func(ids []string) {
		for _, id := range ids {
			if bad == "" && !names[id] {
				bad = id
			}
		}
	}
	walk = func(n parse.Node) {
		if n == nil || reflect.ValueOf(n).IsNil() || bad != "" {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(&n.BranchNode)
		case *parse.RangeNode:
			walk(&n.BranchNode)
		case *parse.WithNode:
			walk(&n.BranchNode)
		case *parse.BranchNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.ChainNode:
			walk(n.Node)
			idents(n.Field)
		case *parse.FieldNode:
			idents(n.Ident)
		case *parse.VariableNode:
			idents(n.Ident[1:]) // $p.Name: the variable, then fields
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root)
		}
	}
	if bad == "" {
		return checkLevels(t)
	}
	msg := fmt.Sprintf("no field .%s in the line", bad)
	_, hints := fields()
	if h, ok := hints[strings.ToLower(strings.ReplaceAll(bad, "_", ""))]; ok {
		msg += fmt.Sprintf(": did you mean .%s?", h)
	} else {
		top := []string{}
		for _, f := range reflect.VisibleFields(reflect.TypeFor[Line]()) {
			top = append(top, "."+f.Name)
		}
		slices.Sort(top)
		msg += fmt.Sprintf(" (the line has %s; 'tier status --help' lists every field)", strings.Join(top, ", "))
	}
	return fmt.Errorf("%s", msg)
}

// checkLevels runs t on a line where every field is set (two providers,
// each with a window and a credit) and fails when t names a field where
// the dot has none (.Name outside a range of .Providers): text/template
// says "can't evaluate field". Failures that depend on the data (an index
// past the providers, a nil credit) are left to the real line.
func checkLevels(t *template.Template) error {
	var b strings.Builder
	err := t.Execute(&b, sampleLine())
	if err == nil {
		return nil
	}
	m := cantEvaluate().FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	field, in := m[1], strings.TrimPrefix(strings.TrimPrefix(m[2], "*"), "status.")
	if n, ok := levelNames[in]; ok {
		in = n
	}
	msg := fmt.Sprintf("no field .%s where it is used: the dot there is %s", field, in)
	if owners := fieldOwners()[field]; len(owners) > 0 {
		msg += fmt.Sprintf(", and .%s is a field of %s", field, strings.Join(owners, " and "))
	}
	return fmt.Errorf("%s ('tier status --help' shows which fields are where)", msg)
}

// levelNames say what each of the line's types is in a template.
var levelNames = map[string]string{"Line": "the line", "Provider": "a provider (of .Providers)",
	"Window": "a window (of .Windows)", "Credit": "a credit (.Credit)"}

// cantEvaluate is text/template's error for a field the dot does not have.
var cantEvaluate = lazyre.New(`can't evaluate field (\w+) in type (\S+)`)

// fieldOwners are, for each field of the line's types, the types that
// have it: "Remaining" -> Window, Credit.
var fieldOwners = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	for _, t := range []reflect.Type{reflect.TypeFor[Line](), reflect.TypeFor[Provider](), reflect.TypeFor[Window](), reflect.TypeFor[Credit]()} {
		for _, f := range reflect.VisibleFields(t) {
			out[f.Name] = append(out[f.Name], levelNames[t.Name()])
		}
	}
	out["Text"] = nil // every level has one
	return out
})

// sampleLine has every field set, for checkLevels.
var sampleLine = sync.OnceValue(func() Line {
	limit, at := int64(30), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := Window{Label: "rpm", Metric: "requests", Period: "minute", Key: "default", Model: "m", Remaining: 9, Limit: &limit,
		ResetAt: &at, ResetIn: "41s", PercentLeft: 30, Estimate: true, Refilled: true, Text: "9/30rpm"}
	c := &Credit{Key: "default", Remaining: 4.2, Unit: "USD", Amount: "$4.20", ExpiresAt: &at, ExpiresIn: "12d", Estimate: true, Text: "$4.20 exp 12d"}
	p := Provider{Name: "p", Windows: []Window{w, w}, Shown: []Window{w, w}, Credit: c, Text: "p 9/30rpm $4.20 exp 12d"}
	return Line{Text: "p 9/30rpm $4.20 exp 12d · p 9/30rpm $4.20 exp 12d", Providers: []Provider{p, p}}
})
