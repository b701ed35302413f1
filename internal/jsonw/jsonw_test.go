package jsonw

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// The truth for every value is what encoding/json writes for it.
func marshal(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var tricky = []string{
	"", "plain", `quote " backslash \ slash /`, "\x00\x01\x1f\x7f", "\b\f\n\r\t\v",
	"<script>&amp;</script>", "\u2028\u2029", "é漢字🙂", "\xff", "a\xc3", "\xed\xa0\x80",
	"\xf4\x90\x80\x80", "\ufffd", "end\xe2\x80", "a\u2028b\xffc<d\x00",
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range tricky {
		if got, want := string(AppendString(nil, s)), marshal(t, s); got != want {
			t.Errorf("AppendString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "\"", "\\", "<", "&", "\x00", "\n", "\x7f", "\xff", "\xc3", "é", "\u2028", "🙂", "\xe2\x80"}
	for range 10000 {
		var s string
		for range r.IntN(12) {
			s += alphabet[r.IntN(len(alphabet))]
		}
		if got, want := string(AppendString(nil, s)), marshal(t, s); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	}
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	fs := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.0 / 3, 1e-6, 9.99999e-7, 1e-7, 1.5e-10, 1e20, 1e21, 123456789012345680000,
		1e300, -1e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, 2.5e-5, 12345.678}
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		f := math.Float64frombits(r.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			fs = append(fs, f)
		}
	}
	for _, f := range fs {
		if got, want := string(AppendFloat(nil, f)), marshal(t, f); got != want {
			t.Fatalf("AppendFloat(%v) = %s, encoding/json writes %s", f, got, want)
		}
	}
}

// JSON has no NaN or infinity; every writer of hpp's writes null for them.
func TestAppendFloatNonFinite(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := string(AppendFloat([]byte("x"), f)); got != "xnull" {
			t.Errorf("AppendFloat(%v) = %s, want null", f, got)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(AppendString(nil, s)), marshal(t, s); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}
