package compiler

// Microbatch rendering. While one batch of a microbatch model renders, every
// ref() or source() whose target has an `event_time` config renders as a
// subquery restricted to the batch's window, exactly as dbt does:
//
//	(select * from "db"."main"."events" where ts >= '2024-01-01 00:00:00+00:00'
//	  and ts < '2024-01-02 00:00:00+00:00') _dbt_et_filter_subq_events
//
// and `model.batch` holds {id, event_time_start, event_time_end}. The
// window bounds are UTC; a string literal compares correctly with DATE,
// TIMESTAMP and TIMESTAMPTZ columns on DuckDB and PostgreSQL.

import (
	"context"
	"fmt"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// Batch is one microbatch window [Start, End).
type Batch struct {
	ID         string // e.g. "20240101" (dbt's batch id: the start, compact)
	Start, End time.Time
}

// BatchLiteral formats a window bound as dbt does in filters.
func BatchLiteral(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + "+00:00" }

// CompileNodeBatch renders a microbatch model for one batch.
func (r *Result) CompileNodeBatch(ctx context.Context, n *manifest.Node, conn adapters.Conn, b *Batch) (string, error) {
	return r.compileNode(ctx, n, conn, b)
}

func (b *Batch) contextMap() map[string]any {
	return map[string]any{"id": b.ID, "event_time_start": b.Start.UTC(), "event_time_end": b.End.UTC()}
}

// filter restricts rel to the batch window when the upstream node has an
// event_time; otherwise (or outside a batch) rel is returned unchanged.
// lit writes the bounds as the warehouse compares them with the column
// (the dialect's TimestampLiteral; nil: dbt's string literal).
func (b *Batch) filter(rel *jinja.Relation, eventTime any, name string, lit func(time.Time) string) *jinja.Relation {
	et, _ := eventTime.(string)
	if b == nil || et == "" || rel.R.CTEName != "" {
		return rel
	}
	if lit == nil {
		lit = adapters.StandardSQL{}.TimestampLiteral
	}
	rel.Limited = fmt.Sprintf("(select * from %s where %s >= %s and %s < %s) _dbt_et_filter_subq_%s",
		rel.R.RenderWith(rel.Quote), et, lit(b.Start), et, lit(b.End), name)
	return rel
}
