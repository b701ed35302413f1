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

// recording is what hpp record notes as it begins: the time, and the
// target's root held open so that its sources can be read at the end,
// even if it has exited by then.
type recording struct {
	start time.Time
	root  *sampler.SourceRoot // nil if it could not be opened
}

func beginRecording(pid int) *recording {
	r, _ := sampler.OpenSourceRoot(pid)
	return &recording{start: time.Now(), root: r}
}

func (r *recording) close() { r.root.Close() }

// writeRecording writes what hpp record sampled: hpp's own file with the
// hot sources and what the recording knew of itself, or any export.
func writeRecording(path string, p *profile.Profile, f export.Format, pid int, version string, o sampler.RecordOptions, st sampler.RecordStats, rec *recording, mode timemode.Mode) error {
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
		q.Files = rec.root.Read(p, sampler.DefaultSourceLimits)
		return hppfile.Write(w, &q, &hppfile.Meta{
			HPPVersion: Version,
			Python:     version,
			Command:    commandLine(pid),
			Start:      rec.start,
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
