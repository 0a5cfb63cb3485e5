package secret

import (
	"bytes"
	"io"
)

// Lines wraps console output: each Write is masked on its own (kiln prints
// whole lines, so a secret is never split across two writes), with the
// secrets registered at the time of the write.
func Lines(w io.Writer) io.Writer { return lineWriter{w} }

type lineWriter struct{ w io.Writer }

func (l lineWriter) Write(p []byte) (int, error) {
	sc := replacer.Load()
	if sc == nil {
		return l.w.Write(p)
	}
	if _, err := io.WriteString(l.w, sc.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Writer masks a stream (a file being written) even when a secret is split
// across writes: it holds back the bytes that could still start one until
// more arrive or Flush is called.
type Writer struct {
	w       io.Writer
	sc      *scrubber
	pending []byte
	first   [256]bool
}

// NewWriter wraps w; call Flush after the last Write.
func NewWriter(w io.Writer) *Writer {
	sw := &Writer{w: w, sc: replacer.Load()}
	if sw.sc != nil {
		for _, o := range sw.sc.olds {
			sw.first[o[0]] = true
		}
	}
	return sw
}

func (sw *Writer) Write(p []byte) (int, error) {
	if sw.sc == nil {
		return sw.w.Write(p)
	}
	sw.pending = append(sw.pending, p...)
	if err := sw.drain(len(sw.pending) - (sw.sc.maxLen - 1)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back.
func (sw *Writer) Flush() error {
	if sw.sc == nil {
		return nil
	}
	return sw.drain(len(sw.pending))
}

// drain writes pending up to limit: a match starting before limit fits in
// pending entirely, so it can be decided now.
func (sw *Writer) drain(limit int) error {
	buf := sw.pending
	var out bytes.Buffer
	i, from := 0, 0
	for i < limit {
		if !sw.first[buf[i]] {
			i++
			continue
		}
		n := 0
		for _, o := range sw.sc.olds { // longest first
			if bytes.HasPrefix(buf[i:], o) {
				n = len(o)
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		out.Write(buf[from:i])
		out.WriteString(Mask)
		i += n
		from = i
	}
	if i < from {
		i = from
	}
	out.Write(buf[from:i])
	sw.pending = append(sw.pending[:0], buf[i:]...)
	if out.Len() == 0 {
		return nil
	}
	_, err := sw.w.Write(out.Bytes())
	return err
}
