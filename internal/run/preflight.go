package run

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// PreflightError lists unit tests whose inputs or expectations cannot work:
// rows naming columns an input does not have, expected values that cannot
// be compared with the model's columns. Execute returns it before running
// anything, so such a mistake exits 2 like any other project error instead
// of surfacing halfway through a build.
type PreflightError struct{ Problems []string }

func (e *PreflightError) Error() string {
	return strings.Join(e.Problems, "\n")
}

// preflightUnitTests prepares every selected unit test's queries (learning
// input column types from existing relations, or by describing upstream SQL)
// and evaluates its fixture rows, which are literals and touch no table.
func (r *Runner) preflightUnitTests(ctx context.Context, ids []string) error {
	m := r.res.Manifest
	var tests []*manifest.Node
	for _, id := range ids {
		if n := m.Nodes[id]; n != nil && n.UnitTest != nil {
			tests = append(tests, n)
		}
	}
	if len(tests) == 0 {
		return nil
	}
	c, err := r.conn(ctx)
	if err != nil {
		return err
	}
	defer r.release(c, false)
	var problems []string
	for _, n := range tests {
		model := m.Nodes[n.UnitTest.ModelID]
		q, err := r.unitQueries(ctx, c, n, model)
		var ue *unitError
		if errors.As(err, &ue) {
			problems = append(problems, ue.Error()+" (unit test "+UnitTestLabel(m, n)+")")
			continue
		}
		if err != nil {
			continue // an error of the model itself: reported when the test runs
		}
		if _, _, err := c.Query(ctx, q.expected, 0); err != nil {
			problems = append(problems, n.UnitTest.Expect.Pos.String()+": the expected rows of unit test "+UnitTestLabel(m, n)+" cannot be compared with the model's columns: "+err.Error())
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return &PreflightError{Problems: problems}
}
