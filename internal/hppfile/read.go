package hppfile

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"hpp/internal/profile"
)

// MaxBody bounds the unpacked body a reader accepts (a hostile file can
// unpack to far more than it holds, and the decoded profile takes up to
// about 12 times the body's bytes); an hour at 100 Hz of 10 threads
// unpacks to about 20 MB.
const MaxBody = 256 << 20

// FormatError says why a file is not a readable hpp profile.
type FormatError struct {
	Offset int64 // in the unpacked body; -1 for the header and the packing
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return e.Msg
	}
	return fmt.Sprintf("byte %d of the unpacked body: %s", e.Offset, e.Msg)
}

// ReadFile reads the hpp profile file at path.
func ReadFile(path string) (*profile.Profile, *Meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return Read(f)
}

// Read reads an hpp profile file. Any input gives a profile or an error,
// never a panic, and allocations stay proportional to the input's
// unpacked size (bounded by MaxBody). Samples with the same stack share
// one Frame slice, as the file stores it once: treat stacks as read-only
// (profile.Merge copies them before renumbering).
func Read(r io.Reader) (*profile.Profile, *Meta, error) {
	head := make([]byte, len(Magic)+2)
	n, err := io.ReadFull(r, head)
	if !Is(head[:n]) {
		return nil, nil, &FormatError{-1, "not an hpp profile file (no HPPPROF header)"}
	}
	if err != nil {
		return nil, nil, &FormatError{-1, "truncated: the file ends inside its header"}
	}
	major, minor := head[len(Magic)], head[len(Magic)+1]
	if major > Major {
		return nil, nil, &FormatError{-1, fmt.Sprintf("format version %d.%d is newer than this hpp reads (%d.x); use a newer hpp", major, minor, Major)}
	}
	if major < 1 {
		return nil, nil, &FormatError{-1, fmt.Sprintf("format version %d.%d does not exist", major, minor)}
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, &FormatError{-1, "the body is not gzip data: " + err.Error()}
	}
	zr.Multistream(false)
	body, err := io.ReadAll(io.LimitReader(zr, MaxBody+1))
	if err != nil {
		return nil, nil, &FormatError{-1, "the body cannot be unpacked: " + err.Error()}
	}
	if len(body) > MaxBody {
		return nil, nil, &FormatError{-1, fmt.Sprintf("the body unpacks to more than %d bytes", MaxBody)}
	}
	return Decode(body)
}

// decoder reads the unpacked body. Every count is checked against the
// bytes left before anything is allocated for it.
type decoder struct {
	buf  []byte
	off  int
	base int // offset of buf in the body, for errors
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = &FormatError{int64(d.base + d.off), fmt.Sprintf(format, args...)}
	}
}

func (d *decoder) left() int { return len(d.buf) - d.off }

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		d.fail("bad or truncated number (%s)", what)
		return 0
	}
	d.off += n
	return v
}

// varint reads a signed number: binary.Varint's zig-zag encoding of a
// uvarint.
func (d *decoder) varint(what string) int64 {
	u := d.uvarint(what)
	return int64(u>>1) ^ -int64(u&1)
}

// int32 reads a signed number that must fit in 32 bits.
func (d *decoder) int32(what string) int32 {
	v := d.varint(what)
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail("%s %d out of range", what, v)
		return 0
	}
	return int32(v)
}

func (d *decoder) float(what string) float64 {
	if d.err != nil {
		return 0
	}
	if d.left() < 8 {
		d.fail("truncated (%s)", what)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.off:]))
	d.off += 8
	return v
}

func (d *decoder) byte1(what string) byte {
	if d.err != nil {
		return 0
	}
	if d.left() < 1 {
		d.fail("truncated (%s)", what)
		return 0
	}
	d.off++
	return d.buf[d.off-1]
}

// count reads a count of items each at least min bytes long.
func (d *decoder) count(what string, min int) int {
	n := d.uvarint(what)
	if d.err != nil {
		return 0
	}
	if n > uint64(d.left()/min) {
		d.fail("%d %s cannot fit in the %d bytes left", n, what, d.left())
		return 0
	}
	return int(n)
}

