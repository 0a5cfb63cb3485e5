package main

import (
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
)

// Config selects what to generate.
type Config struct {
	Models int    // total number of models
	Out    string // output directory (used by main only)
	Seed   int64  // random seed
	// Views makes every model a view (no table configs, marts included), for
	// the build benchmark against the warehouse's floor.
	Views bool
	// Tests, when > 0, caps the generic tests at this many (unique and
	// not_null on the id of the first Tests/2 tested models); 0 keeps the
	// default of about one tested model in two.
	Tests int
}

// Layer is a model folder tier; refs only point to the same or earlier tiers.
type Layer int

const (
	Staging Layer = iota
	Intermediate
	Marts
)

func (l Layer) String() string {
	return [...]string{"staging", "intermediate", "marts"}[l]
}

// Model describes one generated model.
type Model struct {
	Name   string
	Layer  Layer
	Domain string
	Path   string   // relative to the project root, slash-separated
	Refs   []string // models (and seeds) it refs, in order of appearance
	Source string   // staging only: the seed / source table it reads
	Table  bool     // has an in-file config(materialized='table')
	Tested bool     // has unique/not_null tests on id in the folder YAML
}

// File is one output file.
type File struct {
	Path string // relative to the project root, slash-separated
	Data []byte
}

// Project is a generated project, fully in memory.
type Project struct {
	Models  []Model
	Seeds   []string
	Domains []string
	Files   []File
}

// LayerCount returns how many models are in layer l.
func (p *Project) LayerCount(l Layer) int {
	n := 0
	for _, m := range p.Models {
		if m.Layer == l {
			n++
		}
	}
	return n
}

var seedNames = []string{"raw_orders", "raw_payments", "raw_refunds", "raw_shipments", "raw_sessions", "raw_tickets"}

var seedCategories = map[string][]string{
	"raw_orders":    {"online", "store", "phone", "marketplace"},
	"raw_payments":  {"card", "bank_transfer", "voucher", "wallet"},
	"raw_refunds":   {"damaged", "late", "wrong_item", "changed_mind"},
	"raw_shipments": {"standard", "express", "pickup"},
	"raw_sessions":  {"web", "ios", "android"},
	"raw_tickets":   {"billing", "delivery", "product", "account"},
}

var baseDomains = []string{
	"sales", "finance", "marketing", "product", "support", "logistics", "inventory", "growth",
	"billing", "partners", "risk", "people", "web", "mobile", "pricing", "loyalty",
}

const seedRows = 30

