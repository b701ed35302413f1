package sampler

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hpp/internal/cpython"
	"hpp/internal/profile"
)

// namesScript starts threads named in ASCII and not, one with threading's
// default name and one whose instance dict was made a real dict, and
// prints threading's own {ident: name}; then for each line read it starts
// one more thread of that name and prints the names again. "raw" starts
// a thread threading does not know, "register" makes it known (as
// Dummy-N).
const namesScript = `
import json, sys, threading
ev = threading.Event()
def start(name=None):
    t = threading.Thread(target=ev.wait, name=name)
    t.daemon = True
    t.start()
    return t
def report():
    sys.stdout.write(json.dumps(dict((str(t.ident), t.name) for t in threading.enumerate())) + "\n")
    sys.stdout.flush()
ts = [start(n) for n in ("worker-1", u"w\u00f6rker-2", u"\u7ebf\u7a0b-3", None)]
ts[1].__dict__["extra"] = 1
report()
go, running, registered = threading.Event(), threading.Semaphore(0), threading.Semaphore(0)
def raw():
    running.release()
    go.wait()
    threading.current_thread()  # enters threading._active as Dummy-N
    registered.release()
    ev.wait()
for line in iter(sys.stdin.readline, ""):
    line = line.strip()
    if line == "raw":
        import _thread
        _thread.start_new_thread(raw, ())
        running.acquire()
    elif line == "register":
        go.set()
        registered.acquire()
    else:
        start(line)
    report()
`

// namedTarget is a running namesScript.
type namedTarget struct {
	pid int
	in  io.Writer
	out *bufio.Reader
}

func startNamed(t testing.TB, py string) *namedTarget {
	t.Helper()
	args := []string{py, "-c", namesScript}
	if rest, ok := strings.CutPrefix(py, "chroot:"); ok {
		dir, bin, _ := strings.Cut(rest, ":")
		args = []string{"chroot", dir, bin, "-c", namesScript}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &namedTarget{pid: cmd.Process.Pid, in: in, out: bufio.NewReader(out)}
}

// names reads the target's next report.
func (n *namedTarget) names(t testing.TB) map[uint64]string {
	t.Helper()
	line, err := n.out.ReadString('\n')
	if err != nil {
		t.Fatalf("target: %q %v", line, err)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("target: %q %v", line, err)
	}
	out := map[uint64]string{}
	for k, v := range m {
		id, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			t.Fatalf("target: ident %q", k)
		}
		out[id] = v
	}
	return out
}

// TestThreadNamesLive checks the names of Dump's and Record's threads
// against threading's own, on every interpreter. From 3.14 they come from
// comm, which CPython sets to threading's name, except the main thread's:
// that keeps the executable's name.
func TestThreadNamesLive(t *testing.T) {
	for label, py := range interpreters(t) {
		if strings.HasPrefix(py, "pidns:") {
			continue // the same interpreters again: names do not depend on pid namespaces
		}
		t.Run(label, func(t *testing.T) {
			tn := startNamed(t, py)
			want := tn.names(t)
			tg, err := Attach(tn.pid)
			if err != nil {
				t.Fatal(err)
			}
			if tg.Minor >= 14 {
				comm, _ := os.ReadFile("/proc/" + strconv.Itoa(tn.pid) + "/comm")
				for id, name := range want {
					if name == "MainThread" {
						want[id] = strings.TrimSpace(string(comm))
					}
				}
			}
			threads, err := tg.Dump()
			if err != nil {
				t.Fatal(err)
			}
			got := map[uint64]string{}
			for _, th := range threads {
				got[th.ID] = th.Name
			}
			for id, name := range want {
				if got[id] != name {
					t.Errorf("dump: thread %d named %q, threading says %q", id, got[id], name)
				}
			}

			// A recording names its threads too, those started while it
			// runs among them.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				p   *profile.Profile
				err error
			}
			done := make(chan result, 1)
			go func() {
				p, _, err := tg.Record(ctx, RecordOptions{Rate: 200, Duration: 10 * time.Second})
				done <- result{p, err}
			}()
			time.Sleep(100 * time.Millisecond)
			io.WriteString(tn.in, "late-w\u00f6rker\n")
			want = tn.names(t)
			// A thread that threading learns of only after the recording
			// first saw it (Debian's 3.11 and pyenv's 3.6 only: what
			// renames it is the same for every version, and it takes
			// a while).
			late := label == "debian-python3" || strings.HasPrefix(label, "pyenv-3.6")
			if late && tg.Minor <= 13 {
				io.WriteString(tn.in, "raw\n")
				tn.names(t)
				time.Sleep(100 * time.Millisecond)
				io.WriteString(tn.in, "register\n")
				want = tn.names(t)
				time.Sleep(600 * time.Millisecond)
			} else {
				time.Sleep(300 * time.Millisecond)
			}
			cancel()
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			recorded := map[string]bool{}
			for _, th := range r.p.Samples.Threads {
				recorded[th.Name] = true
			}
			for _, name := range want {
				if name == "MainThread" && tg.Minor >= 14 {
					continue
				}
				if !recorded[name] {
					t.Errorf("record: no thread named %q among %v", name, r.p.Samples.Threads)
				}
			}
		})
	}
}

// namesFile is a snapshot of what reading a target's thread names read,
// with threading's own names (by ident) at the time.
type namesFile struct {
	Snapshot *Snapshot         `json:"snapshot"`
	Names    map[string]string `json:"names"`
}

