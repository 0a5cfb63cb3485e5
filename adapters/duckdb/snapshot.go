package duckdb

// Write locks for incremental models and snapshots.
//
// Two writers of one snapshot table that both see "this key has no current
// row" would both insert one — the duplicate-current-row bug dbt users hit
// with concurrent runs. DuckDB admits one writing process per database file
// (a second kiln process gets *adapters.LockedError from Open), so only
// writers inside this process remain: LockRelation serialises them per
// relation. Without it two connections would still not corrupt the table —
// DuckDB's optimistic concurrency fails one transaction at commit — but the
// losing node would fail for no fault of its own.

import (
	"context"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/adapters"
)

type lockKey struct {
	db  *DB
	rel string
}

// relLocks maps lockKey to a one-slot channel used as a mutex that a
// cancelled context can give up waiting on.
var relLocks sync.Map

// LockRelation takes the in-process write lock of rel (see file comment).
func (c *Conn) LockRelation(ctx context.Context, rel adapters.Relation) (func(), error) {
	k := lockKey{c.db, strings.ToLower(c.defaultDB(rel.Database) + "." + rel.Schema + "." + rel.Identifier)}
	v, _ := relLocks.LoadOrStore(k, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, &CancelledError{Err: ctx.Err()}
	}
	var once sync.Once
	return func() { once.Do(func() { <-ch }) }, nil
}
