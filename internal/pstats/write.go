package pstats

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
	"os"

	"hpp/internal/profile"
)

// Write writes p's listed functions as a pstats file in marshal format 4,
// which the pstats module of every Python 3 reads. Edges that carry only
// a count are written as the profile module writes them.
func Write(w io.Writer, p *profile.Profile) error {
	e := &encoder{w: bufio.NewWriterSize(w, 1<<16), keys: make([]int32, len(p.Funcs)), strs: map[string]int32{}}
	for i := range e.keys {
		e.keys[i] = -1
	}
	e.w.WriteByte(tDict)
	for i := range p.Funcs[:p.NumListed] {
		f := &p.Funcs[i]
		e.key(p, profile.FuncID(i))
		e.w.WriteByte(tSmallTup)
		e.w.WriteByte(5)
		e.int(f.PCalls)
		e.int(f.NCalls)
		e.float(f.TotTime)
		e.float(f.CumTime)
		e.w.WriteByte(tDict)
		for _, c := range f.Callers {
			e.key(p, c.Caller)
			if c.CountOnly {
				e.int(c.NCalls)
				continue
			}
			e.w.WriteByte(tSmallTup)
			e.w.WriteByte(4)
			e.int(c.NCalls)
			e.int(c.PCalls)
			e.float(c.TotTime)
			e.float(c.CumTime)
		}
		e.w.WriteByte(tNull)
	}
	e.w.WriteByte(tNull)
	return e.w.Flush()
}

// WriteFile writes p to path.
func WriteFile(path string, p *profile.Profile) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(f, p); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type encoder struct {
	w     *bufio.Writer
	keys  []int32 // FuncID -> reference index of its key tuple, or -1
	strs  map[string]int32
	nrefs int32
	tmp   [8]byte
}

func (e *encoder) key(p *profile.Profile, id profile.FuncID) {
	if r := e.keys[id]; r >= 0 {
		e.ref(r)
		return
	}
	e.keys[id] = e.nrefs
	e.nrefs++
	f := p.Funcs[id].Func
	e.w.WriteByte(tSmallTup | flagRef)
	e.w.WriteByte(3)
	e.str(f.File)
	e.int(int64(f.Line))
	e.str(f.Name)
}

func (e *encoder) ref(i int32) {
	e.w.WriteByte(tRef)
	binary.LittleEndian.PutUint32(e.tmp[:], uint32(i))
	e.w.Write(e.tmp[:4])
}

func (e *encoder) str(s string) {
	if r, ok := e.strs[s]; ok {
		e.ref(r)
		return
	}
	e.strs[s] = e.nrefs
	e.nrefs++
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	switch {
	case ascii && len(s) < 256:
		e.w.WriteByte(tShortASC | flagRef)
		e.w.WriteByte(byte(len(s)))
	case ascii:
		e.w.WriteByte(tASCII | flagRef)
		binary.LittleEndian.PutUint32(e.tmp[:], uint32(len(s)))
		e.w.Write(e.tmp[:4])
	default:
		e.w.WriteByte(tUnicode | flagRef)
		binary.LittleEndian.PutUint32(e.tmp[:], uint32(len(s)))
		e.w.Write(e.tmp[:4])
	}
	e.w.WriteString(s)
}

func (e *encoder) int(n int64) {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		e.w.WriteByte(tInt)
		binary.LittleEndian.PutUint32(e.tmp[:], uint32(int32(n)))
		e.w.Write(e.tmp[:4])
		return
	}
	// A long: sign and count of 15-bit digits, least significant first.
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	var digits []uint16
	for u > 0 {
		digits = append(digits, uint16(u&0x7fff))
		u >>= 15
	}
	cnt := int32(len(digits))
	if neg {
		cnt = -cnt
	}
	e.w.WriteByte(tLong)
	binary.LittleEndian.PutUint32(e.tmp[:], uint32(cnt))
	e.w.Write(e.tmp[:4])
	for _, d := range digits {
		binary.LittleEndian.PutUint16(e.tmp[:], d)
		e.w.Write(e.tmp[:2])
	}
}

func (e *encoder) float(f float64) {
	e.w.WriteByte(tBinFloat)
	binary.LittleEndian.PutUint64(e.tmp[:], math.Float64bits(f))
	e.w.Write(e.tmp[:8])
}
