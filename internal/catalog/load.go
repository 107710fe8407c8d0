package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tier-cli/tier/internal/lazyre"
	"github.com/tier-cli/tier/internal/quota"
)

// BuiltinFile names the embedded providers.yaml in error messages.
const BuiltinFile = "(built-in) providers.yaml"

// maxFileSize caps the user's providers.yaml: a real one is a few KB.
const maxFileSize = 1 << 20

// maxKeys caps the entries of one mapping (providers, dialects, a
// profile's fields): a real file has a few dozen.
const maxKeys = 1000

// FileName is the name of the user's catalog file inside ConfigDir.
const FileName = "providers.yaml"

// ConfigDir is tier's configuration directory: $TIER_CONFIG_DIR, else
// $XDG_CONFIG_HOME/tier (when absolute), else ~/.config/tier.
func ConfigDir(getenv func(string) string) (string, error) {
	if d := getenv("TIER_CONFIG_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "tier"), nil
	}
	home := getenv("HOME")
	if home == "" && runtime.GOOS == "windows" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return "", &Error{Msg: "cannot find tier's config directory: HOME is not set; set TIER_CONFIG_DIR"}
	}
	return filepath.Join(home, ".config", "tier"), nil
}

// Load returns the built-in catalog merged with the user's
// ConfigDir()/providers.yaml. A missing user file (or no config directory
// at all) is fine. Every error is an *Error.
//
// The built-in catalog comes from builtin_gen.go, generated from
// providers.yaml by go generate, so only the user's file is parsed here.
func Load(getenv func(string) string) (*Catalog, error) {
	dir, err := ConfigDir(getenv)
	if err != nil {
		return loadEmbedded(nil, "")
	}
	path := filepath.Join(dir, FileName)
	shown := displayPath(path, getenv("HOME"))
	user, err := readCapped(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return loadEmbedded(nil, shown)
		}
		if errors.Is(err, errTooLarge) {
			return nil, tooLarge(shown)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{File: shown, Msg: fmt.Sprintf("cannot read this file (%v); fix it or point TIER_CONFIG_DIR elsewhere", err)}
	}
	return loadEmbedded(user, shown)
}

var errTooLarge = errors.New("file too large")

// readCapped reads the file at path, or fails with errTooLarge without
// reading more than maxFileSize+1 bytes of it (a FIFO or /dev/zero
// included).
func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > maxFileSize {
		return nil, errTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, errTooLarge
	}
	return data, nil
}

func tooLarge(file string) *Error {
	return &Error{File: file, Msg: fmt.Sprintf("this file is larger than 1 MiB (%d bytes), far more than any providers.yaml needs; check that it is the right file, or point TIER_CONFIG_DIR elsewhere", maxFileSize)}
}

// displayPath shows path with the home directory as "~".
func displayPath(path, home string) string {
	if home != "" {
		if rel, err := filepath.Rel(home, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return "~" + string(filepath.Separator) + rel
		}
	}
	return path
}

// LoadBytes is Load on given file contents: builtin is the built-in
// catalog as YAML, user the user's file (nil or empty when there is none)
// and userPath how to name the user's file in messages. It parses builtin
// (Load uses builtin_gen.go instead) and then merges user the way Load
// does.
func LoadBytes(builtin, user []byte, userPath string) (*Catalog, error) {
	if userPath == "" {
		userPath = FileName
	}
	base, err := parseFile(builtin, BuiltinFile)
	if err != nil {
		return nil, err
	}
	if base == nil {
		return nil, &Error{File: BuiltinFile, Msg: "the built-in catalog is empty"}
	}
	c := &Catalog{}
	if err := base.Decode(c); err != nil {
		return nil, &Error{File: BuiltinFile, Msg: "cannot decode the built-in catalog: " + err.Error()}
	}
	setNames(c, userPath)
	v := &validator{root: base, user: map[*yaml.Node]bool{}, userFile: userPath}
	if err := v.catalog(c); err != nil {
		return nil, err
	}
	tree := func() (*yaml.Node, error) { return parseFile(builtin, BuiltinFile) }
	return applyUser(c, tree, user, userPath)
}

