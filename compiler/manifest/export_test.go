package manifest

// Test hooks for the external test package (which compiles real projects
// through package compiler, and so cannot live inside package manifest).
var (
	AppendJSON      = appendJSON
	MarshalNoEscape = marshalNoEscape
)

// SetEncodeChunk changes the chunk size of WriteManifest and returns a func
// that restores it.
func SetEncodeChunk(n int) func() {
	old := encodeChunk
	encodeChunk = n
	return func() { encodeChunk = old }
}

// ManifestEntry is what WriteManifest encodes for a node.
func (n *Node) ManifestEntry() any { return n.manifestEntry() }

// EncodeAs encodes with the fast encoder v2 and with encoding/json v1
// (what the fast path must reproduce).
func EncodeAs(v2, v1 any) (fast, std []byte, fastErr, stdErr error) {
	fast, fastErr = appendJSON(nil, v2)
	std, stdErr = marshalNoEscape(v1)
	return
}

// ManifestEntryRawCode is raw_code as the manifest entry holds it.
func (n *Node) ManifestEntryRawCode() string { return n.manifestEntry().RawCode }
