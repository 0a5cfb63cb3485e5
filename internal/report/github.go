package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// GitHub Actions workflow commands: a line `::error file=F,line=L,title=T::M`
// on stdout becomes an annotation on that line of the pull request diff.

// Annotations writes one annotation per failed, errored or warning node.
// Paths are made relative to workspace (GITHUB_WORKSPACE, the repository
// root) so a project in a subdirectory annotates the right file.
func Annotations(w io.Writer, m *manifest.Manifest, results []manifest.RunResult, projectDir, workspace string) {
	for _, rr := range results {
		n := m.Nodes[rr.UniqueID]
		if n == nil {
			continue
		}
		kind := ""
		switch rr.Status {
		case manifest.StatusFail, manifest.StatusError:
			kind = "error"
		case manifest.StatusWarn:
			kind = "warning"
		default:
			continue
		}
		file := n.OriginalFilePath
		if projectDir != "" {
			abs := filepath.Join(projectDir, filepath.FromSlash(file))
			if workspace != "" {
				if rel, err := filepath.Rel(workspace, abs); err == nil && !strings.HasPrefix(rel, "..") {
					file = filepath.ToSlash(rel)
				}
			}
		}
		msg := ""
		if rr.Message != nil {
			msg = *rr.Message
		}
		name := n.Name
		if n.UnitTest != nil {
			name = n.UnitTest.Model + "::" + n.Name
		}
		props := "file=" + escapeProp(file)
		if n.Pos.Line > 0 {
			props += fmt.Sprintf(",line=%d", n.Pos.Line)
		}
		props += ",title=" + escapeProp(fmt.Sprintf("%s %s %s", n.ResourceType, name, strings.ToUpper(rr.Status)))
		fmt.Fprintf(w, "::%s %s::%s\n", kind, props, escapeData(msg))
	}
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
