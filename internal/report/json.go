package report

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"hpp/internal/profile"
)

// JSON writes the functions in ids (all listed functions when ids is nil)
// in hpp's JSON schema:
//
//	{"total_tt": float, "functions": [{"file", "line", "name", "pcalls",
//	 "ncalls", "tottime", "cumtime", "callers": [{same keys}]}]}
//
// Times are the stored values, written so that they parse back to the
// same float64. A caller known only by its count (the profile module) has
// null tottime and cumtime; NaN and infinities, which JSON lacks, are null.
func JSON(out io.Writer, p *profile.Profile, ids []profile.FuncID) error {
	w := bufio.NewWriterSize(out, 1<<16)
	if ids == nil {
		ids = make([]profile.FuncID, p.NumListed)
		for i := range ids {
			ids[i] = profile.FuncID(i)
		}
	}
	b := make([]byte, 0, 4096)
	b = append(b, `{"total_tt": `...)
	b = appendFloat(b, p.TotalTT)
	b = append(b, `, "functions": [`...)
	for n, id := range ids {
		f := &p.Funcs[id]
		if n > 0 {
			b = append(b, ", "...)
		}
		b = appendFunc(b, f.Func, f.Stats, false)
		b = append(b, `, "callers": [`...)
		for j, e := range f.Callers {
			if j > 0 {
				b = append(b, ", "...)
			}
			b = appendFunc(b, p.Funcs[e.Caller].Func, e.Stats, e.CountOnly)
			b = append(b, '}')
		}
		b = append(b, "]}\n"...)
		if len(b) > 32<<10 {
			w.Write(b)
			b = b[:0]
		}
	}
	b = append(b, "]}\n"...)
	w.Write(b)
	return w.Flush()
}

func appendFunc(b []byte, fn profile.Func, s profile.Stats, countOnly bool) []byte {
	b = append(b, `{"file": `...)
	b = AppendString(b, fn.File)
	b = append(b, `, "line": `...)
	b = strconv.AppendInt(b, int64(fn.Line), 10)
	b = append(b, `, "name": `...)
	b = AppendString(b, fn.Name)
	b = append(b, `, "pcalls": `...)
	b = strconv.AppendInt(b, s.PCalls, 10)
	b = append(b, `, "ncalls": `...)
	b = strconv.AppendInt(b, s.NCalls, 10)
	b = append(b, `, "tottime": `...)
	if countOnly {
		b = append(b, `null, "cumtime": null`...)
		return b
	}
	b = appendFloat(b, s.TotTime)
	b = append(b, `, "cumtime": `...)
	return appendFloat(b, s.CumTime)
}

func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// AppendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD,
// and <, > and & are escaped so the output is safe inside HTML.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hex[r&15])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
