package watch

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func TestPlainCountAndCancel(t *testing.T) {
	n := 0
	frame := func(now time.Time, reload bool) (string, string) {
		n++
		if !reload {
			t.Error("off a terminal every reading reads the state")
		}
		return "table\n", "note\n"
	}
	var out, errs bytes.Buffer
	if err := Plain(context.Background(), &out, &errs, frame, Options{Interval: time.Millisecond, Count: 3}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "table\n\ntable\n\ntable\n" || errs.String() != "note\nnote\nnote\n" || n != 3 {
		t.Errorf("stdout %q, stderr %q, %d frames", out.String(), errs.String(), n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	out.Reset()
	if err := Plain(ctx, &out, &errs, frame, Options{Interval: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if c := strings.Count(out.String(), "table"); c < 1 || c > 4 {
		t.Errorf("%d readings in 50ms at 20ms", c)
	}
}

func TestModelTicksAndQuits(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var reloads []bool
	m := &model{o: Options{Interval: 2 * time.Second, Count: 2, Now: func() time.Time { return now }}, lastLoad: now, reloads: 1, now: now,
		frame: func(_ time.Time, reload bool) (string, string) { reloads = append(reloads, reload); return "t", "" }}
	for i := 0; i < 3; i++ {
		now = now.Add(time.Second)
		if _, cmd := m.Update(tickMsg(now)); cmd == nil {
			t.Fatalf("tick %d: no next tick", i)
		}
	}
	if len(reloads) != 3 || reloads[0] || !reloads[1] || reloads[2] {
		t.Errorf("reloads %v: want every 2s only", reloads)
	}
	now = now.Add(time.Second) // the third reading is over --count 2
	if _, cmd := m.Update(tickMsg(now)); cmd == nil || cmd() != tea.Quit() {
		t.Error("--count did not quit")
	}
	if !m.View().AltScreen || !strings.Contains(m.View().Content, "q quits") {
		t.Errorf("view %+v", m.View())
	}
}

func TestModelKeysQuit(t *testing.T) {
	for _, k := range []tea.KeyPressMsg{{Code: 'q', Text: "q"}, {Code: tea.KeyEscape}, {Code: 'c', Mod: tea.ModCtrl}} {
		m := &model{o: Options{Interval: time.Second}}
		if _, cmd := m.Update(k); cmd == nil || cmd() != tea.Quit() {
			t.Errorf("%q does not quit", k.String())
		}
	}
	m := &model{o: Options{Interval: time.Second}}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'x', Text: "x"}); cmd != nil {
		t.Error("x quits")
	}
}
