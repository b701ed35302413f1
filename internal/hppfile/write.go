package hppfile

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math"

	"hpp/internal/profile"
)

// Write writes p and m (which may be nil) to w as an hpp profile file.
func Write(w io.Writer, p *profile.Profile, m *Meta) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(Magic)
	bw.WriteByte(Major)
	bw.WriteByte(Minor)
	zw, err := gzip.NewWriterLevel(bw, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(encode(p, m)); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// encoder builds the unpacked body: the sections, each tag, length, bytes.
type encoder struct {
	out     []byte
	sec     []byte // the section being built
	strings map[string]uint64
	table   []string
}

func (e *encoder) uvarint(v uint64) { e.sec = binary.AppendUvarint(e.sec, v) }
func (e *encoder) varint(v int64)   { e.sec = binary.AppendVarint(e.sec, v) }
func (e *encoder) float(v float64) {
	e.sec = binary.LittleEndian.AppendUint64(e.sec, math.Float64bits(v))
}
func (e *encoder) bytes(b []byte) { e.uvarint(uint64(len(b))); e.sec = append(e.sec, b...) }
func (e *encoder) str(s string)   { e.uvarint(e.intern(s)) }

func (e *encoder) intern(s string) uint64 {
	if i, ok := e.strings[s]; ok {
		return i
	}
	i := uint64(len(e.table))
	e.strings[s] = i
	e.table = append(e.table, s)
	return i
}

// flush ends the section being built as section tag.
func (e *encoder) flush(tag uint64) {
	e.out = binary.AppendUvarint(e.out, tag)
	e.out = binary.AppendUvarint(e.out, uint64(len(e.sec)))
	e.out = append(e.out, e.sec...)
	e.sec = e.sec[:0]
}

func encode(p *profile.Profile, m *Meta) []byte {
	e := &encoder{strings: map[string]uint64{}}
	e.intern("")
	// The string table goes first but is known last: build the other
	// sections, then put it in front.
	var secs []byte
	emit := func(tag uint64) {
		e.flush(tag)
		secs = append(secs, e.out...)
		e.out = e.out[:0]
	}
	if m != nil {
		encodeMeta(e, m)
		emit(secMeta)
	}
	e.uvarint(uint64(len(p.Funcs)))
	for i := range p.Funcs {
		f := &p.Funcs[i].Func
		e.str(f.File)
		e.varint(int64(f.Line))
		e.str(f.Name)
	}
	emit(secFuncs)
	if p.NumListed > 0 {
		e.uvarint(uint64(p.NumListed))
		e.float(p.TotalTT)
		for i := range p.Funcs[:p.NumListed] {
			f := &p.Funcs[i]
			encodeStats(e, f.Stats)
			e.uvarint(uint64(len(f.Callers)))
			for _, c := range f.Callers {
				e.uvarint(uint64(c.Caller))
				encodeStats(e, c.Stats)
				if c.CountOnly {
					e.sec = append(e.sec, 1)
				} else {
					e.sec = append(e.sec, 0)
				}
			}
		}
		emit(secGraph)
	}
	if s := p.Samples; s != nil {
		e.str(s.Unit)
		e.varint(s.PeriodNS)
		e.str(s.Mode)
		emit(secSampleSet)
		e.uvarint(uint64(len(s.Processes)))
		for _, pr := range s.Processes {
			e.varint(pr.PID)
			e.varint(pr.Parent)
			e.str(pr.Command)
		}
		emit(secProcesses)
		e.uvarint(uint64(len(s.Threads)))
		for _, t := range s.Threads {
			e.varint(t.ID)
			e.str(t.Name)
			e.varint(int64(t.Process))
		}
		emit(secThreads)
		encodeStacks(e, s, emit)
	}
	if len(p.Files) > 0 {
		e.uvarint(uint64(len(p.Files)))
		for _, f := range p.Files {
			e.str(f.Path)
			e.bytes(f.Text)
		}
		emit(secFiles)
	}
	e.uvarint(uint64(len(e.table)))
	for _, s := range e.table {
		e.uvarint(uint64(len(s)))
		e.sec = append(e.sec, s...)
	}
	e.flush(secStrings)
	return append(e.out, secs...)
}

func encodeStats(e *encoder, s profile.Stats) {
	e.varint(s.PCalls)
	e.varint(s.NCalls)
	e.float(s.TotTime)
	e.float(s.CumTime)
}

// encodeStacks writes each distinct stack once and the samples as
// references to them: a long recording repeats a few stacks many times.
func encodeStacks(e *encoder, s *profile.SampleSet, emit func(uint64)) {
	ids := make(map[string]uint64)
	var stacks [][]profile.Frame
	refs := make([]uint64, len(s.Samples))
	var kb []byte
	for i := range s.Samples {
		st := s.Samples[i].Stack
		kb = kb[:0]
		for _, f := range st {
			kb = binary.AppendUvarint(kb, uint64(f.Func))
			kb = binary.AppendVarint(kb, int64(f.Line))
		}
		id, ok := ids[string(kb)]
		if !ok {
			id = uint64(len(stacks))
			ids[string(kb)] = id
			stacks = append(stacks, st)
		}
		refs[i] = id
	}
	e.uvarint(uint64(len(stacks)))
	for _, st := range stacks {
		e.uvarint(uint64(len(st)))
		for _, f := range st {
			e.uvarint(uint64(f.Func))
			e.varint(int64(f.Line))
		}
	}
	emit(secStacks)
	e.uvarint(uint64(len(s.Samples)))
	for i := range s.Samples {
		smp := &s.Samples[i]
		e.uvarint(refs[i])
		e.varint(smp.Weight)
		e.varint(int64(smp.Thread))
		var fl byte
		if smp.GIL {
			fl |= flagGIL
		}
		if smp.Idle {
			fl |= flagIdle
		}
		if smp.GILWait {
			fl |= flagGILWait
		}
		e.sec = append(e.sec, fl)
	}
	emit(secSamples)
}

func encodeMeta(e *encoder, m *Meta) {
	var v []byte
	put := func(key uint64, val []byte) {
		e.uvarint(key)
		e.bytes(val)
	}
	if m.HPPVersion != "" {
		put(keyHPP, []byte(m.HPPVersion))
	}
	if m.Python != "" {
		put(keyPython, []byte(m.Python))
	}
	if m.Command != "" {
		put(keyCommand, []byte(m.Command))
	}
	if !m.Start.IsZero() {
		put(keyStart, binary.AppendVarint(v[:0], m.Start.UnixNano()))
	}
	if m.Duration != 0 {
		put(keyDuration, binary.AppendVarint(v[:0], int64(m.Duration)))
	}
	if m.Rate != 0 {
		put(keyRate, binary.LittleEndian.AppendUint64(v[:0], math.Float64bits(m.Rate)))
	}
	if m.Achieved != 0 {
		put(keyAchieved, binary.LittleEndian.AppendUint64(v[:0], math.Float64bits(m.Achieved)))
	}
	if m.Torn != 0 {
		put(keyTorn, binary.AppendVarint(v[:0], m.Torn))
	}
}
