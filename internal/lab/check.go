package lab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// check compares a way's result with the reference: integers and strings
// exactly, floats within rel of the reference's scale (ways add in
// different orders). It returns "" when they match, else what differs.
func check(got, want json.RawMessage, rel float64) string {
	if want == nil {
		return "no reference result to check against"
	}
	if got == nil {
		return "the way returned no result"
	}
	var g, w any
	if err := decode(got, &g); err != nil {
		return fmt.Sprintf("unreadable result: %v", err)
	}
	if err := decode(want, &w); err != nil {
		return fmt.Sprintf("unreadable reference: %v", err)
	}
	return compare(g, w, rel*scale(w), "")
}

// scale is the largest magnitude in v, at least 1.
func scale(v any) float64 {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return max(1, math.Abs(f))
	case []any:
		s := 1.0
		for _, e := range x {
			s = max(s, scale(e))
		}
		return s
	}
	return 1
}

func compare(g, w any, tol float64, at string) string {
	switch wv := w.(type) {
	case json.Number:
		gv, ok := g.(json.Number)
		if !ok {
			return fmt.Sprintf("%sgot %v, want the number %v", at, short(g), wv)
		}
		gf, err1 := gv.Float64()
		wf, err2 := wv.Float64()
		// Integers compare exactly (as float64s: 3 and 3.0 are one number).
		if err1 != nil || err2 != nil || math.IsNaN(gf) || math.Abs(gf-wf) > tol {
			return fmt.Sprintf("%sgot %v, want %v", at, gv, wv)
		}
		return ""
	case string:
		if gv, ok := g.(string); !ok || gv != wv {
			return fmt.Sprintf("%sgot %v, want %q", at, short(g), wv)
		}
		return ""
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%sgot %v, want a list of %d", at, short(g), len(wv))
		}
		for i := range wv {
			if m := compare(gv[i], wv[i], tol, fmt.Sprintf("%s[%d]: ", strings.TrimSuffix(at, ": "), i)); m != "" {
				return m
			}
		}
		return ""
	case bool:
		if gv, ok := g.(bool); !ok || gv != wv {
			return fmt.Sprintf("%sgot %v, want %v", at, short(g), wv)
		}
		return ""
	}
	return fmt.Sprintf("%sunexpected reference %v", at, short(w))
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
