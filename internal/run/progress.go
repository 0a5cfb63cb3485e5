package run

import (
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// A run that is killed (SIGKILL, a crash, the machine going down) never
// writes its final run_results.json, so the file written while it goes on
// must never look like a finished green run: every node that has not
// finished yet is listed as skipped with unfinishedMessage. `kiln retry`
// (and dbt's) then re-runs exactly the nodes that did not finish, and the
// file stays valid against dbt's run-results v6 schema, which has no field
// for "in progress".
const unfinishedMessage = "Not finished: the run was still going, or was stopped, when run_results.json was written"

// progressInterval bounds how often run_results.json is rewritten. Each
// write encodes every node of the run (finished or not), so on large runs
// the gap also grows to progressCostFactor times the last write's duration:
// progressive writes never take more than about 2% of the run.
const (
	progressInterval   = 200 * time.Millisecond
	progressCostFactor = 50
)

// progressGap is the least time between two progressive writes.
func (r *Runner) progressGap() time.Duration {
	return max(progressInterval, progressCostFactor*time.Duration(r.lastWriteCost.Load()))
}

// progressResults rewrites run_results.json while the run goes on, at most
// every progressInterval (and never two writers at once). An update that
// comes too soon is not dropped: one trailing write is scheduled for the end
// of the interval, so the file never lags behind by more than that.
func (r *Runner) progressResults() {
	now := time.Now().UnixNano()
	last := r.lastWrite.Load()
	gap := r.progressGap()
	if wait := time.Duration(last + int64(gap) - now); wait > 0 || !r.lastWrite.CompareAndSwap(last, now) {
		if wait <= 0 {
			wait = gap
		}
		if r.trailing.CompareAndSwap(false, true) {
			time.AfterFunc(wait, func() {
				r.trailing.Store(false)
				r.progressResults()
			})
		}
		return
	}
	if !r.writeMu.TryLock() {
		return
	}
	defer r.writeMu.Unlock()
	if !r.stopped {
		start := time.Now()
		r.writeResultsLocked()
		r.lastWriteCost.Store(int64(time.Since(start)))
	}
}

// stopProgress ends progressive writes once Execute has written its last
// file, so a scheduled write never lands after the command returned.
func (r *Runner) stopProgress() {
	r.writeMu.Lock()
	r.stopped = true
	r.writeMu.Unlock()
}

// unfinished lists the runnable nodes that have no result yet.
func (r *Runner) unfinished(done []manifest.RunResult) []manifest.RunResult {
	have := make(map[string]bool, len(done))
	for _, d := range done {
		have[d.UniqueID] = true
	}
	var out []manifest.RunResult
	for _, id := range r.runnable {
		if have[id] {
			continue
		}
		msg := unfinishedMessage
		out = append(out, manifest.RunResult{Status: manifest.StatusSkipped, UniqueID: id, Message: &msg,
			Timing: []manifest.Timing{}, AdapterResponse: map[string]any{}, ThreadID: "main"})
	}
	return out
}
