package run

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// Printer writes dbt-style console lines. It is safe for concurrent use;
// colour is used only when the output is a terminal (decided by the CLI).
type Printer struct {
	mu    sync.Mutex
	w     io.Writer
	Color bool
	Width int
	Now   func() time.Time
	// Events, when set, receives every line as a structured event instead
	// of the text output: the CLI's logger renders it to the console (text
	// or JSON) and the log file.
	Events EventSink
}

// EventSink receives console lines as structured events (dbt's names and
// codes, e.g. ConcurrencyLine Q027).
type EventSink interface {
	Emit(name, code, level, msg string, data map[string]any)
	// Progress is an "i of N ... [STATUS]" line, already formatted.
	Progress(index, total int, line, status string)
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

// Line prints one timestamped line: dbt's Note event (Z050), Formatting
// (Z017) when empty, at warn level when it starts with "Warning".
func (p *Printer) Line(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case msg == "":
		p.Event("Formatting", "Z017", "info", "", map[string]any{"msg": ""})
	case strings.HasPrefix(msg, "Warning"):
		p.Event("Note", "Z050", "warn", msg, map[string]any{"msg": msg})
	default:
		p.Event("Note", "Z050", "info", msg, map[string]any{"msg": msg})
	}
}

// Event prints one named event (its msg is the console line).
func (p *Printer) Event(name, code, level, msg string, data map[string]any) {
	if p == nil {
		return
	}
	if p.Events != nil {
		p.Events.Emit(name, code, level, msg, data)
		return
	}
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range strings.Split(msg, "\n") {
		fmt.Fprintf(p.w, "%s  %s\n", p.Now().Format("15:04:05"), l)
	}
}

// Print is Jinja's print(): dbt's PrintEvent (Z052), shown even with
// --quiet.
func (p *Printer) Print(msg string) {
	p.Event("PrintEvent", "Z052", "info", msg, map[string]any{"msg": msg})
}

// CancelLine is dbt's LogCancelLine (Q022): "CANCEL query <node> ...
// [CANCEL]", for a statement Ctrl-C interrupted.
func (p *Printer) CancelLine(what string) {
	if p == nil {
		return
	}
	msg := "CANCEL query " + what + " "
	if width := max(p.Width, 1); len(msg) < width {
		msg += strings.Repeat(".", width-len(msg))
	}
	p.Event("LogCancelLine", "Q022", "error", fmt.Sprintf("%s [%s]", msg, p.colorize("ERROR", "CANCEL")), map[string]any{"conn_name": what})
}

// Progress prints "i of N msg ....... [STATUS in 0.03s]".
func (p *Printer) Progress(i, total int, msg, status string, elapsed time.Duration, timed bool) {
	if p == nil {
		return
	}
	line := p.progressLine(i, total, msg, status, elapsed, timed)
	if p.Events != nil {
		p.Events.Progress(i, total, line, status)
		return
	}
	p.Event("", "", "info", line, nil)
}

func (p *Printer) progressLine(i, total int, msg, status string, elapsed time.Duration, timed bool) string {
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
	return fmt.Sprintf("%s [%s]", prefix, p.colorize(status, st))
}

// HookSink is an EventSink that writes project hooks' lines as dbt's
// LogHookStartLine (Q032) and LogHookEndLine (Q033), with the hook's
// operation node as node_info.
type HookSink interface {
	Hook(n *manifest.Node, index, total int, line, statement, status string, started time.Time, elapsed time.Duration)
}

// Hook prints a project hook's start line (status "") or end line (status
// success, error or skipped): "1 of 2 START hook: pkg.on-run-start.0 … [RUN]",
// "… OK hook: … [OK in 0.02s]".
func (p *Printer) Hook(n *manifest.Node, index, total int, statement, status string, started time.Time, elapsed time.Duration) {
	if p == nil {
		return
	}
	var msg, shown string
	switch status {
	case "":
		msg, shown = "START hook: "+statement, "RUN"
	case manifest.StatusSuccess:
		msg, shown = "OK hook: "+statement, "OK"
	case manifest.StatusSkipped:
		msg, shown = "SKIP hook: "+statement, "SKIP"
	default:
		msg, shown = "ERROR hook: "+statement, "ERROR"
	}
	if hs, ok := p.Events.(HookSink); ok {
		hs.Hook(n, index, total, p.progressLine(index, total, msg, shown, elapsed, status != ""), statement, status, started, elapsed)
		return
	}
	p.Progress(index, total, msg, shown, elapsed, status != "")
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