// Generate builds the whole project in memory. It is deterministic in cfg.
func Generate(cfg Config) *Project {
	n := max(cfg.Models, 1)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6b696c6e)) // "kiln"
	p := &Project{Seeds: seedNames}

	nd := min(max(n/100, 3), 64)
	if nd > n/3 {
		nd = max(n/3, 1)
	}
	for i := range nd {
		d := baseDomains[i%len(baseDomains)]
		if i >= len(baseDomains) {
			d = fmt.Sprintf("%s_%d", d, i/len(baseDomains)+1)
		}
		p.Domains = append(p.Domains, d)
	}

	nStg := max((n*3+5)/10, 1)
	nMart := min((n*3+5)/10, n-nStg)
	nInt := n - nStg - nMart
	width := len(fmt.Sprint(n))

	// Earlier models by layer, overall and per domain, for picking refs.
	byLayer := [3][]string{}
	byDomain := [3]map[string][]string{{}, {}, {}}

	idx := 0
	add := func(layer Layer, k int, build func(m *Model)) {
		dom := p.Domains[k%nd]
		prefix := [...]string{"stg", "int", "fct"}[layer]
		if layer == Marts && rng.IntN(3) == 0 {
			prefix = "dim"
		}
		idx++
		m := Model{
			Name:   fmt.Sprintf("%s_%s_%0*d", prefix, dom, width, idx),
			Layer:  layer,
			Domain: dom,
			Table:  rng.IntN(5) == 0 && !cfg.Views, // draw either way: same project otherwise
			Tested: rng.IntN(2) == 0,
		}
		m.Path = path.Join("models", layer.String(), dom, m.Name+".sql")
		build(&m)
		p.Models = append(p.Models, m)
		byLayer[layer] = append(byLayer[layer], m.Name)
		byDomain[layer][dom] = append(byDomain[layer][dom], m.Name)
	}

	// pick returns a random earlier model from the first non-empty pool.
	pick := func(pools ...[]string) string {
		for _, pool := range pools {
			if len(pool) > 0 {
				return pool[rng.IntN(len(pool))]
			}
		}
		panic("no earlier model to ref")
	}
	// chooseRefs picks 1-3 distinct refs using the weighted pool lists.
	chooseRefs := func(choose func() string) []string {
		want := 1
		switch r := rng.IntN(20); {
		case r >= 17:
			want = 3
		case r >= 10:
			want = 2
		}
		var refs []string
		for tries := 0; len(refs) < want && tries < 10; tries++ {
			r := choose()
			dup := false
			for _, x := range refs {
				dup = dup || x == r
			}
			if !dup {
				refs = append(refs, r)
			}
		}
		return refs
	}

	for k := range nStg {
		add(Staging, k, func(m *Model) {
			m.Source = seedNames[rng.IntN(len(seedNames))]
			sql, refs := stagingSQL(rng, m)
			m.Refs = refs
			p.Files = append(p.Files, File{m.Path, sql})
		})
	}
	for k := range nInt {
		add(Intermediate, k, func(m *Model) {
			d := m.Domain
			m.Refs = chooseRefs(func() string {
				switch r := rng.IntN(20); {
				case r < 12:
					return pick(byDomain[Staging][d], byLayer[Staging])
				case r < 17:
					return pick(byDomain[Intermediate][d], byDomain[Staging][d], byLayer[Staging])
				default:
					return pick(byLayer[Staging])
				}
			})
			p.Files = append(p.Files, File{m.Path, intermediateSQL(rng, m)})
		})
	}
	for k := range nMart {
		add(Marts, k, func(m *Model) {
			d := m.Domain
			m.Refs = chooseRefs(func() string {
				switch r := rng.IntN(20); {
				case r < 12:
					return pick(byDomain[Intermediate][d], byLayer[Intermediate], byDomain[Staging][d], byLayer[Staging])
				case r < 16:
					return pick(byDomain[Staging][d], byLayer[Staging])
				case r < 18:
					return pick(byDomain[Marts][d], byDomain[Intermediate][d], byLayer[Intermediate], byLayer[Staging])
				default:
					return pick(byLayer[Intermediate], byLayer[Staging])
				}
			})
			p.Files = append(p.Files, File{m.Path, martSQL(rng, m)})
		})
	}

	if cfg.Tests > 0 {
		budget := cfg.Tests / 2
		for i := range p.Models {
			m := &p.Models[i]
			m.Tested = m.Tested && budget > 0
			if m.Tested {
				budget--
			}
		}
	}
	project := projectYML
	if cfg.Views {
		project = strings.Replace(project, "      +materialized: table\n", "", 1)
	}
	p.Files = append(p.Files,
		File{"dbt_project.yml", []byte(project)},
		File{"profiles.yml", []byte(profilesYML)},
		File{"macros/bench_helpers.sql", []byte(macrosSQL)},
		File{"models/staging/_sources.yml", sourcesYML()},
		File{".gitignore", []byte("target/\nlogs/\n*.duckdb*\n")},
	)
	for _, s := range seedNames {
		p.Files = append(p.Files, File{"seeds/" + s + ".csv", seedCSV(rng, s)})
	}
	p.Files = append(p.Files, propertiesYML(p)...)
	return p
}

const projectYML = `name: bench
version: "1.0.0"
config-version: 2
profile: bench
require-dbt-version: [">=1.8.0", "<2.0.0"]

model-paths: ["models"]
seed-paths: ["seeds"]
macro-paths: ["macros"]

# bench_start is deliberately not set here: models use var()'s default.

models:
  bench:
    +materialized: view
    staging:
      +tags: ["staging"]
    intermediate:
      +tags: ["intermediate"]
    marts:
      +materialized: table
      +tags: ["marts"]
`

const profilesYML = `bench:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: bench.duckdb
      threads: 4
`

