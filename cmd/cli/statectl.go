package cli

// Selection inputs beyond --select/--exclude: --selector and selectors.yml,
// --state (state:, result:, source_status: methods), --defer/--favor-state,
// and the fingerprints written to target/kiln_state.json.

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/graph/selector"
	"github.com/kiln-dev/kiln/graph/selector/selectorfile"
	"github.com/kiln-dev/kiln/internal/state"
)

func (f *commonFlags) registerState(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.selectorName, "selector", "", "a named selector from selectors.yml")
	fl.StringSliceVar(&f.excludeResourceTypes, "exclude-resource-type", nil, "leave out these resource types")
	fl.StringSliceVar(&f.excludeResourceTypes, "exclude-resource-types", nil, "alias of --exclude-resource-type")
	fl.StringVar(&f.stateDir, "state", "", "directory with an earlier run's artifacts (manifest.json, run_results.json) for state:, result: and --defer (default: DBT_STATE)")
	fl.StringVar(&f.deferState, "defer-state", "", "artifacts to defer to, when different from --state (default: DBT_DEFER_STATE)")
	fl.BoolVar(&f.deferOn, "defer", false, "ref() to a node that is not selected reads the --state environment's relation when this target lacks it (default: DBT_DEFER)")
	fl.BoolVar(&f.favorState, "favor-state", false, "with --defer, use the state's relation even when this target has one (default: DBT_FAVOR_STATE)")
}

// envBool reads a DBT_/DBT_ENGINE_ boolean environment variable.
func (e *env) envBool(name string) bool {
	for _, k := range []string{"DBT_ENGINE_" + name, "DBT_" + name} {
		if v := e.lookup(k); v != "" {
			b, err := strconv.ParseBool(v)
			return err == nil && b
		}
	}
	return false
}

func (e *env) envStr(name string) string {
	return firstNonEmpty(e.lookup("DBT_ENGINE_"+name), e.lookup("DBT_"+name))
}

// prepareSelection loads selectors.yml and the --state directory.
func (s *session) prepareSelection() error {
	f, e := s.flags, s.e
	if f.stateDir == "" {
		f.stateDir = e.envStr("STATE")
	}
	if f.deferState == "" {
		f.deferState = e.envStr("DEFER_STATE")
	}
	f.deferOn = f.deferOn || e.envBool("DEFER")
	f.favorState = f.favorState || e.envBool("FAVOR_STATE")

	sf, err := selectorfile.Load(s.dir)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	s.selectors = sf
	if s.res != nil && s.res.Manifest != nil && len(sf.Order) > 0 {
		s.res.Manifest.Selectors = manifestSelectors(sf)
	}
	if f.selectorName != "" && len(f.selects) > 0 {
		return exitWith(ExitUsage, fmt.Errorf("--select and --selector cannot be combined: put the extra criteria into the selector's definition in selectors.yml"))
	}
	dir := f.stateDir
	if f.deferOn && f.deferState != "" {
		dir = f.deferState
	}
	if f.deferOn && dir == "" {
		return exitWith(ExitUsage, fmt.Errorf("--defer needs --state DIR (the target/ directory of the environment to defer to)"))
	}
	if f.stateDir != "" {
		st, err := state.Load(s.abs(f.stateDir))
		if err != nil {
			return exitWith(ExitUsage, err)
		}
		s.state = st
	}
	return nil
}

func (s *session) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.e.cwd, p)
}

// fingerprints computes the current state sidecar once.
func (s *session) fingerprints() *state.Sidecar {
	if s.sidecar == nil {
		s.sidecar = state.Compute(s.res)
	}
	return s.sidecar
}

// selectionExpr is the expression --select/--exclude/--selector (or the
// default selector) describe.
func (s *session) selectionExpr() (*selector.Expr, error) {
	f := s.flags
	name := f.selectorName
	if name == "" && len(f.selects) == 0 && s.selectors != nil && s.selectors.Default != "" {
		name = s.selectors.Default
		s.p.Line("Using default selector %s", name)
	}
	if name == "" {
		return selector.Parse(f.selects, f.excludes)
	}
	e, err := s.selectors.Expr(name)
	if err != nil {
		return nil, err
	}
	excl, err := selector.Parse(nil, f.excludes)
	if err != nil {
		return nil, err
	}
	if len(f.excludes) > 0 && excl.Op == selector.OpDifference {
		return selector.Difference(e, excl.Args[1:]...), nil
	}
	return e, nil
}

