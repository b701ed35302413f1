package sampler

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "capture testdata/snapshots from live targets")

// snapshotFile is a captured target with the stacks it reported about
// itself at the time (the reporter thread left out).
type snapshotFile struct {
	Snapshot *Snapshot          `json:"snapshot"`
	Expect   map[string][]Frame `json:"expect"` // thread id → frames
}

func writeSnapshotFile(t *testing.T, path string, sf *snapshotFile) { writeGzipJSON(t, path, sf) }

func readSnapshotFile(tb testing.TB, path string) *snapshotFile {
	var sf snapshotFile
	readGzipJSON(tb, path, &sf)
	return &sf
}

// writeGzipJSON writes v as gzipped JSON to path (the snapshots in
// testdata).
func writeGzipJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		tb.Fatal(err)
	}
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// readGzipJSON reads the gzipped JSON file path into v.
func readGzipJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.NewDecoder(zr).Decode(v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// TestCaptureSnapshots (with -update) captures each interpreter running
// testdata/target.py, keeping the target's own report as the expectation.
func TestCaptureSnapshots(t *testing.T) {
	if !*update {
		t.Skip("run with -update to capture snapshots")
	}
	os.MkdirAll("testdata/snapshots", 0o755)
	for label, py := range interpreters(t) {
		if strings.HasPrefix(label, "pidns-") {
			continue // the same memory as the interpreter outside a namespace
		}
		t.Run(label, func(t *testing.T) {
			_, self := startTarget(t, py)
			tg, err := Attach(self.hostPID)
			if err != nil {
				t.Fatal(err)
			}
			_, snap, err := tg.Capture()
			if err != nil {
				t.Fatal(err)
			}
			// Paths differ between machines; keep them as the target saw them.
			sf := &snapshotFile{Snapshot: snap, Expect: map[string][]Frame{}}
			for id, th := range self.Threads {
				if n, _ := strconv.ParseUint(id, 10, 64); n == self.Reporter {
					continue
				}
				for _, f := range th.Frames {
					sf.Expect[id] = append(sf.Expect[id], Frame{File: f[0].(string), Line: int(f[1].(float64)), Name: f[2].(string)})
				}
			}
			writeSnapshotFile(t, filepath.Join("testdata/snapshots", label+".json.gz"), sf)
		})
	}
}

// TestSnapshots walks each captured snapshot without a process and checks
// the stacks against what the target said about itself when captured.
func TestSnapshots(t *testing.T) {
	files, _ := filepath.Glob("testdata/snapshots/*.json.gz")
	if len(files) == 0 {
		t.Fatal("no snapshots in testdata/snapshots (go test -run TestCaptureSnapshots -update)")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			sf := readSnapshotFile(t, path)
			tg, err := FromSnapshot(sf.Snapshot)
			if err != nil {
				t.Fatal(err)
			}
			threads, err := tg.Threads()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]Frame{}
			for _, th := range threads {
				got[strconv.FormatUint(th.ID, 10)] = th.Frames
			}
			t.Run("first walk", func(t *testing.T) { checkSnapshotStacks(t, sf, got) })
			// The second walk reads the thread lists as the first found
			// them, with every thread's stack read ahead in one batch.
			if _, _, ok := tg.threadsKnown(); !ok {
				t.Fatal("the snapshot's thread lists do not read as the first walk found them")
			}
			threads, err = tg.Threads()
			if err != nil {
				t.Fatal(err)
			}
			got = map[string][]Frame{}
			for _, th := range threads {
				got[strconv.FormatUint(th.ID, 10)] = th.Frames
			}
			t.Run("known lists", func(t *testing.T) { checkSnapshotStacks(t, sf, got) })
		})
	}
}

// checkSnapshotStacks compares walked stacks with what the target said.
func checkSnapshotStacks(t *testing.T, sf *snapshotFile, got map[string][]Frame) {
	t.Helper()
	for id, want := range sf.Expect {
		var g, w []string
		for _, f := range got[id] {
			g = append(g, frameString(f))
		}
		for _, f := range want {
			w = append(w, frameString(f))
		}
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("thread %s:\nsnapshot walk:\n  %s\nexpected:\n  %s", id, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
		}
	}
}

// flipped is a copy of snapshot s with the byte at offset pos (counted
// through its regions, modulo their size) xored with x, and at pos2 with x2.
func flipped(s *Snapshot, pos uint32, x uint8, pos2 uint32, x2 uint8) *Snapshot {
	regions := make([]Region, len(s.Regions))
	total := 0
	for i, r := range s.Regions {
		regions[i] = Region{Addr: r.Addr, Data: append([]byte(nil), r.Data...)}
		total += len(r.Data)
	}
	flip := func(p uint32, v uint8) {
		at := int(p) % total
		for i := range regions {
			if at < len(regions[i].Data) {
				regions[i].Data[at] ^= v
				return
			}
			at -= len(regions[i].Data)
		}
	}
	flip(pos, x)
	flip(pos2, x2)
	c := *s
	c.Regions = regions
	return &c
}

// FuzzWalkCorrupted walks snapshots with bytes flipped: the walker must
// return errors, never panic, loop, or hand out names that are not text.
func FuzzWalkCorrupted(f *testing.F) {
	files, _ := filepath.Glob("testdata/snapshots/*.json.gz")
	if len(files) == 0 {
		f.Skip("no snapshots")
	}
	var snaps []*snapshotFile
	for _, p := range files {
		snaps = append(snaps, readSnapshotFile(f, p))
	}
	f.Add(uint8(0), uint32(0), uint8(0xff), uint32(100), uint8(1))
	f.Add(uint8(1), uint32(5000), uint8(0x80), uint32(7), uint8(0x10))
	f.Fuzz(func(t *testing.T, which uint8, pos uint32, x uint8, pos2 uint32, x2 uint8) {
		s := flipped(snaps[int(which)%len(snaps)].Snapshot, pos, x, pos2, x2)
		tg, err := FromSnapshot(s)
		if err != nil {
			return
		}
		// Twice: the second walk reads the thread lists as the first
		// found them, with each thread's data in the same batch.
		for range 2 {
			threads, err := tg.Threads()
			if err != nil {
				return
			}
			for _, th := range threads {
				if len(th.Frames) > maxDepth {
					t.Fatalf("%d frames", len(th.Frames))
				}
				for _, fr := range th.Frames {
					for _, s := range []string{fr.Name, fr.File} {
						if !utf8.ValidString(s) {
							t.Fatalf("name is not UTF-8: %q", s)
						}
					}
				}
			}
		}
	})
}
