package postgres

import "github.com/kiln-dev/kiln/adapters"

// Dialect is PostgreSQL's SQL dialect: double-quoted identifiers (embedded
// quotes doubled) and NAMEDATALEN-1 = 63 bytes per identifier.
type Dialect struct {
	// The building blocks' SQL is the portable one (the default__ macros).
	adapters.StandardSQL
}

var _ adapters.Dialect = Dialect{}

// Quote quotes an identifier.
func (Dialect) Quote(identifier string) string { return adapters.QuoteIdent(identifier) }

// MaxIdentifierLength is 63: PostgreSQL silently truncates longer names.
func (Dialect) MaxIdentifierLength() int { return maxIdent }

const maxIdent = 63
