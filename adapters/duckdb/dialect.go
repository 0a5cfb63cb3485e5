package duckdb

import "github.com/kiln-dev/kiln/adapters"

// Dialect is DuckDB's SQL dialect: double-quoted identifiers (embedded quotes
// doubled) and no practical identifier length limit.
type Dialect struct {
	// The building blocks' SQL is the portable one (the default__ macros).
	adapters.StandardSQL
}

var _ adapters.Dialect = Dialect{}

// Quote quotes an identifier.
func (Dialect) Quote(identifier string) string { return adapters.QuoteIdent(identifier) }

// MaxIdentifierLength is 0: DuckDB has no practical limit.
func (Dialect) MaxIdentifierLength() int { return 0 }
