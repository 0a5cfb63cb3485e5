package adapters

import (
	"errors"
	"fmt"

	"github.com/kiln-dev/kiln/adapters/seedcsv"
)

// Names of the relations of the build-then-swap every adapter does (dbt's).
const (
	TmpSuffix    = "__dbt_tmp"
	BackupSuffix = "__dbt_backup"
)

// ReadSeed is the first half of every adapter's LoadSeed: the
// preconditions (no open transaction, a named schema; target as the
// adapter completes it) and the CSV read with dbt's type inference. Errors
// name the seed file; adapter prefixes the others.
func ReadSeed(adapter string, req SeedRequest, target Relation, inTx bool) (rune, *seedcsv.Table, error) {
	if inTx {
		return 0, nil, errors.New(adapter + ": LoadSeed needs a connection without an open transaction")
	}
	if target.Identifier == "" || target.Schema == "" {
		return 0, nil, fmt.Errorf("%s: incomplete seed relation %s", adapter, target.Render())
	}
	delim, err := seedcsv.Delimiter(req.Delimiter)
	if err != nil {
		return 0, nil, err
	}
	table, err := seedcsv.Infer(req.Path, delim, req.ColumnTypes)
	if err != nil {
		return 0, nil, fmt.Errorf("seed file %s: %w", req.Path, err)
	}
	if len(table.Columns) == 0 {
		return 0, nil, fmt.Errorf("seed file %s has no columns", req.Path)
	}
	return delim, table, nil
}
