package report

import (
	"bufio"
	"io"
	"strconv"

	"hpp/internal/jsonw"
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
		ids = p.ListedIDs()
	}
	b := make([]byte, 0, 4096)
	b = append(b, `{"total_tt": `...)
	b = jsonw.AppendFloat(b, p.TotalTT)
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
	b = jsonw.AppendString(b, fn.File)
	b = append(b, `, "line": `...)
	b = strconv.AppendInt(b, int64(fn.Line), 10)
	b = append(b, `, "name": `...)
	b = jsonw.AppendString(b, fn.Name)
	b = append(b, `, "pcalls": `...)
	b = strconv.AppendInt(b, s.PCalls, 10)
	b = append(b, `, "ncalls": `...)
	b = strconv.AppendInt(b, s.NCalls, 10)
	b = append(b, `, "tottime": `...)
	if countOnly {
		b = append(b, `null, "cumtime": null`...)
		return b
	}
	b = jsonw.AppendFloat(b, s.TotTime)
	b = append(b, `, "cumtime": `...)
	return jsonw.AppendFloat(b, s.CumTime)
}
