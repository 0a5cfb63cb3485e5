package report

// The event logger: every line kiln prints is an event with dbt's name and
// code, written to each sink in that sink's format and above its level —
// the console (text or JSON) and the log file (logs/dbt.log, debug text or
// JSON). One event, several renderings, so the console, the file and the
// JSON stream an orchestrator parses never disagree.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Level is an event's severity, ordered.
type Level int

// Levels as dbt names them (--log-level, --log-level-file).
const (
	LevelDebug Level = iota
	LevelInfo
	LevelWarn
	LevelError
	LevelNone
)

// ParseLevel reads debug, info, warn, error or none.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return LevelDebug, nil
	case "", "info":
		return LevelInfo, nil
	case "warn", "warning":
		return LevelWarn, nil
	case "error":
		return LevelError, nil
	case "none":
		return LevelNone, nil
	}
	return LevelInfo, fmt.Errorf("'%s' is not a log level (use debug, info, warn, error or none)", s)
}

func levelOf(s string) Level {
	l, _ := ParseLevel(s)
	return l
}

// Event formats: dbt's default console text, its debug text (with level
// and thread, the log file's default), and JSON.
const (
	FormatText  = "text"
	FormatDebug = "debug"
	FormatJSON  = "json"
)

// ParseFormat reads a --log-format value (dbt's "default" is text).
func ParseFormat(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "text", "default":
		return FormatText, nil
	case "debug":
		return FormatDebug, nil
	case "json":
		return FormatJSON, nil
	}
	return "", fmt.Errorf("'%s' is not a log format (use text, debug or json)", s)
}

// Sink is one destination of events.
type Sink struct {
	W io.Writer
	// ErrW, when set, receives the text of events marked Stderr (kiln
	// keeps errors on stderr in text mode; JSON goes to W).
	ErrW   io.Writer
	Format string
	Level  Level
	// Color keeps ANSI colours in text lines; every other rendering
	// strips them.
	Color bool
	// PrintAlways lets print() through whatever the level (dbt: --quiet
	// hides everything but errors and print()).
	PrintAlways bool
	// BarePrint writes print() output without the timestamp (a console
	// that is not a terminal, as dbt does).
	BarePrint bool
	// Header is written once before the first event (the log file's
	// invocation banner).
	Header string
	// Console marks the terminal sink (SetConsoleLevel).
	Console bool
}

// Logger fans events out to its sinks. It is safe for concurrent use.
type Logger struct {
	mu           sync.Mutex
	sinks        []*Sink
	invocationID string
	now          func() time.Time
	pid          int

	nodes   map[int]*nodeState // display index -> node being run
	pending map[int]string     // display index -> its console line, for an explicit event
	errored bool
}

// NewLogger returns a logger for one invocation.
func NewLogger(invocationID string, sinks ...*Sink) *Logger {
	return &Logger{sinks: sinks, invocationID: invocationID, now: time.Now, pid: os.Getpid(),
		nodes: map[int]*nodeState{}, pending: map[int]string{}}
}

// AddSink attaches another destination (the log file, once the project
// directory is known).
func (l *Logger) AddSink(s *Sink) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sinks = append(l.sinks, s)
}

// Event is one log event: dbt's info header plus its data.
type Event struct {
	Name, Code, Level, Msg string
	Data                   map[string]any
	Thread                 string // "" is MainThread
	// Stderr sends the text rendering to the sink's ErrW.
	Stderr bool
	// textOnly/jsonOnly route an event to one kind of sink: a node's
	// console line is printed when it happens, its structured event
	// (with the final status) when the runner reports the result.
	textOnly, jsonOnly bool
}

// JSONEvent is the wire shape of a JSON log line: {"info": {...}, "data": {...}}.
type JSONEvent struct {
	Info JSONInfo       `json:"info"`
	Data map[string]any `json:"data"`
}

