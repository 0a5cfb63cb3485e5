package docs

import (
	"bytes"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md renders descriptions. goldmark is used without html.WithUnsafe: raw
// HTML in a description (a <script>, an <img onerror>) is dropped and
// dangerous link targets (javascript:) are blanked, so YAML written by
// anyone cannot run code in a reader's browser. Tables, strikethrough and
// bare-URL links are enabled because docs blocks use them.
var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify, extension.TaskList))

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Markdown renders a description to safe HTML ("" for a blank one).
func Markdown(src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	defer bufPool.Put(b)
	if err := md.Convert([]byte(src), b); err != nil {
		return "<pre>" + htmlEscape(src) + "</pre>"
	}
	return b.String()
}

// mdCache renders each distinct description once per site build: the same
// text recurs across a project (a column's "Primary key." on every model,
// a {{ doc() }} block reused everywhere); at 5,000 generated models 30,000
// descriptions hold 3,600 distinct texts. Safe for concurrent use.
type mdCache struct{ m sync.Map }

func (c *mdCache) render(src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	if h, ok := c.m.Load(src); ok {
		return h.(string)
	}
	h := Markdown(src)
	c.m.Store(src, h)
	return h
}

// plainText turns a description into one line for search results: Markdown
// punctuation is kept (it is cheap to read) but whitespace is collapsed and
// the text is cut at max runes.
func plainText(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}
