package adapters

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Helpers every adapter's connection shares, so that the adapters differ
// only where their warehouses do.

// CancelledError is returned when the context ended while a statement ran;
// it wraps the context error (errors.Is(err, context.Canceled) holds). Each
// adapter re-exports it under its own package (duckdb.CancelledError, ...).
type CancelledError struct{ Err error }

func (e *CancelledError) Error() string { return "query cancelled: " + e.Err.Error() }
func (e *CancelledError) Unwrap() error { return e.Err }

// RunHooks renders and runs the hooks whose Transaction is inTx, one at a
// time and in order (a lazy hook may run SQL while it renders, which must
// see everything before it); a hook that renders to nothing is skipped.
func RunHooks(ctx context.Context, hooks []Hook, inTx bool, exec func(ctx context.Context, sql string) error) error {
	for _, h := range hooks {
		if h.Transaction != inTx {
			continue
		}
		q, err := h.Statement(ctx)
		if err != nil {
			return err
		}
		if strings.TrimSpace(q) == "" {
			continue
		}
		if err := exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// CheckMaterialize is the precondition of every adapter's Materialize:
// kiln's Go materializations build views and tables only, outside an open
// transaction (the swap manages its own), into a named schema. adapter
// prefixes the messages; target is the relation as the adapter completes it.
func CheckMaterialize(adapter string, req MaterializeRequest, target Relation, inTx bool) error {
	if req.Kind != RelView && req.Kind != RelTable {
		return fmt.Errorf("%s: cannot materialize kind %q (only view and table)", adapter, req.Kind)
	}
	if inTx {
		return errors.New(adapter + ": Materialize needs a connection without an open transaction")
	}
	if target.Identifier == "" || target.Schema == "" {
		return fmt.Errorf("%s: incomplete target relation %s", adapter, target.Render())
	}
	return nil
}
