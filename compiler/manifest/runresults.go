package manifest

import "time"

// Run statuses as dbt writes them in run_results.json.
const (
	StatusSuccess = "success"
	StatusError   = "error"
	StatusSkipped = "skipped"
	StatusPass    = "pass"
	StatusFail    = "fail"
	StatusWarn    = "warn"
	StatusNoOp    = "no-op"
)

// Timing is one phase of a node's execution.
type Timing struct {
	Name        string `json:"name"`
	StartedAt   string `json:"started_at"`
	CompletedAt string `json:"completed_at"`
}

// RunResult is one node's outcome.
type RunResult struct {
	Status          string         `json:"status"`
	Timing          []Timing       `json:"timing"`
	ThreadID        string         `json:"thread_id"`
	ExecutionTime   float64        `json:"execution_time"`
	AdapterResponse map[string]any `json:"adapter_response"`
	Message         *string        `json:"message"`
	Failures        *int64         `json:"failures"`
	UniqueID        string         `json:"unique_id"`
	Compiled        *bool          `json:"compiled"`
	CompiledCode    *string        `json:"compiled_code"`
	RelationName    *string        `json:"relation_name"`
	BatchResults    any            `json:"batch_results"`
}

// RunResults is run_results.json.
type RunResults struct {
	Metadata    BaseMetadata   `json:"metadata"`
	Results     []RunResult    `json:"results"`
	ElapsedTime float64        `json:"elapsed_time"`
	Args        map[string]any `json:"args"`
}

// BaseMetadata is the metadata block of run_results, catalog and sources.
type BaseMetadata struct {
	DbtSchemaVersion    string            `json:"dbt_schema_version"`
	DbtVersion          string            `json:"dbt_version"`
	GeneratedAt         string            `json:"generated_at"`
	InvocationID        string            `json:"invocation_id"`
	InvocationStartedAt string            `json:"invocation_started_at"`
	Env                 map[string]string `json:"env"`
}

// TimeFormat is how artifacts write timestamps (UTC, microseconds, Z).
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t as artifacts do.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }
