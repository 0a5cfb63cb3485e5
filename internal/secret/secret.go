// Package secret keeps the values of secret environment variables out of
// everything kiln prints or writes. As in dbt, a variable whose name starts
// with DBT_ENV_SECRET is a secret: env_var() may read it only in
// profiles.yml and packages.yml, and its value (when not blank) is replaced
// by "*****" in console output, logs, artifacts and error messages.
//
// The values are registered once per process (the CLI does it at start);
// registration only adds, so concurrent invocations in one process (tests)
// never unmask one another's secrets.
package secret

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Prefix marks a secret environment variable (dbt's SECRET_ENV_PREFIX).
const Prefix = "DBT_ENV_SECRET"

// Mask replaces a secret value.
const Mask = "*****"

// IsName reports whether an environment variable holds a secret.
func IsName(name string) bool { return strings.HasPrefix(name, Prefix) }

// FromEnviron returns the non-blank values of the secret variables in an
// os.Environ()-style list.
func FromEnviron(environ []string) []string {
	var out []string
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && IsName(k) && strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

var (
	mu       sync.Mutex
	values   = map[string]bool{}
	replacer atomic.Pointer[scrubber]
)

type scrubber struct {
	r      *strings.Replacer
	olds   [][]byte
	maxLen int
}

// Register adds secret values to mask from now on.
func Register(vals ...string) {
	mu.Lock()
	defer mu.Unlock()
	changed := false
	for _, v := range vals {
		if strings.TrimSpace(v) == "" || values[v] {
			continue
		}
		values[v] = true
		changed = true
	}
	if !changed {
		return
	}
	// Each value is masked as written and as JSON encodes it, so an
	// artifact holding it in an escaped string is masked too.
	forms := map[string]bool{}
	for v := range values {
		forms[v] = true
		for _, html := range []bool{false, true} {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(html)
			_ = enc.Encode(v)
			s := strings.TrimSuffix(b.String(), "\n")
			forms[s[1:len(s)-1]] = true
		}
	}
	list := make([]string, 0, len(forms))
	for f := range forms {
		list = append(list, f)
	}
	// Longest first, so a secret containing another is masked whole.
	sort.Slice(list, func(i, j int) bool {
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	s := &scrubber{}
	var pairs []string
	for _, f := range list {
		pairs = append(pairs, f, Mask)
		s.olds = append(s.olds, []byte(f))
		s.maxLen = max(s.maxLen, len(f))
	}
	s.r = strings.NewReplacer(pairs...)
	replacer.Store(s)
}

// Active reports whether any secret is registered.
func Active() bool { return replacer.Load() != nil }

// Scrub masks every registered secret in s.
func Scrub(s string) string {
	sc := replacer.Load()
	if sc == nil {
		return s
	}
	return sc.r.Replace(s)
}

// Contains reports whether b holds a registered secret (in any form that
// Scrub masks), for binary files that cannot be masked in place.
func Contains(b []byte) bool {
	sc := replacer.Load()
	if sc == nil {
		return false
	}
	for _, o := range sc.olds {
		if bytes.Contains(b, o) {
			return true
		}
	}
	return false
}
