// Package docs builds kiln's documentation: catalog.json (dbt's catalog v1),
// a layered lineage layout computed once in Go, and a static site (HTML, CSS
// and JS written for kiln and embedded with go:embed) that reads the project
// from a data script, so it works from file:// and any static host without
// fetching anything from the internet. Serve serves the result.
//
// The package reads a compiled manifest and talks to the warehouse only
// through adapters.Cataloger; it never sees the profile, so credentials
// cannot leak into target/.
package docs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// Catalog is catalog.json (schema v1).
type Catalog struct {
	Metadata CatalogMetadata          `json:"metadata"`
	Nodes    map[string]*CatalogEntry `json:"nodes"`
	Sources  map[string]*CatalogEntry `json:"sources"`
	Errors   []string                 `json:"errors"`
}

// CatalogMetadata is the artifact header.
type CatalogMetadata struct {
	DbtSchemaVersion    string            `json:"dbt_schema_version"`
	DbtVersion          string            `json:"dbt_version"`
	GeneratedAt         string            `json:"generated_at"`
	InvocationID        string            `json:"invocation_id"`
	InvocationStartedAt string            `json:"invocation_started_at,omitempty"`
	Env                 map[string]string `json:"env"`
}

// CatalogEntry describes one relation of the project.
type CatalogEntry struct {
	Metadata TableMetadata             `json:"metadata"`
	Columns  map[string]*ColumnMeta    `json:"columns"`
	Stats    map[string]*CatalogStatus `json:"stats"`
	UniqueID string                    `json:"unique_id"`
}

// TableMetadata is the relation's warehouse metadata.
type TableMetadata struct {
	Type     string  `json:"type"`
	Schema   string  `json:"schema"`
	Name     string  `json:"name"`
	Database *string `json:"database"`
	Comment  *string `json:"comment"`
	Owner    *string `json:"owner"`
}

// ColumnMeta is one column as the warehouse reports it.
type ColumnMeta struct {
	Type    string  `json:"type"`
	Index   int     `json:"index"`
	Name    string  `json:"name"`
	Comment *string `json:"comment"`
}

// CatalogStatus is one catalog v1 stats item.
type CatalogStatus struct {
	ID          string  `json:"id"`
	Label       string  `json:"label"`
	Value       any     `json:"value"`
	Include     bool    `json:"include"`
	Description *string `json:"description"`
}

// CatalogOptions tunes BuildCatalog.
type CatalogOptions struct {
	// Workers is how many schemas are read at once (each on its own
	// connection). Values below 1 mean 1.
	Workers int
	// Only, when non-nil, restricts the catalog to these unique IDs
	// (docs generate --select).
	Only map[string]bool
	// Header fields.
	DbtVersion, InvocationID string
	InvocationStartedAt      time.Time
}

// relKey identifies a relation; names compare case-insensitively because
// unquoted identifiers fold differently per warehouse.
type relKey struct{ db, schema, name string }

func keyOf(db, schema, name string) relKey {
	return relKey{strings.ToLower(db), strings.ToLower(schema), strings.ToLower(name)}
}

// target is a project relation the catalog should describe.
type target struct {
	id     string
	source bool
}

