// Package watch owns the live views of 'tier quota --watch': a full-screen
// view (bubbletea) whose countdowns tick every second and whose figures are
// read again every interval, and the plain fallback off a terminal that
// prints the picture every interval, a bounded number of times. What the
// picture is comes from its caller as a function of the time; the package
// knows nothing of cobra, the state files or the overview.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Frame renders the picture as of now: the answer, and notes and warnings
// (stderr off a terminal, under the answer on the live screen). reload says
// the state should be read again (every interval); otherwise only the
// clock moved (countdowns).
type Frame func(now time.Time, reload bool) (answer, notes string)

// Options say how often to read the state again, how many times (0: until
// quit or interrupted) and which clock to use.
type Options struct {
	Interval time.Duration
	Count    int
	Now      func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// tick is how often the full-screen view redraws its countdowns: every
// second, or every interval when that is shorter.
func (o Options) tick() time.Duration { return min(time.Second, o.Interval) }

// Plain writes the picture every interval, the answer to w and the notes
// to errw, readings separated by a blank line, count times (until ctx is
// done when count is 0). It returns nil when done or interrupted.
func Plain(ctx context.Context, w, errw io.Writer, frame Frame, o Options) error {
	for i := 0; o.Count == 0 || i < o.Count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(o.Interval):
			}
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		text, notes := frame(o.now(), true)
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
		io.WriteString(errw, notes)
	}
	return nil
}

// Live runs the full-screen view on the terminal in/out until q, Esc or
// Ctrl-C (or count reloads, or ctx done); all of them end it without error.
// Lines wider than the terminal wrap; a picture taller than it scrolls
// (arrows, j/k, PgUp/PgDn, Home/End) under a footer that stays in view.
func Live(ctx context.Context, in io.Reader, out io.Writer, frame Frame, o Options) error {
	m := &model{frame: frame, o: o}
	m.now = o.now()
	m.text = m.render(true)
	m.reloads, m.lastLoad = 1, m.now
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignalHandler())
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) {
		return nil
	}
	return err
}

type tickMsg time.Time

type model struct {
	frame    Frame
	o        Options
	now      time.Time
	lastLoad time.Time
	reloads  int
	text     string
	// The terminal's size (0 until it is known) and the first line of the
	// picture shown.
	width, height, offset int
}

func (m *model) Init() tea.Cmd { return m.next() }

func (m *model) next() tea.Cmd {
	return tea.Tick(m.o.tick(), func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q", "esc", "ctrl+c":
			return m, tea.Quit
		case "down", "j":
			m.offset++
		case "up", "k":
			m.offset--
		case "pgdown", "space", "f":
			m.offset += m.page()
		case "pgup", "b":
			m.offset -= m.page()
		case "home", "g":
			m.offset = 0
		case "end", "G":
			m.offset = len(m.lines())
		}
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tickMsg:
		m.now = m.o.now()
		reload := m.now.Sub(m.lastLoad) >= m.o.Interval
		if reload {
			if m.o.Count > 0 && m.reloads >= m.o.Count {
				return m, tea.Quit
			}
			m.reloads++
			m.lastLoad = m.now
		}
		m.text = m.render(reload)
		return m, m.next()
	}
	return m, nil
}

func (m *model) render(reload bool) string {
	answer, notes := m.frame(m.now, reload)
	return answer + notes
}

// footerLines are the lines under the picture: a blank one and the footer.
const footerLines = 2

// lines is the picture as the terminal shows it: wrapped at its width.
func (m *model) lines() []string {
	text := strings.TrimRight(m.text, "\n")
	if m.width > 0 {
		text = ansi.Wrap(text, m.width, "")
	}
	return strings.Split(text, "\n")
}

// page is how many lines of the picture fit above the footer (all of them
// while the height is unknown).
func (m *model) page() int {
	if m.height <= 0 {
		return len(m.lines())
	}
	return max(1, m.height-footerLines)
}

func (m *model) View() tea.View {
	lines, page := m.lines(), m.page()
	m.offset = max(0, min(m.offset, len(lines)-page))
	footer := fmt.Sprintf("%s · read every %s · q quits", m.now.Local().Format("15:04:05"), m.o.Interval)
	if len(lines) > page { // what scrolls first: the rest may be cut
		end := m.offset + page
		footer = fmt.Sprintf("lines %d-%d of %d ↑↓ · q quits · %s · read every %s", m.offset+1, end, len(lines), m.now.Local().Format("15:04:05"), m.o.Interval)
		lines = lines[m.offset:end]
	}
	if m.width > 0 {
		footer = ansi.Truncate(footer, m.width, "…")
	}
	v := tea.NewView(strings.Join(lines, "\n") + "\n\n" + footer)
	v.AltScreen = true
	return v
}