const macrosSQL = `{% macro round_amount(expression, places=2) -%}
    round({{ expression }}, {{ places }})
{%- endmacro %}

{% macro safe_amount(column_name) -%}
    coalesce({{ column_name }}, 0)
{%- endmacro %}

{% macro normalize_category(column_name) -%}
    lower(trim({{ column_name }}))
{%- endmacro %}

{% macro days_since_start(column_name) -%}
    date_diff('day', cast('{{ var("bench_start", "2020-01-01") }}' as timestamp), {{ column_name }})
{%- endmacro %}
`

const startFilter = `cast('{{ var("bench_start", "2020-01-01") }}' as timestamp)`

func configLine(b *strings.Builder, m *Model) {
	if m.Table {
		b.WriteString("{{ config(materialized='table') }}\n\n")
	}
}

// stagingSQL selects the four standard columns from a seed, either through
// the source or directly with ref(). It returns the SQL and the refs used.
func stagingSQL(rng *rand.Rand, m *Model) ([]byte, []string) {
	var b strings.Builder
	configLine(&b, m)
	from := fmt.Sprintf("{{ ref('%s') }}", m.Source)
	var refs []string
	if rng.IntN(2) == 0 {
		// Sources carry no dependency on the seed that fills them; the
		// depends_on hint orders the seed first on a fresh database.
		fmt.Fprintf(&b, "-- depends_on: {{ ref('%s') }}\n", m.Source)
		from = fmt.Sprintf("{{ source('raw', '%s') }}", m.Source)
	}
	refs = append(refs, m.Source)
	switch rng.IntN(3) {
	case 0:
		fmt.Fprintf(&b, `{%%- set cols = ['id', 'amount', 'created_at', 'category'] %%}

select
{%%- for col in cols %%}
    {{ col }}{%% if not loop.last %%},{%% endif %%}
{%%- endfor %%}
from %s
where created_at >= %s
`, from, startFilter)
	case 1:
		fmt.Fprintf(&b, `select
    id,
    {{ round_amount('amount * 1.%02d') }} as amount,
    created_at,
    {{ normalize_category('category') }} as category
from %s
`, rng.IntN(20), from)
	default:
		fmt.Fprintf(&b, `with source_rows as (

    select * from %s

)

select
    id,
    {{ safe_amount('amount') }} as amount,
    created_at,
    category
from source_rows
where {{ days_since_start('created_at') }} >= 0
`, from)
	}
	return []byte(b.String()), refs
}

func intermediateSQL(rng *rand.Rand, m *Model) []byte {
	var b strings.Builder
	configLine(&b, m)
	if len(m.Refs) == 1 {
		fmt.Fprintf(&b, `{%%- set factor = 1.%02d %%}

select
    id,
    {{ round_amount('amount * ' ~ factor) }} as amount,
    created_at,
    upper(category) as category
from {{ ref('%s') }}
`, rng.IntN(50), m.Refs[0])
		return []byte(b.String())
	}
	if rng.IntN(2) == 0 {
		joinSQL(&b, m.Refs)
	} else {
		unionSQL(&b, m.Refs, "min")
	}
	return []byte(b.String())
}

func martSQL(rng *rand.Rand, m *Model) []byte {
	var b strings.Builder
	configLine(&b, m)
	switch {
	case len(m.Refs) > 1 && rng.IntN(3) == 0:
		joinSQL(&b, m.Refs)
	default:
		unionSQL(&b, m.Refs, "max")
	}
	return []byte(b.String())
}

// joinSQL keeps the first ref's rows and adds the other refs' amounts per id.
// The others are aggregated by id first so the row count never grows.
func joinSQL(b *strings.Builder, refs []string) {
	fmt.Fprintf(b, "with base as (\n\n    select * from {{ ref('%s') }}\n\n)", refs[0])
	for i, r := range refs[1:] {
		fmt.Fprintf(b, `,

other_%d as (

    select id, sum(amount) as amount
    from {{ ref('%s') }}
    group by id

)`, i+1, r)
	}
	b.WriteString("\n\nselect\n    base.id,\n    {{ safe_amount('base.amount') }}")
	for i := range refs[1:] {
		fmt.Fprintf(b, " + {{ safe_amount('other_%d.amount') }}", i+1)
	}
	b.WriteString(" as amount,\n    base.created_at,\n    base.category\nfrom base\n")
	for i := range refs[1:] {
		fmt.Fprintf(b, "left join other_%d on base.id = other_%d.id\n", i+1, i+1)
	}
}