// TestCaptureNames (with -update) captures each interpreter before 3.14
// running namesScript into testdata/names.
func TestCaptureNames(t *testing.T) {
	if !*update {
		t.Skip("run with -update to capture snapshots")
	}
	os.MkdirAll("testdata/names", 0o755)
	for label, py := range interpreters(t) {
		if strings.HasPrefix(label, "pidns-") {
			continue
		}
		t.Run(label, func(t *testing.T) {
			tn := startNamed(t, py)
			want := tn.names(t)
			tg, err := Attach(tn.pid)
			if err != nil {
				t.Fatal(err)
			}
			if tg.Minor >= 14 {
				t.Skip("names from comm")
			}
			rec := &recorder{mem: tg.mem}
			tg.mem = rec
			if tg.Minor >= 13 {
				tg.read(tg.runtime, cpython.DebugOffsetsSize)
			}
			tg.threadNames()
			nf := &namesFile{Snapshot: &Snapshot{Version: tg.Version, Binary: tg.Binary, Symbols: tg.symbols, Regions: mergeRegions(rec.reads)}, Names: map[string]string{}}
			for id, name := range want {
				nf.Names[strconv.FormatUint(id, 10)] = name
			}
			writeGzipJSON(t, filepath.Join("testdata/names", label+".json.gz"), nf)
		})
	}
}

func readNamesFiles(tb testing.TB) map[string]*namesFile {
	tb.Helper()
	files, _ := filepath.Glob("testdata/names/*.json.gz")
	if len(files) == 0 {
		tb.Fatal("no snapshots in testdata/names (go test -run TestCaptureNames -update)")
	}
	out := map[string]*namesFile{}
	for _, path := range files {
		var nf namesFile
		readGzipJSON(tb, path, &nf)
		out[filepath.Base(path)] = &nf
	}
	return out
}

// TestThreadNamesSnapshots reads the names from each captured snapshot,
// which must give threading's, then from 1000 copies with random bytes
// changed: every read must end without a panic, and any name it gives
// must be well-formed text of bounded length.
func TestThreadNamesSnapshots(t *testing.T) {
	for file, nf := range readNamesFiles(t) {
		t.Run(file, func(t *testing.T) {
			tg, err := FromSnapshot(nf.Snapshot)
			if err != nil {
				t.Fatal(err)
			}
			names := tg.threadNames()
			for id, want := range nf.Names {
				n, _ := strconv.ParseUint(id, 10, 64)
				if names[n] != want {
					t.Errorf("thread %s: %q, threading said %q", id, names[n], want)
				}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			named, wrong := 0, 0
			for i := 0; i < 1000; i++ {
				regions := make([]Region, len(nf.Snapshot.Regions))
				for j, r := range nf.Snapshot.Regions {
					regions[j] = Region{Addr: r.Addr, Data: append([]byte(nil), r.Data...)}
				}
				for k := 0; k < 1+rng.IntN(4); k++ {
					r := regions[rng.IntN(len(regions))]
					r.Data[rng.IntN(len(r.Data))] = byte(rng.Uint32())
				}
				s := *nf.Snapshot
				s.Regions = regions
				named += checkCorruptedNames(t, &s, func(id uint64, name string) {
					if name != names[id] {
						wrong++ // a changed byte of the name itself, or of an ident
					}
				})
			}
			t.Logf("%d regions, %d bytes; %d names read from 1000 corrupted copies, %d of them not the target's", len(nf.Snapshot.Regions), bytesIn(nf.Snapshot.Regions), named, wrong)
		})
	}
}

// checkCorruptedNames reads the names of a corrupted snapshot, fails on
// any that is not well-formed, bounded text, and hands each to seen.
func checkCorruptedNames(t *testing.T, s *Snapshot, seen func(uint64, string)) int {
	t.Helper()
	tg, err := FromSnapshot(s)
	if err != nil {
		return 0 // the version's own table was hit
	}
	names := tg.threadNames()
	for id, name := range names {
		if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxString {
			t.Fatalf("thread %d named %q", id, name)
		}
		if seen != nil {
			seen(id, name)
		}
	}
	return len(names)
}

func bytesIn(rs []Region) int {
	n := 0
	for _, r := range rs {
		n += len(r.Data)
	}
	return n
}

// FuzzThreadNamesCorrupted reads names from the snapshots with bytes
// flipped: no panic, no runaway, only well-formed names.
func FuzzThreadNamesCorrupted(f *testing.F) {
	var snaps []*namesFile
	for _, nf := range readNamesFiles(f) {
		snaps = append(snaps, nf)
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Snapshot.Version < snaps[j].Snapshot.Version })
	f.Add(uint8(0), uint32(0), uint8(0xff), uint32(100), uint8(1))
	f.Add(uint8(5), uint32(5000), uint8(0x80), uint32(7), uint8(0x10))
	f.Fuzz(func(t *testing.T, which uint8, pos uint32, x uint8, pos2 uint32, x2 uint8) {
		checkCorruptedNames(t, flipped(snaps[int(which)%len(snaps)].Snapshot, pos, x, pos2, x2), nil)
	})
}

// BenchmarkThreadNames reads the names of namesScript's six threads on
// Debian's python3: "lookup" finds threading._active through sys.modules
// as a dump does, "cached" rereads the dict found before, as a recording
// does when a thread appears.
func BenchmarkThreadNames(b *testing.B) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		b.Skip("no /usr/bin/python3")
	}
	tn := startNamed(b, "/usr/bin/python3")
	tn.names(b)
	tg, err := Attach(tn.pid)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"lookup", "cached"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				if mode == "lookup" {
					tg.activeDict = 0
				}
				if len(tg.threadNames()) < 5 {
					b.Fatal("names missing")
				}
			}
		})
	}
}
