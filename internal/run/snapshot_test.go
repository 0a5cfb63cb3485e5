package run

import (
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/diag"
)

func TestSnapshotConfig(t *testing.T) {
	node := func(c manifest.Config) *manifest.Node {
		return &manifest.Node{Name: "s", ResourceType: "snapshot", OriginalFilePath: "snapshots/s.sql", RawCode: "\n{{ config(strategy='x') }}\nselect 1", Config: c, Pos: diag.Pos{File: "snapshots/s.sql", Line: 4}}
	}
	for _, c := range []struct {
		cfg  manifest.Config
		want string
	}{
		{manifest.Config{"unique_key": "id"}, "needs a strategy"},
		{manifest.Config{"unique_key": "id", "strategy": "timestamp"}, "needs updated_at"},
		{manifest.Config{"unique_key": "id", "strategy": "check"}, "needs check_cols"},
		{manifest.Config{"unique_key": "id", "strategy": "check", "check_cols": "some"}, "check_cols must be 'all' or a list"},
		{manifest.Config{"unique_key": "id", "strategy": "custom"}, "unknown snapshot strategy 'custom': use 'timestamp' or 'check', or define a macro snapshot_custom_strategy"},
		{manifest.Config{"strategy": "check", "check_cols": "all"}, "needs a unique_key"},
		{manifest.Config{"unique_key": "id", "strategy": "check", "check_cols": "all", "hard_deletes": "invalidate", "invalidate_hard_deletes": true}, "not both"},
		{manifest.Config{"unique_key": "id", "strategy": "check", "check_cols": "all", "hard_deletes": "drop"}, "hard_deletes must be ignore, invalidate or new_record"},
		{manifest.Config{"unique_key": "id", "strategy": "check", "check_cols": "all", "snapshot_meta_column_names": map[string]any{"dbt_valid": "x"}}, `unknown key "dbt_valid"`},
	} {
		_, err := snapshotConfig(node(c.cfg), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "snapshots/s.sql:5: ") {
			t.Errorf("%v: %v, want %q at snapshots/s.sql:5", c.cfg, err, c.want)
		}
	}
	sc, err := snapshotConfig(node(manifest.Config{"unique_key": []any{"id", "region"}, "strategy": "check", "check_cols": []any{"a"},
		"invalidate_hard_deletes": true, "snapshot_meta_column_names": map[string]any{"dbt_valid_to": "valid_to"}}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.hardDeletes != "invalidate" || sc.validTo != "valid_to" || sc.validFrom != "dbt_valid_from" || len(sc.keys) != 2 {
		t.Errorf("parsed %+v", sc)
	}
}
