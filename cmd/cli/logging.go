package cli

// The invocation's logger: console sink from --log-format/--log-level/
// --quiet/--debug/--use-colors, log file sink (logs/dbt.log) from
// --log-path/--log-format-file/--log-level-file once the project is known.

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/internal/diag"
	"github.com/kiln-dev/kiln/internal/report"
	"github.com/kiln-dev/kiln/internal/secret"
)

// startLogging creates e.log from the global flags.
func (e *env) startLogging() error {
	g := e.g
	format, err := report.ParseFormat(g.logFormat)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--log-format: %v", err))
	}
	level, err := report.ParseLevel(g.logLevel)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--log-level: %v", err))
	}
	if _, err := report.ParseLevel(g.logLevelFile); err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--log-level-file: %v", err))
	}
	if g.logFormatFile != "" {
		if _, err := report.ParseFormat(g.logFormatFile); err != nil {
			return exitWith(ExitUsage, fmt.Errorf("--log-format-file: %v", err))
		}
	}
	if g.debug && level > report.LevelDebug {
		level = report.LevelDebug
	}
	if pick(g.quiet, g.noQuiet, false) && level < report.LevelError {
		level = report.LevelError
	}
	console := &report.Sink{W: e.stdout, Format: format, Level: level, Console: true,
		Color:       format != report.FormatJSON && pick(g.useColors, g.noUseColors, e.isTerminal),
		PrintAlways: true, BarePrint: !e.isTerminal}
	if format != report.FormatJSON {
		console.ErrW = e.stderr
	}
	e.format = format
	e.log = report.NewLogger(e.invID, console)
	return nil
}

// attachLogFile adds logs/dbt.log (or --log-path) for a project command.
// A log file that cannot be opened is a warning: the run itself matters
// more than its log.
func (e *env) attachLogFile(projectDir string) {
	g := e.g
	if e.logFile != nil || e.log == nil {
		return
	}
	level, _ := report.ParseLevel(g.logLevelFile)
	if level == report.LevelNone {
		return
	}
	format := report.FormatDebug
	if g.logFormatFile != "" {
		format, _ = report.ParseFormat(g.logFormatFile)
	} else if e.format == report.FormatJSON {
		format = report.FormatJSON
	}
	dir := g.logPath
	if dir == "" {
		dir = "logs"
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(projectDir, dir)
	}
	f, err := report.LogFile(dir, g.logFileMaxBytes)
	if err != nil {
		e.warn(fmt.Sprintf("Warning: cannot write the log file in %s: %v (continuing without it)", dir, err))
		return
	}
	e.logFile = f
	// The log file is masked like the console: no DBT_ENV_SECRET* value in it.
	sink := &report.Sink{W: secret.Lines(f), Format: format, Level: level, Color: pick(g.useColorsFile, g.noUseColorsFile, false)}
	if format != report.FormatJSON {
		sink.Header = report.FileHeader(e.invID, time.Now())
	}
	e.log.AddSink(sink)
}

// closeLog ends the invocation: CommandCompleted (Q039) and the log file.
func (e *env) closeLog(command string, code int) {
	if e.log == nil {
		return
	}
	el := time.Since(e.started)
	verb := "succeeded"
	if code != ExitOK {
		verb = "failed"
	}
	now := time.Now()
	e.log.Emit("CommandCompleted", "Q039", "debug",
		fmt.Sprintf("Command `kiln %s` %s at %s after %.2f seconds", command, verb, now.Format("15:04:05.000000"), el.Seconds()),
		map[string]any{"command": "kiln " + command, "success": code == ExitOK, "completed_at": now.UTC().Format("2006-01-02T15:04:05.000000Z"), "elapsed": el.Seconds()})
	if e.logFile != nil {
		e.logFile.Close()
		e.logFile = nil
	}
}

// warn prints a warning line (Note, level warn) on stderr in text mode.
func (e *env) warn(msg string) {
	if e.log == nil {
		fmt.Fprintln(e.stderr, msg)
		return
	}
	e.log.Fire(report.Event{Name: "Note", Code: "Z050", Level: "warn", Msg: msg, Data: map[string]any{"msg": msg}, Stderr: true})
}

// printDiags reports diagnostics, warnings first: on stderr in text mode,
// as events (Note, with file/line/column) in JSON.
func (e *env) printDiags(l diag.List) {
	for _, d := range l {
		if e.log == nil {
			fmt.Fprintln(e.stderr, d.String())
			continue
		}
		level := "warn"
		if d.Severity == diag.Error {
			level = "error"
		}
		msg := d.String()
		e.log.Fire(report.Event{Name: "Note", Code: "Z050", Level: level, Msg: msg, Stderr: true, Data: map[string]any{
			"msg": msg, "code": d.Code, "file": d.Pos.File, "line": d.Pos.Line, "column": d.Pos.Col}})
	}
}

// encounteredError reports the error that ends the command: dbt's
// MainEncounteredError (Z002).
func (e *env) encounteredError(err error) {
	msg := err.Error()
	if e.log == nil {
		fmt.Fprintln(e.stderr, msg)
		return
	}
	e.log.Fire(report.Event{Name: "MainEncounteredError", Code: "Z002", Level: "error", Msg: msg, Stderr: true,
		Data: map[string]any{"exc": msg}})
}

// mainReport emits MainReportVersion (A001) and MainReportArgs (A002).
func (s *session) mainReport(which string) {
	s.p.Event("MainReportVersion", "A001", "info", fmt.Sprintf("Running with kiln=%s (dbt=%s compatible)", Version(), compiler.DbtVersion),
		map[string]any{"log_version": 3, "version": "=" + compiler.DbtVersion})
	args := map[string]any{"which": which, "invocation_command": "kiln " + strings.Join(s.e.args, " ")}
	for k, v := range s.invocationArgs(which) {
		args[k] = fmt.Sprint(v)
	}
	s.p.Event("MainReportArgs", "A002", "debug", fmt.Sprintf("running kiln with arguments %v", args), map[string]any{"args": args})
}

// dataLine writes a line of a command's output (ls, compile): plain text
// on stdout, or a PrintEvent (Z052) in JSON logs, as dbt does.
func (e *env) dataLine(line string) {
	if e.log != nil && e.format == report.FormatJSON {
		e.log.Emit("PrintEvent", "Z052", "info", line, map[string]any{"msg": line})
		return
	}
	fmt.Fprintln(e.stdout, line)
}

// errLine reports an error that does not end the command (one node of
// several): stderr in text mode, a Note at error level in JSON.
func (e *env) errLine(msg string) {
	if e.log == nil {
		fmt.Fprintln(e.stderr, msg)
		return
	}
	e.log.Fire(report.Event{Name: "Note", Code: "Z050", Level: "error", Msg: msg, Data: map[string]any{"msg": msg}, Stderr: true})
}

// debugOut is where `kiln debug` writes: stdout, or one DebugCmdOut
// (Z047) event per line in JSON logs.
func (e *env) debugOut() io.Writer {
	if e.log == nil || e.format != report.FormatJSON {
		return e.stdout
	}
	return lineWriter(func(line string) {
		e.log.Emit("DebugCmdOut", "Z047", "info", line, map[string]any{"msg": line})
	})
}

// lineWriter calls fn for every complete line written to it.
type lineWriter func(string)

func (w lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimSuffix(string(p), "\n"), "\n") {
		w(l)
	}
	return len(p), nil
}
