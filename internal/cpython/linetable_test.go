package cpython

import (
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pythons returns pyenv's interpreters 3.6 and later, keyed by minor.
func pythons(t *testing.T) map[string]string {
	t.Helper()
	root, err := exec.Command("pyenv", "root").Output()
	if err != nil {
		t.Skip("no pyenv")
	}
	out := map[string]string{}
	dirs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(root)), "versions", "3.*"))
	for _, d := range dirs {
		parts := strings.Split(filepath.Base(d), ".")
		out[parts[0]+"."+parts[1]] = filepath.Join(d, "bin", "python3")
	}
	return out
}

// TestLineTables checks each decoder against the line CPython itself gives
// every instruction of the code objects of a few modules.
func TestLineTables(t *testing.T) {
	for minor, py := range pythons(t) {
		t.Run(minor, func(t *testing.T) {
			b, err := exec.Command(py, "testdata/lines.py").Output()
			if err != nil {
				t.Fatalf("%s: %v", py, err)
			}
			var codes []struct {
				Name  string
				First int
				Table string
				Lines [][2]int
			}
			if err := json.Unmarshal(b, &codes); err != nil {
				t.Fatal(err)
			}
			decode := LineLocations
			switch minor {
			case "3.6", "3.7", "3.8", "3.9":
				decode = LineLnotab
			case "3.10":
				decode = Line310
			}
			checked, bad := 0, 0
			for _, c := range codes {
				tab, _ := hex.DecodeString(c.Table)
				for _, ol := range c.Lines {
					checked++
					if got := decode(tab, c.First, ol[0]); got != ol[1] {
						if bad++; bad < 10 {
							t.Errorf("%s offset %d: line %d, CPython says %d", c.Name, ol[0], got, ol[1])
						}
					}
				}
			}
			if checked < 1000 {
				t.Errorf("only %d instructions checked", checked)
			}
		})
	}
}

func FuzzLineTables(f *testing.F) {
	f.Add([]byte{0x80, 0x00, 0xf8, 0x01, 0x8a, 0x02}, 10, 4)
	f.Fuzz(func(t *testing.T, tab []byte, first, addr int) {
		LineLnotab(tab, first, addr)
		Line310(tab, first, addr)
		LineLocations(tab, first, addr)
	})
}
