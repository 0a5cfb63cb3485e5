package cli

import (
	"github.com/kiln-dev/kiln/internal/secret"
)

// maskSecrets returns e with every secret (DBT_ENV_SECRET*) value masked in
// its output, as dbt masks them: the values in the process environment
// are registered up front, and any secret read later through getenv (the
// environment tests pass in) is registered as it is read.
func (e *env) maskSecrets() *env {
	m := *e
	if e.environ != nil {
		secret.Register(secret.FromEnviron(e.environ())...)
	}
	get := e.getenv
	m.getenv = func(k string) (string, bool) {
		v, ok := get(k)
		if ok && secret.IsName(k) {
			secret.Register(v)
		}
		return v, ok
	}
	m.stdout, m.stderr = secret.Lines(e.stdout), secret.Lines(e.stderr)
	return &m
}
