package app

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// The keys operations, end to end on a memory keyring: set (unverified),
// list, rotate, roll back, remove; what each says, and that no secret is
// ever printed.
func TestKeyOperations(t *testing.T) {
	w := newWorld(t, "")
	const first, second = "fake-first-key-0001", "fake-second-key-0002"
	var out, errw bytes.Buffer
	kio := func(secret string) KeyIO {
		return KeyIO{Out: &out, Err: &errw, ReadKey: func() (string, error) { return secret, nil }}
	}
	ctx := context.Background()
	steps := []struct {
		name    string
		run     func() error
		wantOut string
	}{
		{"set", func() error {
			return w.app().SetKey(ctx, SetKey{Provider: "groq", NoVerify: true}, kio(first))
		}, "Stored the key for groq (…0001) in the keyring, unverified."},
		{"rotate", func() error {
			return w.app().RotateKey(ctx, RotateKey{Provider: "groq", NoVerify: true}, kio(second))
		}, "Rotated the key for groq: …0002 is in use; the previous key …0001 is kept"},
		{"rollback", func() error {
			return w.app().RotateKey(ctx, RotateKey{Provider: "groq", Rollback: true}, kio(""))
		}, "Rolled back: the key for groq is …0001 again; …0002 is kept as the previous key."},
		{"remove", func() error {
			return w.app().RemoveKey("groq", "", false, kio(""))
		}, "Removed the key for groq (…0001)."},
	}
	for _, st := range steps {
		out.Reset()
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v (stderr %q)", st.name, err, errw.String())
		}
		if !strings.Contains(out.String(), st.wantOut) {
			t.Errorf("%s said %q, want %q", st.name, out.String(), st.wantOut)
		}
		if all := out.String() + errw.String(); strings.Contains(all, first) || strings.Contains(all, second) {
			t.Fatalf("%s printed a secret: %q", st.name, all)
		}
	}
	rows, err := w.app().KeyRows(false)
	if err != nil || len(rows) != 0 {
		t.Errorf("KeyRows after remove = %v, %v; want none", rows, err)
	}
}

func TestKeyOperationsRefuse(t *testing.T) {
	w := newWorld(t, "")
	kio := KeyIO{Out: new(bytes.Buffer), Err: new(bytes.Buffer), ReadKey: func() (string, error) {
		t.Fatal("the key was read before the operation was refused")
		return "", nil
	}}
	ctx := context.Background()
	for name, err := range map[string]error{
		"set demo":         w.app().SetKey(ctx, SetKey{Provider: "demo"}, kio),
		"set unknown":      w.app().SetKey(ctx, SetKey{Provider: "nope"}, kio),
		"bad rotate-after": w.app().SetKey(ctx, SetKey{Provider: "groq", NoVerify: true, RotateAfter: "0d"}, kio),
		"rm demo":          w.app().RemoveKey("demo", "", false, kio),
	} {
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindUsage {
			t.Errorf("%s = %v, want a usage error", name, err)
		}
	}
}
