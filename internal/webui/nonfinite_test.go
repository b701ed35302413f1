package webui

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"hpp/internal/profile"
)

// NaN and infinite times (a garbled or hand-made profile can hold them)
// reach the page as null, the rule every JSON writer of hpp follows, and
// the data stays valid JSON.
func TestEncodeDataNonFinite(t *testing.T) {
	b := profile.NewBuilder(2)
	f := b.Func(profile.Func{File: "a.py", Line: 1, Name: "f"})
	g := b.Func(profile.Func{File: "a.py", Line: 2, Name: "g"})
	b.Entry(f, profile.Stats{PCalls: 1, NCalls: 1, TotTime: math.NaN(), CumTime: math.Inf(1)}, nil)
	b.Entry(g, profile.Stats{PCalls: 1, NCalls: 1, TotTime: 1, CumTime: math.Inf(-1)},
		[]profile.Edge{{Caller: f, Stats: profile.Stats{PCalls: 1, NCalls: 1, TotTime: math.NaN(), CumTime: 2}}})
	data := encodeData(b.Profile(), nil, "t")
	if !json.Valid(data) {
		t.Fatalf("not valid JSON: %s", data)
	}
	for _, want := range []string{`"total":null`, `"tt":[null,1]`, `"ct":[null,null]`, `"ett":[null]`, `"ect":[2]`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("data lacks %s: %s", want, data)
		}
	}
}
