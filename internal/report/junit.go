package report

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/secret"
)

// JUnit XML, as read by CI test reporters (GitHub, GitLab, Jenkins): one
// <testsuite> per resource type, one <testcase> per executed node. A failed
// test is a <failure> (with its row count), a node that errored is an
// <error>, a skipped one <skipped>.

// JUnitSuites is the document root.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite groups the cases of one resource type.
type JUnitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      float64     `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []JUnitCase `xml:"testcase"`
}

// JUnitCase is one node.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      float64       `xml:"time,attr"`
	Failure   *JUnitProblem `xml:"failure,omitempty"`
	Error     *JUnitProblem `xml:"error,omitempty"`
	Skipped   *JUnitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitProblem is a failure, error or skip with its message.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

var suiteNames = map[string]string{
	manifest.Model: "models", manifest.Seed: "seeds", manifest.Snapshot: "snapshots",
	manifest.Test: "data tests", manifest.UnitTest: "unit tests",
}

// JUnit builds the document for a command's results.
func JUnit(command string, m *manifest.Manifest, results []manifest.RunResult, elapsed time.Duration, started time.Time) *JUnitSuites {
	doc := &JUnitSuites{Name: "kiln " + command, Time: round(elapsed.Seconds())}
	suites := map[string]*JUnitSuite{}
	for _, rr := range results {
		n := m.Nodes[rr.UniqueID]
		if n == nil {
			continue
		}
		sname := suiteNames[n.ResourceType]
		if sname == "" {
			sname = n.ResourceType
		}
		s := suites[sname]
		if s == nil {
			s = &JUnitSuite{Name: sname, Timestamp: started.UTC().Format("2006-01-02T15:04:05")}
			suites[sname] = s
		}
		name := n.Name
		if n.UnitTest != nil {
			name = n.UnitTest.Model + "::" + n.Name
		}
		c := JUnitCase{Name: name, ClassName: n.UniqueID, File: n.OriginalFilePath, Line: n.Pos.Line, Time: round(rr.ExecutionTime)}
		msg := ""
		if rr.Message != nil {
			msg = *rr.Message
		}
		failures := int64(0)
		if rr.Failures != nil {
			failures = *rr.Failures
		}
		switch rr.Status {
		case manifest.StatusFail:
			head := fmt.Sprintf("%d failing row%s", failures, plural(failures))
			if n.UnitTest != nil {
				head = "actual differs from expected"
			}
			c.Failure = &JUnitProblem{Message: head + ": " + firstLine(msg), Type: "fail", Text: msg}
			s.Failures++
		case manifest.StatusError:
			c.Error = &JUnitProblem{Message: firstLine(msg), Type: "error", Text: msg}
			s.Errors++
		case manifest.StatusSkipped:
			c.Skipped = &JUnitProblem{Message: firstLine(msg)}
			s.Skipped++
		case manifest.StatusWarn:
			// A warning passes the build; keep its message visible.
			c.SystemOut = fmt.Sprintf("WARN %d: %s", failures, msg)
		}
		s.Tests++
		s.Time = round(s.Time + rr.ExecutionTime)
		s.Cases = append(s.Cases, c)
	}
	names := make([]string, 0, len(suites))
	for k := range suites {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s := suites[k]
		sort.Slice(s.Cases, func(i, j int) bool { return s.Cases[i].ClassName < s.Cases[j].ClassName })
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, *s)
	}
	return doc
}

// WriteJUnit writes the document to path (directories are created).
func WriteJUnit(path string, doc *JUnitSuites) error {
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(secret.Scrub(xml.Header+string(b)+"\n")), 0o644)
}

func round(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
