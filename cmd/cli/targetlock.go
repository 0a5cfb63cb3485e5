package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/kiln-dev/kiln/adapters"
)

// lockTarget claims the target for a command that builds (see
// adapters.TargetLocker): two runs on one PostgreSQL schema would race on
// temporary names and dependent views. `kiln test` only reads, so it does
// not take the lock. The returned release is never nil.
func (s *session) lockTarget(ctx context.Context, db adapters.DB, which string) (func(), error) {
	tl, ok := db.(adapters.TargetLocker)
	if !ok || which == "test" {
		return func() {}, nil
	}
	release, err := tl.LockTarget(ctx)
	if err != nil {
		var le *adapters.TargetLockedError
		if errors.As(err, &le) {
			return nil, exitWith(ExitUsage, fmt.Errorf("%v\n%s", le, le.Hint()))
		}
		if ctx.Err() != nil {
			return nil, exitWith(ExitInterrupt, fmt.Errorf("interrupted"))
		}
		return nil, exitWith(ExitUsage, fmt.Errorf("could not claim target '%s': %v", s.profile.Target, err))
	}
	return release, nil
}
