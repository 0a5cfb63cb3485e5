package cli

import (
	"context"

	"github.com/kiln-dev/kiln/adapters"
)

// Opening the warehouse early. Commands that execute nodes (run, test,
// build, seed, snapshot, and retry of them) always open the target once the
// project is compiled and something is selected. Opening DuckDB 2.0 costs
// ~20-30 ms of CPU, more than loading and compiling a small project, so
// these commands start opening it in the background as soon as the profile
// is known, on another core, and openDB takes the result. Nothing the user
// sees changes: the outcome of the open (a locked file, a bad setting) is
// reported where openDB reports it, after compile errors and "nothing to
// do", and an open the command ends up not using is closed. Only adapters
// whose Open creates nothing (adapters.EarlyOpener) are opened early.

// earlyOpenCommands are the commands whose `which` opens early; docs
// generate opens early too unless --empty-catalog (commonFlags.openEarly).
var earlyOpenCommands = map[string]bool{"run": true, "test": true, "build": true, "seed": true, "snapshot": true}

// earlyOpen is an Open running in the background.
type earlyOpen struct {
	threads int
	done    chan struct{}
	db      adapters.DB
	err     error
}

// openEarly starts opening the target when which and the adapter allow it;
// nil otherwise.
func (s *session) openEarly(ctx context.Context, which string, threads int) *earlyOpen {
	eo, ok := s.adapter.(adapters.EarlyOpener)
	if !ok || !(earlyOpenCommands[which] || s.flags.openEarly) || !eo.OpensEarly(s.creds) {
		return nil
	}
	o := &earlyOpen{threads: threads, done: make(chan struct{})}
	go func() {
		defer close(o.done)
		o.db, o.err = s.adapter.Open(ctx, s.creds, threads)
	}()
	return o
}

// wait returns the outcome of the open.
func (o *earlyOpen) wait() (adapters.DB, error) {
	<-o.done
	return o.db, o.err
}

// discard closes what the open opened (waiting for it to finish, so the
// file lock is released and nothing runs past the command).
func (o *earlyOpen) discard() {
	if db, err := o.wait(); err == nil && db != nil {
		_ = db.Close()
	}
}

// takeEarly hands over the early open if one was started for these
// threads (ok false: open normally). An early open for other threads is
// discarded.
func (s *session) takeEarly(threads int) (db adapters.DB, err error, ok bool) {
	s.earlyMu.Lock()
	o := s.early
	s.early = nil
	s.earlyMu.Unlock()
	if o == nil {
		return nil, nil, false
	}
	if o.threads != threads {
		o.discard()
		return nil, nil, false
	}
	db, err = o.wait()
	return db, err, true
}

// discardEarly closes an early open that no openDB took.
func (s *session) discardEarly() {
	s.earlyMu.Lock()
	o := s.early
	s.early = nil
	s.earlyMu.Unlock()
	if o != nil {
		o.discard()
	}
}