func (d *decoder) bytes(what string) []byte {
	n := d.uvarint(what)
	if d.err != nil {
		return nil
	}
	if n > uint64(d.left()) {
		d.fail("%s of %d bytes, only %d left", what, n, d.left())
		return nil
	}
	b := d.buf[d.off : d.off+int(n)]
	d.off += int(n)
	return b
}

// index reads a number that must be below n.
func (d *decoder) index(what string, n int) int {
	v := d.uvarint(what)
	if d.err == nil && v >= uint64(n) {
		d.fail("%s %d out of range (there are %d)", what, v, n)
		return 0
	}
	return int(v)
}

// Decode reads an unpacked body (the bytes after the header, gunzipped).
func Decode(body []byte) (*profile.Profile, *Meta, error) {
	top := &decoder{buf: body}
	p := &profile.Profile{}
	var meta *Meta
	var strs []string
	seen := map[uint64]bool{}
	var stacks [][]profile.Frame
	for top.err == nil && top.left() > 0 {
		tag := top.uvarint("section tag")
		payload := top.bytes("section")
		if top.err != nil {
			break
		}
		d := &decoder{buf: payload, base: top.off - len(payload)}
		if seen[tag] && tag <= secGraph {
			d.fail("section %d appears twice", tag)
			return nil, nil, d.err
		}
		seen[tag] = true
		need := func(prev uint64, name string) bool {
			if !seen[prev] {
				d.fail("section %d comes before the %s it refers to", tag, name)
				return false
			}
			return true
		}
		str := func(what string) string {
			i := d.index(what, len(strs))
			if d.err != nil {
				return ""
			}
			return strs[i]
		}
		switch tag {
		case secMeta:
			meta = decodeMeta(d)
		case secStrings:
			n := d.count("strings", 1)
			strs = make([]string, n)
			for i := range strs {
				strs[i] = string(d.bytes("string"))
			}
		case secFuncs:
			if !need(secStrings, "string table") {
				break
			}
			n := d.count("functions", 3)
			p.Funcs = make([]profile.Function, n)
			for i := range p.Funcs {
				f := &p.Funcs[i]
				f.File = str("file name")
				f.Line = int(d.int32("line"))
				f.Name = str("function name")
			}
		case secGraph:
			if !need(secFuncs, "functions") {
				break
			}
			decodeGraph(d, p)
		case secSampleSet:
			if !need(secStrings, "string table") {
				break
			}
			p.Samples = &profile.SampleSet{}
			p.Samples.Unit = str("unit")
			p.Samples.PeriodNS = d.varint("period")
			p.Samples.Mode = str("mode")
		case secProcesses:
			if !need(secSampleSet, "sample set") {
				break
			}
			n := d.count("processes", 3)
			p.Samples.Processes = make([]profile.Process, n)
			for i := range p.Samples.Processes {
				pr := &p.Samples.Processes[i]
				pr.PID = d.varint("pid")
				pr.Parent = d.varint("parent pid")
				pr.Command = str("command")
			}
		case secThreads:
			if !need(secProcesses, "processes") {
				break
			}
			n := d.count("threads", 3)
			np := len(p.Samples.Processes)
			p.Samples.Threads = make([]profile.Thread, n)
			for i := range p.Samples.Threads {
				t := &p.Samples.Threads[i]
				t.ID = d.varint("thread id")
				t.Name = str("thread name")
				t.Process = d.int32("thread's process")
				if np > 0 && (t.Process < 0 || int(t.Process) >= np) && d.err == nil {
					d.fail("thread's process %d out of range (there are %d)", t.Process, np)
				}
				if np == 0 {
					t.Process = 0
				}
			}
		case secStacks:
			if !need(secFuncs, "functions") || !need(secSampleSet, "sample set") {
				break
			}
			n := d.count("stacks", 1)
			stacks = make([][]profile.Frame, n)
			nf := len(p.Funcs)
			for i := range stacks {
				depth := d.count("frames", 2)
				st := make([]profile.Frame, depth)
				for j := range st {
					st[j].Func = profile.FuncID(d.index("frame's function", nf))
					if d.err != nil {
						return nil, nil, d.err
					}
					st[j].Line = d.int32("frame's line")
				}
				stacks[i] = st
			}
		case secSamples:
			if !need(secStacks, "stacks") || !need(secThreads, "threads") {
				break
			}
			n := d.count("samples", 4)
			s := p.Samples
			s.Samples = make([]profile.Sample, n)
			nt := len(s.Threads)
			for i := range s.Samples {
				smp := &s.Samples[i]
				if k := d.index("sample's stack", len(stacks)); d.err == nil {
					smp.Stack = stacks[k]
				}
				smp.Weight = d.varint("weight")
				if smp.Weight < 0 && d.err == nil {
					d.fail("negative weight %d", smp.Weight)
				}
				smp.Thread = d.int32("sample's thread")
				if (smp.Thread < -1 || int(smp.Thread) >= nt) && d.err == nil {
					d.fail("sample's thread %d out of range (there are %d)", smp.Thread, nt)
				}
				fl := d.byte1("flags")
				smp.GIL, smp.Idle, smp.GILWait = fl&flagGIL != 0, fl&flagIdle != 0, fl&flagGILWait != 0
			}
		case secFiles:
			if !need(secStrings, "string table") {
				break
			}
			n := d.count("source files", 2)
			p.Files = make([]profile.SourceFile, n)
			for i := range p.Files {
				p.Files[i].Path = str("source path")
				p.Files[i].Text = bytes.Clone(d.bytes("source text"))
			}
		default:
			// A section a newer minor version added: skipped.
		}
		if d.err != nil {
			return nil, nil, d.err
		}
	}
	if top.err != nil {
		return nil, nil, top.err
	}
	if !seen[secStrings] || !seen[secFuncs] {
		return nil, nil, &FormatError{int64(len(body)), "the body ends before its string table and functions"}
	}
	if p.Samples != nil && !seen[secSamples] {
		return nil, nil, &FormatError{int64(len(body)), "a sample set without its samples"}
	}
	return p, meta, nil
}