// JSONInfo is dbt's common event header.
type JSONInfo struct {
	Name         string            `json:"name"`
	Code         string            `json:"code"`
	Msg          string            `json:"msg"`
	Level        string            `json:"level"`
	InvocationID string            `json:"invocation_id"`
	PID          int               `json:"pid"`
	Thread       string            `json:"thread"`
	TS           string            `json:"ts"`
	Category     string            `json:"category"`
	Extra        map[string]string `json:"extra"`
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// StripANSI removes colour codes.
func StripANSI(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	return ansi.ReplaceAllString(s, "")
}

// Fire writes e to every sink that wants it.
func (l *Logger) Fire(e Event) {
	if l == nil {
		return
	}
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	if e.Thread == "" {
		e.Thread = "MainThread"
	}
	if e.Level == "" {
		e.Level = "info"
	}
	lvl := levelOf(e.Level)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if lvl >= LevelError {
		l.errored = true
	}
	for _, s := range l.sinks {
		isPrint := e.Name == "PrintEvent"
		if lvl < s.Level && !(isPrint && s.PrintAlways) {
			continue
		}
		if (s.Format == FormatJSON && e.textOnly) || (s.Format != FormatJSON && e.jsonOnly) {
			continue
		}
		if s.Header != "" {
			io.WriteString(s.W, s.Header)
			s.Header = ""
		}
		switch s.Format {
		case FormatJSON:
			b, err := json.Marshal(JSONEvent{Info: JSONInfo{
				Name: e.Name, Code: e.Code, Msg: StripANSI(e.Msg), Level: e.Level, InvocationID: l.invocationID,
				PID: l.pid, Thread: e.Thread, TS: now.UTC().Format("2006-01-02T15:04:05.000000Z"), Extra: map[string]string{},
			}, Data: e.Data})
			if err == nil {
				s.W.Write(append(b, '\n'))
			}
		case FormatDebug:
			msg := e.Msg
			if !s.Color {
				msg = StripANSI(msg)
			}
			fmt.Fprintf(s.W, "%s [%-5s] [%s]: %s\n", now.Format("15:04:05.000000"), e.Level, e.Thread, msg)
		default:
			msg := e.Msg
			if !s.Color {
				msg = StripANSI(msg)
			}
			w := s.W
			if e.Stderr && s.ErrW != nil {
				// Diagnostics and errors read as they always have on
				// stderr: no timestamp.
				fmt.Fprintln(s.ErrW, msg)
				continue
			}
			if isPrint && s.BarePrint {
				fmt.Fprintln(w, msg)
				continue
			}
			ts := now.Format("15:04:05")
			for _, line := range strings.Split(msg, "\n") {
				fmt.Fprintf(w, "%s  %s\n", ts, line)
			}
		}
	}
}

// SetConsoleLevel raises the console sinks' level to at least lvl
// (commands whose output is data, such as ls, keep the log off stdout).
func (l *Logger) SetConsoleLevel(lvl Level) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.sinks {
		if s.Console && s.Level < lvl {
			s.Level = lvl
		}
	}
}

// Emit writes an event from its parts.
func (l *Logger) Emit(name, code, level, msg string, data map[string]any) {
	l.Fire(Event{Name: name, Code: code, Level: level, Msg: msg, Data: data})
}

// Errored reports whether an error-level event was written.
func (l *Logger) Errored() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errored
}

// LogFile opens <dir>/dbt.log for appending, rotating it when it would
// grow past maxBytes (dbt keeps dbt.log.1 … dbt.log.5). The file is
// created 0644, minus the umask.
func LogFile(dir string, maxBytes int64) (*RotatingFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "dbt.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	st, _ := f.Stat()
	var size int64
	if st != nil {
		size = st.Size()
	}
	return &RotatingFile{path: path, f: f, size: size, max: maxBytes}, nil
}

// RotatingFile is an append-only log file with size-based rotation.
type RotatingFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
	size int64
	max  int64
}

const logBackups = 5

func (r *RotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.max > 0 && r.size > 0 && r.size+int64(len(p)) > r.max {
		r.rotate()
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

func (r *RotatingFile) rotate() {
	r.f.Close()
	for i := logBackups - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", r.path, i), fmt.Sprintf("%s.%d", r.path, i+1))
	}
	_ = os.Rename(r.path, r.path+".1")
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		r.f = nil
		return
	}
	r.f, r.size = f, 0
}

// Close closes the file.
func (r *RotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// FileHeader is the banner dbt writes to the debug log file at the start
// of each invocation.
func FileHeader(invocationID string, t time.Time) string {
	bar := strings.Repeat("=", 30)
	return fmt.Sprintf("\n\n%s %s | %s %s\n", bar, t.Format("15:04:05.000000"), invocationID, bar)
}
