package run

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Printer writes dbt-style console lines. It is safe for concurrent use;
// colour is used only when the output is a terminal (decided by the CLI).
type Printer struct {
	mu    sync.Mutex
	w     io.Writer
	Color bool
	Width int
	Now   func() time.Time
	Quiet bool
	// Events, when set, receives the lines instead of the text output
	// (--log-format json).
	Events EventSink
}

// EventSink receives console lines as structured events.
type EventSink interface {
	Note(msg string)
	Progress(msg, status string)
}

const (
	green  = "\033[32m"
	red    = "\033[31m"
	yellow = "\033[33m"
	reset  = "\033[0m"
)

// NewPrinter returns a printer to w.
func NewPrinter(w io.Writer, color bool) *Printer {
	return &Printer{w: w, Color: color, Width: 80, Now: time.Now}
}

// Line prints one timestamped line.
func (p *Printer) Line(format string, args ...any) {
	if p == nil || p.w == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if p.Events != nil {
		p.Events.Note(msg)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range strings.Split(msg, "\n") {
		fmt.Fprintf(p.w, "%s  %s\n", p.Now().Format("15:04:05"), l)
	}
}

// Progress prints "i of N msg ....... [STATUS in 0.03s]".
func (p *Printer) Progress(i, total int, msg, status string, elapsed time.Duration, timed bool) {
	if p != nil && p.Events != nil {
		p.Events.Progress(msg, status)
		return
	}
	prefix := fmt.Sprintf("%d of %d %s ", i, total, msg)
	width := p.Width
	if width == 0 {
		width = 80
	}
	if len(prefix) < width {
		prefix += strings.Repeat(".", width-len(prefix))
	}
	st := status
	if timed {
		st = fmt.Sprintf("%s in %.2fs", status, elapsed.Seconds())
	}
	p.Line("%s [%s]", prefix, p.colorize(status, st))
}

func (p *Printer) colorize(status, s string) string {
	if !p.Color {
		return s
	}
	switch {
	case strings.HasPrefix(status, "ERROR"), strings.HasPrefix(status, "FAIL"):
		return red + s + reset
	case strings.HasPrefix(status, "WARN"), strings.HasPrefix(status, "SKIP"):
		return yellow + s + reset
	case status == "RUN":
		return s
	default:
		return green + s + reset
	}
}

// Colored wraps s in a colour when enabled.
func (p *Printer) Colored(color, s string) string {
	if !p.Color {
		return s
	}
	switch color {
	case "red":
		return red + s + reset
	case "green":
		return green + s + reset
	case "yellow":
		return yellow + s + reset
	}
	return s
}
