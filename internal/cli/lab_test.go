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

	"github.com/chromedp/chromedp"

	"hpp/internal/chromiumtest"
)

func TestLabCommandErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown kernel", []string{"lab", "--small", "mandel"}, ExitUsage, `no kernel "mandel" (kernels: fib0, fib90, pi,`},
		{"unknown way", []string{"lab", "--small", "--ways", "python,fortran"}, ExitUsage, `no way "fortran" (ways: python, threads,`},
		{"bad repeat", []string{"lab", "--repeat", "0"}, ExitUsage, "--repeat must be at least 1"},
		{"no python", []string{"lab", "--small", "--python", "/nonexistent/python3"}, ExitNoTool, "python interpreter not found: /nonexistent/python3"},
		// Before the run, not after it.
		{"unwritable html", []string{"lab", "--html", "/nonexistent/hpp/lab.html"}, ExitFailure, "cannot write /nonexistent/hpp/lab.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			start := time.Now()
			code := Main(context.Background(), tt.args, &Env{Stdout: &out, Stderr: &errb})
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %v to fail: the lab ran first", time.Since(start))
			}
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errb.String())
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.stderr)
			}
		})
	}
}

// TestLabCommandOutputs runs a few ways at the small size with --json,
// --svg and --html: the JSON is validated against the report's schema by
// Python's jsonschema, and both pictures load in headless Chromium.
func TestLabCommandOutputs(t *testing.T) {
	dir := t.TempDir()
	svg, page := filepath.Join(dir, "lab.svg"), filepath.Join(dir, "lab.html")
	var out, errb bytes.Buffer
	args := []string{"lab", "--small", "--repeat", "2", "--python", "/usr/bin/python3", "--ways", "python,threads,cext,go1,go",
		"--json", "--svg", svg, "--html", page, "pi", "julia", "text"}
	if code := Main(context.Background(), args, &Env{Stdout: &out, Stderr: &errb}); code != ExitOK {
		t.Fatalf("exit %d; stderr: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "hpp lab: [1/5] pure Python") {
		t.Errorf("no progress line on stderr: %q", errb.String())
	}
	t.Run("schema", func(t *testing.T) {
		report := filepath.Join(dir, "lab.json")
		if err := os.WriteFile(report, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		schema, _ := filepath.Abs("../lab/testdata/report.schema.json")
		cmd := exec.Command("/usr/bin/python3", "-c", `import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(json.load(open(sys.argv[2])))`, schema, report)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the --json report does not match its schema (needs apt-get install python3-jsonschema): %v\n%s", err, msg)
		}
		for _, want := range []string{`"schema": "hpp-lab/1"`, `"way": "go1"`, `"status": "ok"`} {
			if !bytes.Contains(out.Bytes(), []byte(want)) {
				t.Errorf("JSON lacks %s", want)
			}
		}
	})
	var rep struct {
		Results []struct{ Way, Status string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, x := range rep.Results {
		if x.Status == "ok" {
			ok++
		} else if x.Status != "n/a" || x.Way != "cext" {
			t.Errorf("%+v: every way but the C extension on text must run", x)
		}
	}
	for _, f := range []string{svg, page} {
		t.Run(filepath.Base(f), func(t *testing.T) {
			errs, bars := loadPage(t, f)
			if len(errs) > 0 {
				t.Errorf("console errors: %v", errs)
			}
			// 3 kernels × 5 ways but C on text: every result checked and drawn.
			if bars != ok || ok != 14 {
				t.Errorf("%d bars drawn for %d results, want 14", bars, ok)
			}
		})
	}
}

// loadPage opens a file in headless Chromium and returns the errors it
// logged and the number of bars (svg rect elements with a title).
func loadPage(t *testing.T, path string) ([]string, int) {
	t.Helper()
	page := chromiumtest.Open(t, "file://"+path)
	n, err := chromedp.Run(page.Ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg rect title").length`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	// A page that failed to parse as SVG shows Chromium's error banner.
	perr, err := chromedp.Run(page.Ctx, chromedp.Evaluate[int](`document.getElementsByTagName("parsererror").length`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	errs := page.Errors()
	if perr > 0 {
		errs = append(errs, "XML parse error")
	}
	return errs, n
}