// BuildCatalog describes the project's own relations: it asks the warehouse
// only about the schemas the project's models, seeds, snapshots and sources
// live in, one schema per connection in parallel, and keeps only relations
// that belong to a node. A failing schema becomes an entry in Errors rather
// than failing the whole catalog, as dbt does.
func BuildCatalog(ctx context.Context, m *manifest.Manifest, db adapters.DB, opts CatalogOptions) (*Catalog, error) {
	cat := &Catalog{
		Metadata: CatalogMetadata{
			DbtSchemaVersion: manifest.CatalogSchema, DbtVersion: opts.DbtVersion,
			GeneratedAt: manifest.FormatTime(time.Now()), InvocationID: opts.InvocationID,
			Env: map[string]string{},
		},
		Nodes:   map[string]*CatalogEntry{},
		Sources: map[string]*CatalogEntry{},
	}
	if !opts.InvocationStartedAt.IsZero() {
		cat.Metadata.InvocationStartedAt = manifest.FormatTime(opts.InvocationStartedAt)
	}
	wanted := map[relKey][]target{}
	schemas := map[[2]string]adapters.Relation{}
	add := func(id, database, schema, name string, source bool) {
		if opts.Only != nil && !opts.Only[id] {
			return
		}
		if schema == "" || name == "" {
			return
		}
		k := keyOf(database, schema, name)
		wanted[k] = append(wanted[k], target{id, source})
		sk := [2]string{k.db, k.schema}
		if _, ok := schemas[sk]; !ok {
			schemas[sk] = adapters.Relation{Database: database, Schema: schema}
		}
	}
	for id, n := range m.Nodes {
		switch n.ResourceType {
		case manifest.Model, manifest.Seed, manifest.Snapshot:
		default:
			continue
		}
		if n.ResourceType == manifest.Model && n.Config.Materialized() == "ephemeral" {
			continue
		}
		alias := n.Alias
		if alias == "" {
			alias = n.Name
		}
		add(id, n.Database, n.Schema, alias, false)
	}
	for id, s := range m.Sources {
		ident := s.Identifier
		if ident == "" {
			ident = s.Name
		}
		add(id, s.Database, s.Schema, ident, true)
	}
	if len(schemas) == 0 {
		return cat, nil
	}

	list := make([]adapters.Relation, 0, len(schemas))
	for _, r := range schemas {
		list = append(list, r)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Database != list[j].Database {
			return list[i].Database < list[j].Database
		}
		return list[i].Schema < list[j].Schema
	})
	workers := max(1, min(opts.Workers, len(list)))
	results := make([][]adapters.CatalogTable, len(list))
	errs := make([]error, len(list))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var openErr error
	var openMu sync.Mutex
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := db.Conn(ctx)
			if err != nil {
				openMu.Lock()
				openErr = err
				openMu.Unlock()
				for i := range jobs {
					errs[i] = err
				}
				return
			}
			defer conn.Close()
			cg, ok := conn.(adapters.Cataloger)
			for i := range jobs {
				if !ok {
					errs[i] = fmt.Errorf("this adapter cannot describe relations for catalog.json")
					continue
				}
				results[i], errs[i] = cg.Catalog(ctx, list[i:i+1])
			}
		}()
	}
	for i := range list {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if openErr != nil && allNil(results) && len(list) > 0 {
		return nil, fmt.Errorf("opening a connection for the catalog: %w", openErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, r := range list {
		if errs[i] != nil {
			cat.Errors = append(cat.Errors, fmt.Sprintf("schema %s: %v", qualified(r.Database, r.Schema), errs[i]))
			continue
		}
		for _, t := range results[i] {
			for _, tg := range wanted[keyOf(t.Database, t.Schema, t.Name)] {
				e := entryOf(t, tg.id)
				if tg.source {
					cat.Sources[tg.id] = e
				} else {
					cat.Nodes[tg.id] = e
				}
			}
		}
	}
	return cat, nil
}

func allNil(r [][]adapters.CatalogTable) bool {
	for _, x := range r {
		if x != nil {
			return false
		}
	}
	return true
}

func qualified(db, schema string) string {
	if db == "" {
		return schema
	}
	return db + "." + schema
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// entryOf converts an adapter's description into a catalog entry. Like dbt,
// every entry carries a has_stats item telling readers whether any other
// stat is worth showing.
func entryOf(t adapters.CatalogTable, id string) *CatalogEntry {
	label := t.TypeLabel
	if label == "" {
		label = strings.ToUpper(string(t.Type))
	}
	db := t.Database
	e := &CatalogEntry{
		Metadata: TableMetadata{Type: label, Schema: t.Schema, Name: t.Name, Database: &db, Comment: strPtr(t.Comment), Owner: strPtr(t.Owner)},
		Columns:  make(map[string]*ColumnMeta, len(t.Columns)),
		Stats:    map[string]*CatalogStatus{},
		UniqueID: id,
	}
	for _, c := range t.Columns {
		e.Columns[c.Name] = &ColumnMeta{Type: c.DataType, Index: c.Index, Name: c.Name, Comment: strPtr(c.Comment)}
	}
	has := false
	for _, s := range t.Stats {
		e.Stats[s.ID] = &CatalogStatus{ID: s.ID, Label: s.Label, Value: s.Value, Include: s.Include, Description: strPtr(s.Description)}
		has = has || s.Include
	}
	hd := "Indicates whether there are statistics for this table"
	e.Stats["has_stats"] = &CatalogStatus{ID: "has_stats", Label: "Has Stats?", Value: has, Include: false, Description: &hd}
	return e
}