// stateMethods installs state:, result: and source_status: when --state is
// given (without it the selector reports that they need --state).
func (s *session) stateMethods() (map[string]selector.MethodFunc, error) {
	if s.state == nil {
		return nil, nil
	}
	cur, err := state.Current(s.res, s.fingerprints())
	if err != nil {
		return nil, err
	}
	return s.state.Methods(cur, s.targetDir), nil
}

// deferRelations decides, for --defer, which unselected models, seeds and
// snapshots ref() should read from the state environment: those this
// target has not built (or all of them with --favor-state).
func (s *session) deferRelations(ctx context.Context, db adapters.DB, selected []string) (map[string]adapters.Relation, error) {
	f := s.flags
	if !f.deferOn {
		return nil, nil
	}
	st := s.state
	if f.deferState != "" && f.deferState != f.stateDir {
		var err error
		if st, err = state.Load(s.abs(f.deferState)); err != nil {
			return nil, err
		}
	}
	sel := make(map[string]bool, len(selected))
	for _, id := range selected {
		sel[id] = true
	}
	var conn adapters.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	type key struct{ db, schema string }
	existing := map[key]map[string]bool{}
	out := map[string]adapters.Relation{}
	for id, n := range s.res.Manifest.Nodes {
		if sel[id] {
			continue
		}
		switch n.ResourceType {
		case manifest.Model, manifest.Seed, manifest.Snapshot:
		default:
			continue
		}
		if n.ResourceType == manifest.Model && n.Config.Materialized() == "ephemeral" {
			continue
		}
		rel, ok := st.Relation(id)
		if !ok {
			continue
		}
		if !f.favorState {
			k := key{n.Database, n.Schema}
			names, ok := existing[k]
			if !ok {
				if conn == nil {
					c, err := db.Conn(ctx)
					if err != nil {
						return nil, err
					}
					conn = c
				}
				rels, err := conn.ListRelations(ctx, n.Database, n.Schema)
				if err != nil {
					return nil, err
				}
				names = map[string]bool{}
				for _, r := range rels {
					names[strings.ToLower(r.Identifier)] = true
				}
				existing[k] = names
			}
			if names[strings.ToLower(n.Alias)] {
				continue
			}
		}
		out[id] = rel
	}
	return out, nil
}

// invocationArgs is run_results.json's `args`: every flag that shaped the
// selection and execution, so `kiln retry` can repeat the invocation.
func (s *session) invocationArgs(which string) map[string]any {
	f := s.flags
	a := map[string]any{
		"which": which, "select": nonNil(f.selects), "exclude": nonNil(f.excludes),
		"threads": f.threads, "full_refresh": f.fullRefresh, "fail_fast": f.failFast, "warn_error": f.warnError,
		"indirect_selection": firstNonEmpty(f.indirect, "eager"), "resource_types": nonNil(f.resourceTypes),
		"exclude_resource_types": nonNil(f.excludeResourceTypes), "defer": f.deferOn, "favor_state": f.favorState,
		"project_dir": s.dir, "vars": map[string]any{},
	}
	if s.profile != nil {
		a["target"], a["profile"] = s.profile.Target, s.profile.Name
		a["profiles_dir"] = filepath.Dir(s.profile.Path)
	}
	if f.selectorName != "" {
		a["selector"] = f.selectorName
	}
	if f.stateDir != "" {
		a["state"] = s.abs(f.stateDir)
	}
	if f.deferState != "" {
		a["defer_state"] = s.abs(f.deferState)
	}
	if f.targetPath != "" {
		a["target_path"] = s.abs(f.targetPath)
	}
	if strings.TrimSpace(f.vars) != "" {
		var v map[string]any
		if yaml.Unmarshal([]byte(f.vars), &v) == nil && v != nil {
			a["vars"] = normalizeYAML(v)
		}
	}
	return a
}

// retryable keeps the IDs of an earlier run that still exist and belong to
// the command's resource types.
func (s *session) retryable(ids []string, types []string) []string {
	var out []string
	for _, id := range ids {
		n := s.res.Manifest.Nodes[id]
		if n == nil || (len(types) > 0 && !containsStr(types, n.ResourceType)) {
			continue
		}
		out = append(out, id)
	}
	return out
}