func decodeGraph(d *decoder, p *profile.Profile) {
	nf := len(p.Funcs)
	n := d.uvarint("listed functions")
	if d.err == nil && n > uint64(nf) {
		d.fail("%d listed functions of %d", n, nf)
		return
	}
	p.NumListed = int(n)
	p.TotalTT = d.float("total time")
	for i := range p.Funcs[:p.NumListed] {
		f := &p.Funcs[i]
		f.Listed = true
		f.Stats = decodeStats(d)
		nc := d.count("callers", 19)
		if nc > 0 {
			f.Callers = make([]profile.Edge, nc)
		}
		for j := range f.Callers {
			c := &f.Callers[j]
			c.Caller = profile.FuncID(d.index("caller", nf))
			c.Stats = decodeStats(d)
			c.CountOnly = d.byte1("count-only flag") != 0
		}
		if d.err != nil {
			return
		}
	}
}

func decodeStats(d *decoder) profile.Stats {
	return profile.Stats{
		PCalls:  d.varint("primitive calls"),
		NCalls:  d.varint("calls"),
		TotTime: d.float("tottime"),
		CumTime: d.float("cumtime"),
	}
}

func decodeMeta(d *decoder) *Meta {
	m := &Meta{}
	for d.err == nil && d.left() > 0 {
		key := d.uvarint("meta key")
		v := &decoder{buf: d.bytes("meta value"), base: d.base + d.off}
		if d.err != nil {
			break
		}
		v.base -= len(v.buf)
		switch key {
		case keyHPP:
			m.HPPVersion = string(v.buf)
		case keyPython:
			m.Python = string(v.buf)
		case keyCommand:
			m.Command = string(v.buf)
		case keyStart:
			m.Start = time.Unix(0, v.varint("start time")).UTC()
		case keyDuration:
			m.Duration = time.Duration(v.varint("duration"))
		case keyRate:
			m.Rate = v.float("rate")
		case keyAchieved:
			m.Achieved = v.float("achieved rate")
		case keyTorn:
			m.Torn = v.varint("torn count")
		}
		if v.err != nil {
			d.err = v.err
		}
	}
	return m
}
