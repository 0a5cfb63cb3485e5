package adapters

import (
	"context"
)

// TargetLocker is implemented by a DB whose target two kiln runs must not
// build at once (PostgreSQL: they would race on the same temporary names and
// dependent views, and fail with misleading errors). DuckDB needs no such
// lock: its database file admits one writing process.
type TargetLocker interface {
	// LockTarget claims the target for this run, or fails at once with a
	// *TargetLockedError when another run holds it. release gives it back.
	LockTarget(ctx context.Context) (release func(), err error)
}

// TargetLockedError says which other run holds the target.
type TargetLockedError struct {
	Target string // e.g. `schema "analytics" in database "warehouse" at db:5432`
	Holder string // e.g. `PostgreSQL session 4242 (kiln, from 10.0.0.7, connected 2024-05-01 10:42:07 UTC)`
}

func (e *TargetLockedError) Error() string {
	msg := "another kiln run holds this target (" + e.Target + ")"
	if e.Holder != "" {
		msg += ": " + e.Holder
	}
	return msg
}

// Hint is what to do about it.
func (e *TargetLockedError) Hint() string {
	return "Wait for that run to finish (or stop it) and try again; nothing was changed"
}
