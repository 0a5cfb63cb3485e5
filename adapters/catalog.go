package adapters

import "context"

// CatalogTable describes one relation for catalog.json and the docs site.
type CatalogTable struct {
	Database, Schema, Name string
	Type                   RelationType
	TypeLabel              string // "BASE TABLE" or "VIEW", as information_schema says
	Comment                string
	Owner                  string
	Columns                []Column
	Stats                  []CatalogStat // tables: num_rows and other cheap stats
}

// CatalogStat is one catalog v1 StatsItem.
type CatalogStat struct {
	ID          string
	Label       string
	Value       any
	Include     bool
	Description string
}

// Cataloger lists relations with their columns and stats. Adapters
// implement it on their Conn; docs generation asks only for the schemas the
// project builds into.
type Cataloger interface {
	Catalog(ctx context.Context, schemas []Relation) ([]CatalogTable, error)
}
