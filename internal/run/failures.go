package run

// Failure storage (store_failures / store_failures_as / --store-failures):
// the failing rows of a test are kept in <audit schema>.<test alias> as a
// table or view, rebuilt on every run through the adapter's build-then-swap
// (so a failed store never loses the previous one), and the test's verdict
// is computed from the stored relation. Unlike dbt, a test's `limit` also
// caps what is stored (dbt stores every failing row and applies the limit
// only when reading back; see dbt-core#11543).

import (
	"context"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// storeMode returns "table", "view" or "" (do not store) for a test.
func (r *Runner) storeMode(n *manifest.Node) (string, error) {
	if as, ok := n.Config["store_failures_as"].(string); ok && as != "" {
		switch strings.ToLower(as) {
		case "table", "view":
			return strings.ToLower(as), nil
		case "ephemeral":
			return "", nil
		}
		return "", fmt.Errorf("test %s: store_failures_as must be table, view or ephemeral, not '%s'", n.Name, as)
	}
	store := r.opts.StoreFailures
	if v, ok := n.Config["store_failures"]; ok && v != nil {
		store = n.Config.Bool("store_failures", store)
	}
	if store {
		return "table", nil
	}
	return "", nil
}

// storeFailures materializes the test's failing rows when configured and
// returns the stored relation's SQL name ("" when not storing).
func (r *Runner) storeFailures(ctx context.Context, c adapters.Conn, n *manifest.Node, sql string) (string, error) {
	mode, err := r.storeMode(n)
	if err != nil || mode == "" {
		return "", err
	}
	schema, err := r.res.AuditSchema(ctx, n)
	if err != nil {
		return "", err
	}
	rel := adapters.Relation{Database: n.Database, Schema: schema, Identifier: n.Alias}
	if err := c.CreateSchema(ctx, rel.Database, rel.Schema); err != nil {
		return "", fmt.Errorf("creating audit schema %s: %w", schema, err)
	}
	body := strings.TrimSpace(sql)
	if l := testLimit(n); l >= 0 {
		body = fmt.Sprintf("select * from (\n%s\n) dbt_internal_test_limit limit %d", body, l)
	}
	kind := adapters.RelTable
	if mode == "view" {
		kind = adapters.RelView
	}
	// A relation of the other kind from an earlier run is replaced.
	if cur, err := c.GetRelation(ctx, rel.Database, rel.Schema, rel.Identifier); err == nil && cur != nil && cur.Type != kind {
		if err := c.DropRelation(ctx, *cur); err != nil {
			return "", err
		}
	}
	if _, err := c.Materialize(ctx, adapters.MaterializeRequest{Target: rel, Kind: kind, SQL: body}); err != nil {
		return "", fmt.Errorf("storing the failures of %s in %s: %w", n.Name, relSQL(c, rel), err)
	}
	return relSQL(c, rel), nil
}

// testLimit is config.limit, or -1.
func testLimit(n *manifest.Node) int64 {
	switch l := n.Config["limit"].(type) {
	case int:
		return int64(l)
	case int64:
		return l
	case float64:
		return int64(l)
	}
	return -1
}