// unionSQL stacks the refs and aggregates back to one row per id.
func unionSQL(b *strings.Builder, refs []string, pickTime string) {
	b.WriteString("{%- set cols = ['id', 'amount', 'created_at', 'category'] %}\n\nwith unioned as (\n")
	for i, r := range refs {
		if i > 0 {
			b.WriteString("\n    union all\n")
		}
		fmt.Fprintf(b, "\n    select {{ cols | join(', ') }} from {{ ref('%s') }}\n", r)
	}
	fmt.Fprintf(b, `
)

select
    id,
    {{ round_amount('sum(amount)') }} as amount,
    %s(created_at) as created_at,
    min(category) as category
from unioned
where created_at >= %s
group by id
`, pickTime, startFilter)
}

func sourcesYML() []byte {
	var b strings.Builder
	b.WriteString(`version: 2

sources:
  - name: raw
    description: Raw tables loaded from the bench seeds (they land in the target schema).
    schema: main
    tables:
`)
	for _, s := range seedNames {
		fmt.Fprintf(&b, "      - name: %s\n        description: The %s seed.\n", s, s)
	}
	return []byte(b.String())
}

func seedCSV(rng *rand.Rand, name string) []byte {
	var b strings.Builder
	b.WriteString("id,amount,created_at,category\n")
	cats := seedCategories[name]
	for i := 1; i <= seedRows; i++ {
		// 2019-07 .. 2023-12, so the bench_start filter drops a few rows.
		month := 6 + rng.IntN(54)
		fmt.Fprintf(&b, "%d,%d.%02d,%04d-%02d-%02d %02d:%02d:00,%s\n",
			i, 1+rng.IntN(500), rng.IntN(100),
			2019+month/12, month%12+1, 1+rng.IntN(28), rng.IntN(24), rng.IntN(60),
			cats[rng.IntN(len(cats))])
	}
	return []byte(b.String())
}

var columnDocs = [][2]string{
	{"id", "Business key, unique per row."},
	{"amount", "Amount in dollars."},
	{"created_at", "When the record was created."},
	{"category", "Category label."},
}

// propertiesYML writes one properties file per model folder.
func propertiesYML(p *Project) []File {
	type folder struct {
		dir    string
		models []*Model
	}
	var order []string
	folders := map[string]*folder{}
	for i := range p.Models {
		m := &p.Models[i]
		dir := path.Dir(m.Path)
		f := folders[dir]
		if f == nil {
			f = &folder{dir: dir}
			folders[dir] = f
			order = append(order, dir)
		}
		f.models = append(f.models, m)
	}
	var files []File
	for _, dir := range order {
		f := folders[dir]
		var b strings.Builder
		b.WriteString("version: 2\n\nmodels:\n")
		for _, m := range f.models {
			fmt.Fprintf(&b, "  - name: %s\n    description: %s\n    columns:\n", m.Name, describe(m))
			for _, c := range columnDocs {
				fmt.Fprintf(&b, "      - name: %s\n        description: %s\n", c[0], c[1])
				if c[0] == "id" && m.Tested {
					b.WriteString("        data_tests:\n          - unique\n          - not_null\n")
				}
			}
		}
		dom := path.Base(dir)
		layer := path.Base(path.Dir(dir))
		files = append(files, File{path.Join(dir, "_"+layer+"_"+dom+"__models.yml"), []byte(b.String())})
	}
	return files
}

func describe(m *Model) string {
	switch m.Layer {
	case Staging:
		return fmt.Sprintf("\"Staging model over %s for the %s domain.\"", m.Source, m.Domain)
	case Intermediate:
		return fmt.Sprintf("\"Intermediate %s model combining %s.\"", m.Domain, strings.Join(m.Refs, ", "))
	default:
		return fmt.Sprintf("\"Mart for %s built from %s.\"", m.Domain, strings.Join(m.Refs, ", "))
	}
}
