package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestModelsCache(t *testing.T) {
	models := []CachedModel{
		{ID: "llama-3.1-8b-instant", OwnedBy: "Meta", Created: 1693721698, ContextLength: 131072},
		{ID: "whisper-large-v3"}, // nothing reported but the ID
	}
	pdt := time.FixedZone("PDT", -7*3600)
	cases := []struct {
		name      string
		saves     [][]CachedModel // saved in order, each at t0 + i minutes
		provider  string
		wantOK    bool
		wantModel []CachedModel
	}{
		{"nothing cached", nil, "groq", false, nil},
		{"a round trip keeps every field", [][]CachedModel{models}, "groq", true, models},
		{"a newer list replaces the older", [][]CachedModel{models, models[1:]}, "groq", true, models[1:]},
		{"an empty list is cached as fetched", [][]CachedModel{{}}, "groq", true, []CachedModel{}},
		{"another provider's list is separate", [][]CachedModel{models}, "cerebras", false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Open(t.TempDir())
			for i, list := range c.saves {
				if err := s.SaveModels("groq", list, t0.Add(time.Duration(i)*time.Minute).In(pdt)); err != nil {
					t.Fatal(err)
				}
			}
			got, at, ok, err := s.Models(c.provider)
			if err != nil || ok != c.wantOK {
				t.Fatalf("Models: ok=%v err=%v, want ok=%v", ok, err, c.wantOK)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.wantModel) || (got == nil) != (c.wantModel == nil) {
				t.Errorf("models %+v, want %+v", got, c.wantModel)
			}
			wantAt := time.Time{}
			if ok {
				wantAt = t0.Add(time.Duration(len(c.saves)-1) * time.Minute)
			}
			if !at.Equal(wantAt) || (ok && at.Location() != time.UTC) {
				t.Errorf("fetched at %v, want %v in UTC", at, wantAt)
			}
		})
	}
}

func TestModelsProviderNames(t *testing.T) {
	s := Open(t.TempDir())
	for _, p := range []string{"", "../etc", "a/b", `a\b`, "c:x"} {
		err := s.SaveModels(p, nil, t0)
		_, _, _, rerr := s.Models(p)
		if err == nil || rerr == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("provider %q: SaveModels %v, Models %v; want one-line errors", p, err, rerr)
		}
	}
}
