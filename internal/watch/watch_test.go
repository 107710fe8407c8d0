package watch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tier-cli/tier/internal/ptytest"
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

// tallPicture is 30 numbered table lines and a note wider than a narrow
// terminal.
func tallPicture(time.Time, bool) (string, string) {
	var b strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "row %02d\n", i)
	}
	return b.String(), "- not reported · ~ estimated from calls made through tier (calls made elsewhere are not counted) · the end\n"
}

// On a terminal smaller than the picture, nothing is lost: long lines wrap
// at its width, the footer (q quits) stays on screen, and the picture
// scrolls.
func TestModelFitsTheTerminal(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	m := &model{frame: tallPicture, o: Options{Interval: 2 * time.Second, Now: func() time.Time { return now }}, now: now}
	m.text = m.render(true)
	m.Update(tea.WindowSizeMsg{Width: 40, Height: 12})
	screen := func() []string {
		lines := strings.Split(m.View().Content, "\n")
		if len(lines) > 12 {
			t.Errorf("%d lines on a 12-line terminal:\n%s", len(lines), strings.Join(lines, "\n"))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > 40 {
				t.Errorf("a line %d wide on a 40-column terminal: %q", w, l)
			}
		}
		if !strings.Contains(lines[len(lines)-1], "q quits") {
			t.Errorf("the footer is not on screen: %q", lines[len(lines)-1])
		}
		return lines
	}
	if s := screen(); s[0] != "row 01" || s[9] != "row 10" || !strings.Contains(s[11], "lines 1-10 of 33") {
		t.Errorf("the top of the picture:\n%s", strings.Join(s, "\n"))
	}
	press := func(k tea.KeyPressMsg) { m.Update(k); m.View() }
	press(tea.KeyPressMsg{Code: tea.KeyDown})
	press(tea.KeyPressMsg{Code: 'j', Text: "j"})
	if s := screen(); s[0] != "row 03" {
		t.Errorf("two lines down, the top line is %q", s[0])
	}
	press(tea.KeyPressMsg{Code: tea.KeyEnd})
	s := strings.Join(screen(), "\n")
	if !strings.Contains(s, "row 30") || !strings.Contains(s, "the end") || !strings.Contains(s, "lines 24-33 of 33") {
		t.Errorf("the end of the picture:\n%s", s)
	}
	for range 3 {
		press(tea.KeyPressMsg{Code: tea.KeyPgUp})
	}
	if s := screen(); s[0] != "row 01" {
		t.Errorf("back at the top, the first line is %q", s[0])
	}
	// A terminal tall enough shows it all, with no scroll hint.
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	if s := m.View().Content; !strings.Contains(s, "row 30") || !strings.Contains(s, "the end\n\n") || strings.Contains(s, "lines ") {
		t.Errorf("on a large terminal:\n%s", s)
	}
}

// TestLiveSmallTerminal drives Live in a pseudo-terminal of 40 by 12: the
// footer is drawn although the picture is taller, and q quits.
func TestLiveSmallTerminal(t *testing.T) {
	master, tty := ptytest.Open(t)
	ptytest.SetSize(t, tty, 40, 12)
	screen := &ptytest.Buffer{}
	go io.Copy(screen, master)
	done := make(chan error, 1)
	go func() { done <- Live(context.Background(), tty, tty, tallPicture, Options{Interval: time.Second}) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(screen.String(), "q quits") || !strings.Contains(screen.String(), "row 10") {
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed the footer:\n%q", screen.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(screen.String(), "row 11") {
		t.Errorf("a line below the footer was drawn:\n%q", screen.String())
	}
	master.Write([]byte("q"))
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not quit")
	}
}
