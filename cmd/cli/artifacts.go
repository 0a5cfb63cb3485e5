package cli

import (
	"fmt"
)

// artifactErr explains a file under target/ that could not be written (a
// full disk, a target path that is not a writable directory). Every command
// exits non-zero on it: CI would otherwise upload stale artifacts, and
// `kiln retry` or `--state` would read them.
func artifactErr(err error, warehouseChanged bool) error {
	what := "nothing was changed in the warehouse"
	if warehouseChanged {
		what = "the warehouse was changed as reported above, but target/ does not record it"
	}
	return fmt.Errorf("error: could not write kiln's artifacts: %v\n"+
		"Free disk space or make the target path writable (--target-path, or target-path in dbt_project.yml) and run again; %s", err, what)
}

// writingManifest is a failed manifest.json write before any work: exit 2.
func writingManifest(err error) error {
	return exitWith(ExitUsage, artifactErr(fmt.Errorf("writing manifest.json: %w", err), false))
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
