package machine

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// PythonCosts is what common operations cost in the user's Python on this
// machine, measured by timeit in a small embedded script: the link between
// the hardware numbers and a Python program's.
type PythonCosts struct {
	Python         string       `json:"python"`     // as given (--python)
	Executable     string       `json:"executable"` // sys.executable
	Version        string       `json:"version"`
	Implementation string       `json:"implementation"`
	Numpy          string       `json:"numpy"` // numpy's version; "" when missing
	Note           string       `json:"note"`  // why rows are missing, if they are
	Timer          string       `json:"timer"` // thread_time (3.7+) or perf_counter
	Rows           []PythonCost `json:"rows"`
}

// PythonCost is one operation's time per call, or per element for sums.
type PythonCost struct {
	What string `json:"what"`
	NS   Stat   `json:"ns"`
	Per  string `json:"per"` // "call" or "element"
	Note string `json:"note,omitempty"`
}

//go:embed pycosts.py
var pyCostsScript string

// measurePython runs the embedded script with python, pinned to the CPU
// the single-thread probes use. The script needs Python 3.6+.
func measurePython(ctx context.Context, m *meter, python string, cpu int) (*PythonCosts, error) {
	if python == "" {
		python = "python3"
	}
	m.progress("python: timeit of calls, lookups and sums with " + python)
	quick := "0"
	if m.quick {
		quick = "1"
	}
	cmd := exec.CommandContext(ctx, python, "-c", pyCostsScript, quick, strconv.Itoa(cpu))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg := lastLine(errb.String())
			if msg == "" {
				msg = "no message"
			}
			return nil, fmt.Errorf("%s failed (%v): %s (is it Python 3.6 or later? choose one with --python PY)", python, err, msg)
		}
		return nil, fmt.Errorf("cannot run %s: %v (is Python installed? choose one with --python PY)", python, err)
	}
	var raw struct {
		PythonCosts
		Rows []struct {
			What string    `json:"what"`
			NS   []float64 `json:"ns"`
			Per  string    `json:"per"`
			Note string    `json:"note"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		return nil, fmt.Errorf("%s printed no measurements (%v): %s", python, err, lastLine(errb.String()+out.String()))
	}
	p := raw.PythonCosts
	p.Python = python
	for _, r := range raw.Rows {
		p.Rows = append(p.Rows, PythonCost{What: r.What, NS: Summarize(r.NS), Per: r.Per, Note: r.Note})
	}
	return &p, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