// parseFile parses one providers.yaml strictly and returns its top-level
// mapping, or nil for an empty file.
func parseFile(data []byte, file string) (*yaml.Node, error) {
	if len(data) > maxFileSize {
		return nil, tooLarge(file)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil // only comments
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Msg: "the file must be a mapping with the keys default, dialects and providers"}
	}
	// yaml.v3 compares every key of a mapping with every later one and
	// keeps a message per equal pair (n copies of a key: n²/2 messages),
	// so repeated and countless keys are refused here, in one pass,
	// before anything decodes the file.
	if err := checkKeys(root, root, file); err != nil {
		return nil, err
	}
	// checkFields finds unknown fields and values of the wrong type in file
	// order, naming the field; yaml.v3's own decoding (checkTypes) names
	// only a line, which for an alias is its anchor's: it is the fallback.
	if err := checkFields(root, file); err != nil {
		return nil, err
	}
	if err := checkTypes(data, root, file); err != nil {
		return nil, err
	}
	return root, nil
}

// checkKeys reports the first mapping (in file order) that repeats a key
// or has more than maxKeys of them. It visits each node once: an alias is
// checked where its anchor is.
func checkKeys(root, n *yaml.Node, file string) *Error {
	if n.Kind == yaml.MappingNode {
		type key struct {
			kind  yaml.Kind
			value string
		}
		seen := make(map[key]int, min(len(n.Content)/2, maxKeys))
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if i/2 == maxKeys {
				ctx, provider := sectionAt(root, k.Line)
				return &Error{File: file, Line: k.Line, Provider: provider,
					Msg: fmt.Sprintf("%smore than %d entries in one mapping; no providers.yaml needs that many", ctx, maxKeys)}
			}
			id := key{k.Kind, k.Value}
			if first, ok := seen[id]; ok {
				ctx, provider := sectionAt(root, k.Line)
				return &Error{File: file, Line: k.Line, Provider: provider,
					Msg: fmt.Sprintf("%smapping key %q already defined at line %d", ctx, k.Value, first)}
			}
			seen[id] = k.Line
		}
	}
	for _, c := range n.Content {
		if err := checkKeys(root, c, file); err != nil {
			return err
		}
	}
	return nil
}

var reYAMLLine = lazyre.New(`^(?:yaml: )?line (\d+): (.*)$`)

