package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/adapters"
)

// One kiln run per target at a time. The claim is a session-level advisory
// lock on "<database>.<schema>" held by a connection of its own for the
// whole run; PostgreSQL releases it when that session ends, so a killed
// run (even kill -9) never leaves the target locked.
const targetLockKey = `pg_catalog.hashtextextended('kiln target: ' || pg_catalog.current_database() || '.' || pg_catalog.lower($1), 0)`

// LockTarget claims the target's schema (see adapters.TargetLocker).
func (db *DB) LockTarget(ctx context.Context) (func(), error) {
	cc := db.pool.Config().ConnConfig.Copy()
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &CancelledError{Err: ctx.Err()}
		}
		return nil, connectErr(db.cfg, err)
	}
	closeConn := func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}
	var got bool
	if err := conn.QueryRow(ctx, "select pg_catalog.pg_try_advisory_lock("+targetLockKey+")", db.cfg.Schema).Scan(&got); err != nil {
		closeConn()
		return nil, wrapErr(ctx, err)
	}
	if !got {
		holder := db.lockHolder(ctx, conn)
		closeConn()
		return nil, &adapters.TargetLockedError{
			Target: fmt.Sprintf("schema %q in database %q at %s:%d", db.cfg.Schema, db.cfg.Database, db.cfg.Host, db.cfg.Port),
			Holder: holder}
	}
	// Closing the session releases the lock; no explicit unlock needed.
	return closeConn, nil
}

// lockHolder describes the session holding the target lock, or "".
func (db *DB) lockHolder(ctx context.Context, conn *pgx.Conn) string {
	var pid int
	var app, from string
	var since time.Time
	err := conn.QueryRow(ctx, `with k as (select `+targetLockKey+` as v)
select a.pid, coalesce(nullif(a.application_name, ''), 'unnamed client'), coalesce(host(a.client_addr), 'a local socket'), a.backend_start
from k, pg_catalog.pg_locks l join pg_catalog.pg_stat_activity a on a.pid = l.pid
where l.locktype = 'advisory' and l.granted and l.objsubid = 1
  and l.classid = ((k.v >> 32) & 4294967295)::oid and l.objid = (k.v & 4294967295)::oid
limit 1`, db.cfg.Schema).Scan(&pid, &app, &from, &since)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("PostgreSQL session %d (%s, from %s, connected %s)", pid, app, from, since.UTC().Format("2006-01-02 15:04:05 UTC"))
}

var _ adapters.TargetLocker = (*DB)(nil)
