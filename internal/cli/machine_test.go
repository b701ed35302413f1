package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestMachineCommand(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string
		jsonKeys []string
	}{
		{"cpu only as JSON", []string{"machine", "--quick", "--only", "cpu", "--json"}, ExitOK, "", []string{"cpu", "summary", "load_before", "warnings"}},
		{"unknown probe", []string{"machine", "--only", "gpu"}, ExitUsage, `unknown probe "gpu"`, nil},
		{"stray argument", []string{"machine", "now"}, ExitUsage, `unexpected argument "now"`, nil},
		{"missing dir", []string{"machine", "--dir", "/nonexistent/hpp"}, ExitNoInput, "not a directory", nil},
		// Before the probes, not after them: the run would take a minute.
		{"unwritable html", []string{"machine", "--html", "/nonexistent/hpp/m.html"}, ExitFailure, "cannot write /nonexistent/hpp/m.html: directory /nonexistent/hpp: no such file or directory", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			start := time.Now()
			code := Main(context.Background(), tt.args, &Env{Stdout: &out, Stderr: &errb})
			if tt.code != ExitOK && time.Since(start) > 5*time.Second {
				t.Errorf("took %v to fail: the probes ran first", time.Since(start))
			}
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errb.String())
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.stderr)
			}
			if tt.jsonKeys == nil {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(out.Bytes(), &m); err != nil {
				t.Fatalf("--json output is not JSON: %v", err)
			}
			for _, k := range tt.jsonKeys {
				if _, ok := m[k]; !ok {
					t.Errorf("JSON lacks %q", k)
				}
			}
		})
	}
}
