package docs

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/internal/secret"
)

// The site's HTML, CSS and JS, written for kiln (no third-party code).
//
//go:embed assets/index.html assets/app.css assets/app.js
var assets embed.FS

// AssetDir is where the multi-file site keeps its scripts, under target/.
const AssetDir = "kiln-docs"

// dataScript renders `window.NAME = <json>;`. encoding/json escapes <, >
// and & (and U+2028/2029), so the text is also safe inside an inline
// <script> element: no "</script>" can appear in it.
func dataScript(name string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(name)+16)
	out = append(out, "window."...)
	out = append(out, name...)
	out = append(out, " = "...)
	out = append(out, b...)
	out = append(out, ";\n"...)
	return out, nil
}

func asset(name string) []byte {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic(err) // embedded at build time; cannot be missing
	}
	return b
}

func shortHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:4])
}

func page(title string, style, data, script string) []byte {
	r := strings.NewReplacer("{{TITLE}}", html.EscapeString(title), "{{STYLE}}", style, "{{DATA}}", data, "{{SCRIPT}}", script)
	return []byte(r.Replace(string(asset("index.html"))))
}

// WriteSite writes dir/index.html and dir/kiln-docs/{app.css, app.js,
// index.js, details.js}. Scripts are plain <script src> tags rather than
// fetch(), so the site also works when opened from file://. A content hash
// in each URL makes static hosts serve fresh files after a regeneration.
func WriteSite(dir string, ix *Index, details []Detail) error {
	indexJS, err := dataScript("KILN_INDEX", ix)
	if err != nil {
		return err
	}
	detailsJS, err := dataScript("KILN_DETAILS", details)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"app.css":    asset("app.css"),
		"app.js":     asset("app.js"),
		"index.js":   indexJS,
		"details.js": detailsJS,
	}
	ad := filepath.Join(dir, AssetDir)
	if err := os.MkdirAll(ad, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := writeFile(filepath.Join(ad, name), b); err != nil {
			return err
		}
	}
	url := func(name string) string { return AssetDir + "/" + name + "?v=" + shortHash(files[name]) }
	style := fmt.Sprintf(`<link rel="stylesheet" href="%s">`, url("app.css"))
	data := fmt.Sprintf(`<script src="%s"></script>`+"\n"+`<script>window.KILN_DETAILS_SRC = %q;</script>`, url("index.js"), url("details.js"))
	script := fmt.Sprintf(`<script src="%s"></script>`, url("app.js"))
	return writeFile(filepath.Join(dir, "index.html"), page(ix.Project+" · kiln docs", style, data, script))
}

// WriteStatic writes one self-contained HTML file holding the styles, the
// app and all data, for sharing by mail or hosting anywhere.
func WriteStatic(path string, ix *Index, details []Detail) error {
	indexJS, err := dataScript("KILN_INDEX", ix)
	if err != nil {
		return err
	}
	detailsJS, err := dataScript("KILN_DETAILS", details)
	if err != nil {
		return err
	}
	var data bytes.Buffer
	data.WriteString("<script>")
	data.Write(indexJS)
	data.Write(detailsJS)
	data.WriteString("</script>")
	style := "<style>\n" + string(asset("app.css")) + "</style>"
	script := "<script>\n" + strings.ReplaceAll(string(asset("app.js")), "</script", `<\/script`) + "</script>"
	return writeFile(path, page(ix.Project+" · kiln docs", style, data.String(), script))
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if secret.Active() {
		b = []byte(secret.Scrub(string(b)))
	}
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
