package catalog

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	tier "github.com/tier-cli/tier"
)

// TestBuiltinCatalog checks the embedded providers.yaml: every profile is
// usable as shipped and every figure says where it comes from.
func TestBuiltinCatalog(t *testing.T) {
	c, err := LoadBytes(tier.ProvidersYAML, nil, "")
	if err != nil {
		t.Fatalf("built-in catalog does not load: %v", err)
	}
	if _, err := c.Profile(c.Default); err != nil {
		t.Errorf("default %q: %v", c.Default, err)
	}
	used := map[string]bool{}
	for _, name := range c.Names() {
		p := c.Providers[name]
		t.Run(name, func(t *testing.T) {
			used[p.Dialect] = true
			if p.DisplayName == "" {
				t.Error("no display_name")
			}
			if len(p.KeyEnv) == 0 && !p.NoKey {
				t.Error("no key_env and not no_key")
			}
			if p.DefaultModel == "" {
				t.Error("no default_model")
			} else if p.Model(p.DefaultModel) == nil {
				t.Errorf("default_model %q is not in models", p.DefaultModel)
			}
			if c.Dialect(p.Dialect) == nil {
				t.Errorf("dialect %q does not exist", p.Dialect)
			}
			u, err := url.Parse(p.BaseURL)
			if err != nil || (u.Scheme != "https" && !p.Demo) {
				t.Errorf("base_url %q is not https", p.BaseURL)
			}
			if p.KeyURL != "" && !strings.HasPrefix(p.KeyURL, "https://") {
				t.Errorf("key_url %q is not https", p.KeyURL)
			}
			if p.Balance != nil && !strings.HasPrefix(p.Balance.URL, "https://") {
				t.Errorf("balance url %q is not https", p.Balance.URL)
			}
			if p.Demo {
				if !p.NoKey || !strings.HasSuffix(u.Hostname(), ".invalid") {
					t.Error("the demo must need no key and use a .invalid host")
				}
			} else if p.AllowInsecureHTTP {
				t.Error("a built-in provider allows insecure http")
			}
			for i, l := range p.Limits {
				checkProvenance(t, "limits", i, l.Fact, p.Demo)
			}
			for i, g := range p.Credits {
				checkProvenance(t, "credits", i, g.Fact, p.Demo)
			}
			for i, m := range p.Models {
				if m.Price != nil {
					checkProvenance(t, "models price", i, m.Price.Fact, p.Demo)
				}
			}
			if _, err := p.ResolveBaseURL(func(k string) string { return "placeholder-" + strings.ToLower(k) }); err != nil {
				t.Errorf("ResolveBaseURL: %v", err)
			}
		})
	}
	for name := range c.Dialects {
		if !used[name] && name != "none" {
			t.Errorf("dialect %q is used by no built-in provider", name)
		}
	}
}

func checkProvenance(t *testing.T, what string, i int, f Fact, demo bool) {
	t.Helper()
	d, err := time.Parse(time.DateOnly, f.AsOf)
	if err != nil {
		t.Errorf("%s[%d]: as_of %q is not a date", what, i, f.AsOf)
	} else if d.After(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%s[%d]: as_of %s is after the catalog was written", what, i, f.AsOf)
	}
	if demo {
		if f.Source == "" {
			t.Errorf("%s[%d]: no source", what, i)
		}
		return
	}
	if !strings.HasPrefix(f.Source, "https://") {
		t.Errorf("%s[%d]: source %q is not an https URL", what, i, f.Source)
	}
	if f.Confidence != "" && !oneOf(f.Confidence, confidences) {
		t.Errorf("%s[%d]: confidence %q", what, i, f.Confidence)
	}
}

// TestBuiltinGo checks builtin_gen.go, what Load uses instead of parsing
// providers.yaml: it must be what the generator makes of the current
// providers.yaml, and build the very catalog LoadBytes gives.
func TestBuiltinGo(t *testing.T) {
	fresh, err := BuiltinGo(tier.ProvidersYAML)
	if err != nil {
		t.Fatalf("built-in catalog does not load: %v", err)
	}
	current, err := os.ReadFile("builtin_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(current, fresh) {
		t.Fatal("internal/catalog/builtin_gen.go is stale: run go generate ./...")
	}
	want, err := LoadBytes(tier.ProvidersYAML, nil, userPath)
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadEmbedded(nil, userPath)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("builtin_gen.go builds another catalog than providers.yaml: a field is not written by BuiltinGo")
	}
	if a, b := builtinCatalog(), builtinCatalog(); a.Providers["groq"] == b.Providers["groq"] {
		t.Error("builtinCatalog must return a new copy each time (callers merge user files onto it)")
	}
}

// TestJSONRoundTripsEveryField fills every exported field of a catalog
// (dialects and windows included) and checks that JSON gives it back, so a
// field added to the schema without a working json tag is caught.
func TestJSONRoundTripsEveryField(t *testing.T) {
	var full Catalog
	fill(t, reflect.ValueOf(&full).Elem(), "catalog")
	data, err := json.Marshal(&full)
	if err != nil {
		t.Fatal(err)
	}
	var back Catalog
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, full) {
		t.Errorf("JSON loses a field:\n got %s\nwant %+v", data, full)
	}
}

// fill sets every exported field under v to a value that is not zero.
func fill(t *testing.T, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() {
				fill(t, v.Field(i), path+"."+f.Name)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), path)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(t, v.Index(0), path+"[0]")
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		e := reflect.New(v.Type().Elem()).Elem()
		fill(t, e, path+"[k]")
		v.SetMapIndex(reflect.ValueOf("k"), e)
	case reflect.String:
		v.SetString(path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(0.25)
	default:
		t.Fatalf("%s: fill does not know %s; teach it", path, v.Type())
	}
}
