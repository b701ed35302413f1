package cli

import (
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"hpp/internal/export"
	"hpp/internal/hppfile"
	"hpp/internal/profile"
	"hpp/internal/sampler"
	"hpp/internal/timemode"
)

// writeRecording writes what hpp record sampled: hpp's own file with the
// hot sources and what the recording knew of itself, or any export.
func writeRecording(path string, p *profile.Profile, f export.Format, t *sampler.Target, o sampler.RecordOptions, st sampler.RecordStats, start time.Time, mode timemode.Mode) error {
	if p.Samples != nil && p.Samples.Mode == "" {
		q, set := *p, *p.Samples
		set.Mode = mode.String()
		q.Samples = &set
		p = &q
	}
	return writeFile(path, func(w io.Writer) error {
		if f != export.Hpp {
			return export.Write(w, p, f, export.DefaultOptions())
		}
		q := *p
		q.Files = sampler.Sources(t.PID, p, sampler.DefaultSourceLimits)
		return hppfile.Write(w, &q, &hppfile.Meta{
			HPPVersion: Version,
			Python:     t.Version,
			Command:    commandLine(t.PID),
			Start:      start,
			Duration:   st.Elapsed,
			Rate:       o.Rate,
			Achieved:   st.Achieved,
			Torn:       int64(st.Torn),
		})
	})
}

// commandLine reads process pid's arguments, joined by spaces ("" once it
// has exited).
func commandLine(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	return strings.TrimRight(strings.ReplaceAll(string(b), "\x00", " "), " ")
}
