package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
		{"cpu only as JSON", []string{"machine", "--quick", "--only", "cpu", "--json"}, ExitOK, "", []string{"cpu", "summary", "load_before", "warnings", "failed", "probe_seconds"}},
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

// A probe that fails is reported as failed and the exit status says so;
// it used to be a warning under exit 0.
func TestMachineFailedProbeExitsOne(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount -t tmpfs: %v: %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	for _, format := range []string{"text", "json"} {
		args := []string{"machine", "--quick", "--only", "disk", "--dir", dir}
		if format == "json" {
			args = append(args, "--json")
		}
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, &Env{Stdout: &out, Stderr: &errb})
		if code != ExitFailure {
			t.Errorf("%s: exit %d, want %d; stderr: %s", format, code, ExitFailure, errb.String())
		}
		if !strings.Contains(errb.String(), "disk probe failed") {
			t.Errorf("%s: stderr %q does not say the disk probe failed", format, errb.String())
		}
		if format == "text" && !strings.Contains(out.String(), "Disk: FAILED") {
			t.Errorf("text report does not show the failure:\n%s", out.String())
		}
		if format == "json" {
			var r struct {
				Failed []struct{ Probe, Error string }
				Disk   any
			}
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Failed) != 1 || r.Failed[0].Probe != "disk" || r.Disk != nil {
				t.Errorf("JSON failed %+v, disk %v", r.Failed, r.Disk)
			}
		}
	}
}

// An output that cannot be written fails before minutes of measuring, not
// after them. The latency probe alone takes several seconds.
func TestMachineUnwritableOutputFailsFirst(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	for _, args := range [][]string{
		{"--html", filepath.Join(t.TempDir(), "missing", "m.html")},
		{"--html", t.TempDir()},
		{"--svg", filepath.Join(file, "plots")},
	} {
		start := time.Now()
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"machine", "--only", "latency"}, args...), &Env{Stdout: &out, Stderr: &errb})
		if code != ExitFailure || !strings.Contains(errb.String(), args[1]) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %s", args, code, errb.String(), ExitFailure, args[1])
		}
		if d := time.Since(start); d > 2*time.Second || out.Len() > 0 {
			t.Errorf("%v: failed after %v with %d bytes of report: the run happened first", args, d, out.Len())
		}
	}
}
