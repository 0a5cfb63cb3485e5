package postgres

import "context"

// Rebuilds that recreate dependent views are serialised per database.
//
// Two rebuilds whose relations one view reads (views a and b, and
// v = a join b) both drop and recreate v inside their transactions. Run at
// once, each holds an exclusive lock on its own relation (the rename) and
// waits for the other's (to recreate v): PostgreSQL aborts one with a
// deadlock (40P01), or one reads v's definition just as the other drops it
// ("could not open relation with OID"). So a rebuild that finds dependent
// views takes one transaction-level advisory lock before reading them and
// holds it to COMMIT; the expensive part (CREATE ... AS the model's query)
// has already run in parallel, only the swap waits. A rebuild without
// dependent views never takes it: for a view to start depending on its
// relation, another kiln rebuild must recreate one that already read it,
// which this rebuild's check sees (the old one stays visible until that
// rebuild commits).
const dependentViewsLock = `select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('kiln: rebuilds that recreate dependent views', 0))`

// hasDependentsSQL is dependentsSQL's first step, without reading any
// definition (pg_get_viewdef on a view being dropped concurrently fails).
const hasDependentsSQL = `select exists (
  select 1 from pg_catalog.pg_depend d join pg_catalog.pg_rewrite r on r.oid = d.objid
  where d.classid = 'pg_catalog.pg_rewrite'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass
    and d.refobjid = $1 and r.ev_class <> $1)`

// lockedDependents returns the views depending on relation oid, holding
// the dependent-view lock when there are any (see above).
func (c *Conn) lockedDependents(ctx context.Context, oid uint32) ([]depView, error) {
	pc, err := c.raw()
	if err != nil {
		return nil, err
	}
	var has bool
	if err := pc.QueryRow(ctx, hasDependentsSQL, oid).Scan(&has); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	if !has {
		return nil, nil
	}
	if _, err := c.exec(ctx, dependentViewsLock); err != nil {
		return nil, err
	}
	return c.dependents(ctx, oid)
}