func syntaxError(file string, err error) error {
	msg := err.Error()
	if m := reYAMLLine().FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: n, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// checkUserOnly refuses settings that only the built-in catalog may make.
func checkUserOnly(root *yaml.Node, file string) error {
	provs := lookup(root, "providers")
	if provs == nil || provs.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(provs.Content); i += 2 {
		name := provs.Content[i].Value
		body := deref(provs.Content[i+1])
		if body == nil || body.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(body.Content); j += 2 {
			if k := body.Content[j]; k.Value == "demo" {
				return &Error{File: file, Line: k.Line, Provider: name,
					Msg: fmt.Sprintf("provider %q: \"demo\" is reserved for the built-in simulator; remove it", name)}
			}
		}
	}
	return nil
}

// ---- strict checks --------------------------------------------------------

var (
	profileType = reflect.TypeOf(Profile{})
	dialectType = reflect.TypeOf(quota.Dialect{})
	unmarshaler = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

// checkFields walks the file against the Go types and reports the first
// unknown field (with a suggestion) or value of the wrong type, naming the
// field and the line of the value.
func checkFields(root *yaml.Node, file string) *Error {
	w := fieldWalker{file: file}
	w.walk(root, reflect.TypeOf(Catalog{}), "", "", "")
	return w.err
}

type fieldWalker struct {
	file string
	err  *Error
	seen map[*yaml.Node]bool // alias targets already walked
}

var stringListType = reflect.TypeOf(StringList{})

// walk checks n against t; ctx is the message prefix (`provider "x": `),
// provider the provider name, when inside one, and field the name of the
// field n is the value of ("limits[0]" for an item of limits; "" for a
// provider or dialect, which ctx names).
func (w *fieldWalker) walk(n *yaml.Node, t reflect.Type, ctx, provider, field string) {
	if w.err != nil || n == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if msg := typeMismatch(deref(n), t); msg != "" {
		if field != "" {
			msg = strconv.Quote(field) + " " + msg
		}
		w.err = &Error{File: w.file, Line: n.Line, Provider: provider, Msg: ctx + msg}
		return
	}
	if n.Kind == yaml.AliasNode {
		if w.seen == nil {
			w.seen = map[*yaml.Node]bool{}
		}
		if w.seen[n.Alias] {
			return
		}
		w.seen[n.Alias] = true
		n = n.Alias
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		return // decodes itself; typeMismatch covers it
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				if d := deref(v); d != nil && d.Kind == yaml.SequenceNode {
					for _, item := range d.Content { // <<: [*a, *b]
						w.walk(item, t, ctx, provider, field)
					}
				} else {
					w.walk(v, t, ctx, provider, field)
				}
				continue
			}
			ft, ok := fields[k.Value]
			if !ok {
				w.err = &Error{File: w.file, Line: k.Line, Provider: provider, Msg: ctx + unknownField(k.Value, fields)}
				return
			}
			w.walk(v, ft, ctx, provider, k.Value)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		elem := t.Elem()
		for elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			name := n.Content[i].Value
			switch elem {
			case profileType:
				w.walk(n.Content[i+1], t.Elem(), fmt.Sprintf("provider %q: ", name), name, "")
			case dialectType:
				w.walk(n.Content[i+1], t.Elem(), fmt.Sprintf("dialect %q: ", name), "", "")
			default:
				w.walk(n.Content[i+1], t.Elem(), ctx, provider, name)
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range n.Content {
			w.walk(item, t.Elem(), ctx, provider, fmt.Sprintf("%s[%d]", field, i))
		}
	}
}

// typeMismatch says what is wrong when v cannot be a value of type t
// ("must be true or false, not \"maybe\""), or "". An empty (null) value
// fits every type. Numbers are stricter than yaml.v3, which truncates 1.5
// into an int: a whole number must be written as one.
func typeMismatch(v *yaml.Node, t reflect.Type) string {
	if v == nil || (v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
		return ""
	}
	if t == stringListType {
		ok := v.Kind == yaml.ScalarNode
		if v.Kind == yaml.SequenceNode {
			ok = true
			for _, item := range v.Content {
				if d := deref(item); d == nil || d.Kind != yaml.ScalarNode {
					ok = false
				}
			}
		}
		if !ok {
			return "must be a string or a list of strings"
		}
		return ""
	}
	want := ""
	switch t.Kind() {
	case reflect.Bool:
		want = "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "a whole number"
	case reflect.Float32, reflect.Float64:
		want = "a number"
	case reflect.String:
		want = "a string"
	case reflect.Struct, reflect.Map:
		if v.Kind != yaml.MappingNode {
			return "must be a mapping, not " + describeNode(v)
		}
		return ""
	case reflect.Slice:
		if v.Kind != yaml.SequenceNode {
			return "must be a list, not " + describeNode(v)
		}
		return ""
	default:
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		return "must be " + want + ", not " + describeNode(v)
	}
	if t.Kind() == reflect.String {
		return ""
	}
	if want == "a whole number" && v.ShortTag() != "!!int" {
		var f float64
		if err := v.Decode(&f); err != nil || f != math.Trunc(f) {
			return "must be " + want + ", not " + describeNode(v)
		}
	}
	if err := v.Decode(reflect.New(t).Interface()); err != nil {
		return "must be " + want + ", not " + describeNode(v)
	}
	return ""
}

// describeNode names a value for a message: a list, a mapping, a quoted
// string (long ones cut), or a number or boolean as written.
func describeNode(v *yaml.Node) string {
	switch v.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	s := v.Value
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	switch v.ShortTag() {
	case "!!int", "!!float", "!!bool":
		return s
	}
	return strconv.Quote(s)
}

func unknownField(name string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	if s := closest(name, names); s != "" {
		return fmt.Sprintf("unknown field %q (did you mean %q?)", name, s)
	}
	return fmt.Sprintf("unknown field %q; valid fields: %s", name, strings.Join(names, ", "))
}

// yamlFields maps the YAML keys of struct type t (inlined structs
// included) to their Go types, the way yaml.v3 names them.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range yamlFields(ft) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

var (
	reUnmarshal = lazyre.New("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
	reNotFound  = lazyre.New(`^field (\S+) not found in type \S+$`)
)

// checkTypes decodes the file strictly (yaml.v3 KnownFields) and turns the
// first error into an *Error with the provider it falls in.
func checkTypes(data []byte, root *yaml.Node, file string) *Error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Catalog
	err := dec.Decode(&c)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	m := reYAMLLine().FindStringSubmatch(msg)
	if m == nil {
		return &Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	text := m[2]
	switch {
	case reUnmarshal().MatchString(text):
		field := fieldAtLine(root, line, "", 0)
		sm := reUnmarshal().FindStringSubmatch(text)
		got := describeValue(sm[1], sm[2])
		want := describeGoType(sm[3])
		if field != "" {
			text = fmt.Sprintf("%q must be %s, not %s", field, want, got)
		} else {
			text = fmt.Sprintf("expected %s, not %s", want, got)
		}
	case reNotFound().MatchString(text):
		name := reNotFound().FindStringSubmatch(text)[1]
		text = fmt.Sprintf("unknown field %q", name)
	case strings.HasPrefix(text, "expected a string or a list of strings"):
		if field := fieldAtLine(root, line, "", yaml.MappingNode); field != "" {
			text = fmt.Sprintf("%q must be a string or a list of strings", field)
		}
	}
	ctx, provider := sectionAt(root, line)
	return &Error{File: file, Line: line, Provider: provider, Msg: ctx + text}
}

func describeGoType(t string) string {
	t = strings.TrimLeft(t, "*")
	switch t {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string", "quota.ResetFormat":
		return "a string"
	case "catalog.StringList":
		return "a string or a list of strings"
	}
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "catalog."), strings.HasPrefix(t, "quota."):
		return "a mapping"
	}
	return t
}

func describeValue(tag, value string) string {
	switch tag {
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "empty"
	case "str", "timestamp", "binary":
		return strconv.Quote(value)
	}
	return value
}

// fieldAtLine is the deepest key whose value starts at line (or that holds
// the list whose item starts there). A non-zero kind only accepts values
// of that kind, for errors about a whole mapping such as key_env: {a: b}.
func fieldAtLine(n *yaml.Node, line int, parent string, kind yaml.Kind) string {
	match := func(v *yaml.Node) bool { return v.Line == line && (kind == 0 || v.Kind == kind) }
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if f := fieldAtLine(v, line, k.Value, kind); f != "" {
				return f
			}
			if match(v) {
				return k.Value
			}
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if f := fieldAtLine(item, line, parent, kind); f != "" {
				return f
			}
			if match(item) {
				return parent
			}
		}
	}
	return ""
}

