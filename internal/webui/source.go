package webui

import (
	"io"
	"os"
	"sort"
	"strings"

	"hpp/internal/profile"
)

// The page's source panel shows files' texts. Texts embedded in the
// profile are sent as they are; other files are read from disk when the
// page is made, within these caps, so that a profile of a big program
// does not turn into a page of hundreds of MB. The files are those the
// profile's functions name and nothing else: the server never reads a
// path a request names.
const (
	maxSourceFile  = 512 << 10 // bytes of one file read from disk
	maxSourceFiles = 64        // files read from disk
	maxSourceTotal = 4 << 20   // bytes read from disk in all
	maxSourceTries = 1024      // files looked for on disk
)

// sourceText is one file's text for the page and where it came from.
type sourceText struct {
	path string
	text []byte
	disk bool // read from disk when the page was made, not embedded in the profile
}

// sourceTexts returns the texts of the files p's functions are in: those
// embedded in p (Profile.Files) and, for the other files, those that are
// regular files on disk, the files with the most time first.
func sourceTexts(p *profile.Profile) []sourceText {
	weight := map[string]float64{}
	for i := range p.Funcs {
		f := &p.Funcs[i]
		if !diskCandidate(f.File) {
			continue
		}
		weight[f.File] += f.CumTime
	}
	if s := p.Samples; s != nil {
		// Sampled functions have no Stats: weigh a file by the samples
		// that ran in it.
		for i := range s.Samples {
			smp := &s.Samples[i]
			if len(smp.Stack) > 0 && int(smp.Stack[0].Func) < len(p.Funcs) {
				if file := p.Funcs[smp.Stack[0].Func].File; diskCandidate(file) {
					weight[file] += float64(smp.Weight)
				}
			}
		}
	}
	var out []sourceText
	embedded := map[string]bool{}
	for _, f := range p.Files {
		if _, named := weight[f.Path]; !named || embedded[f.Path] {
			continue
		}
		embedded[f.Path] = true
		out = append(out, sourceText{path: f.Path, text: f.Text})
	}
	var paths []string
	for path := range weight {
		if !embedded[path] {
			paths = append(paths, path)
		}
	}
	sort.Slice(paths, func(i, j int) bool {
		if weight[paths[i]] != weight[paths[j]] {
			return weight[paths[i]] > weight[paths[j]]
		}
		return paths[i] < paths[j]
	})
	total := 0
	for tried, path := range paths {
		// A profile from another machine names files that are not
		// here: stop looking after a bounded number of tries.
		if len(out)-len(embedded) >= maxSourceFiles || total >= maxSourceTotal || tried >= maxSourceTries {
			break
		}
		text, ok := readSource(path, min(maxSourceFile, maxSourceTotal-total))
		if !ok {
			continue
		}
		total += len(text)
		out = append(out, sourceText{path: path, text: text, disk: true})
	}
	return out
}

// diskCandidate says whether a function's file name can be a file:
// built-ins ("~") and names such as <string> or <frozen os> are not.
func diskCandidate(path string) bool {
	return path != "" && path != "~" && !strings.HasPrefix(path, "<")
}

// readSource reads path if it is a regular file of at most limit bytes.
// Text that is not UTF-8 reaches the page with U+FFFD in its place
// (jsonw.AppendString). A file it cannot read is left out: the panel then says the
// source is not available.
func readSource(path string, limit int) ([]byte, bool) {
	// Opening a FIFO blocks until someone writes to it: look before
	// opening, then check the file opened, which is what is read.
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() > int64(limit) {
		return nil, false
	}
	// One buffer of the size stat gave, and a byte more to see a file
	// that grew since.
	text := make([]byte, st.Size()+1)
	n, err := io.ReadFull(f, text)
	if (err != io.ErrUnexpectedEOF && err != io.EOF) || n > limit {
		return nil, false
	}
	return text[:n], true
}