// sectionAt says which provider or dialect of the file spans line.
func sectionAt(root *yaml.Node, line int) (ctx, provider string) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if (k.Value != "providers" && k.Value != "dialects") || v.Kind != yaml.MappingNode {
			continue
		}
		end := int(^uint(0) >> 1)
		if i+2 < len(root.Content) {
			end = root.Content[i+2].Line - 1
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			start := v.Content[j].Line
			stop := end
			if j+2 < len(v.Content) {
				stop = v.Content[j+2].Line - 1
			}
			if line < start || line > stop {
				continue
			}
			name := v.Content[j].Value
			if k.Value == "providers" {
				return fmt.Sprintf("provider %q: ", name), name
			}
			return fmt.Sprintf("dialect %q: ", name), ""
		}
	}
	return "", ""
}

// ---- merging --------------------------------------------------------------

// mergeNodes lays over on top of base: mappings merge key by key, anything
// else (scalars, lists) replaces. An empty (null) value in over keeps base.
func mergeNodes(base, over *yaml.Node) *yaml.Node {
	over = deref(over)
	if base == nil {
		return over
	}
	if over.Kind == yaml.ScalarNode && over.Tag == "!!null" {
		return base
	}
	if base.Kind == yaml.AliasNode {
		// Copy the anchored mapping so other aliases of it stay as they were.
		cp := *base.Alias
		cp.Content = append([]*yaml.Node(nil), base.Alias.Content...)
		base = &cp
	}
	if base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		if k.Value == "<<" {
			base.Content = append(base.Content, k, v)
			continue
		}
		if j := keyIndex(base, k.Value); j >= 0 {
			base.Content[j+1] = mergeNodes(base.Content[j+1], v)
		} else {
			base.Content = append(base.Content, k, v)
		}
	}
	return base
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func keyIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	if i := keyIndex(m, key); i >= 0 {
		return m.Content[i+1]
	}
	return nil
}

func markAll(n *yaml.Node, set map[*yaml.Node]bool) {
	if n == nil || set[n] {
		return
	}
	set[n] = true
	if n.Alias != nil {
		markAll(n.Alias, set)
	}
	for _, c := range n.Content {
		markAll(c, set)
	}
}
