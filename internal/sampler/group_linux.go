package sampler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"hpp/internal/procmem"
	"hpp/internal/profile"
)

// scanEvery is how often a group recording looks for new descendants.
const scanEvery = 100 * time.Millisecond

// readyScans is how many scans a new Python process may take to have an
// interpreter hpp can sample: a child started by exec needs it to be
// initialised. A process with no interpreter in its files at all (a
// shell) is left alone after exeScans; it is tried again if it execs.
const (
	readyScans = 10
	exeScans   = 2
)

// RecordGroup samples process pid and every CPython process descended from
// it, as Record samples one, until the duration ends, ctx is done, or all
// of them have exited. Children that start while recording join as they
// appear. It returns one profile: each thread carries its process, and
// SampleSet.Processes lists them (pid, parent, command line). The process
// pid itself need not be Python (a shell script, make): its Python
// descendants are followed all the same.
//
// Each process is sampled by Record in a goroutine of its own, at the
// rate, with its own Target (and so its own caches); the group only finds
// the processes and puts their samples together. A process that stalls a
// read (a fault, a tear) delays no other's rounds, and on a machine with
// several cores the processes are sampled in parallel.
func RecordGroup(ctx context.Context, pid int, opts RecordOptions) (*profile.Profile, GroupStats, error) {
	var gs GroupStats
	if opts.Rate <= 0 {
		return nil, gs, fmt.Errorf("sampling rate %g: must be above 0", opts.Rate)
	}
	if !alive(pid) {
		return nil, gs, &procmem.GoneError{PID: pid}
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	g := &group{ctx: ctx, opts: opts, root: pid, procs: map[int]*member{}, ended: make(chan struct{}, 1)}
	g.start = time.Now()
	g.procs[pid] = &member{pid: pid, code: startCode(pid)}
	if err := g.tryAttach(g.procs[pid]); err != nil {
		return nil, gs, err
	}
	ticker := time.NewTicker(scanEvery)
	defer ticker.Stop()
	lastFlush, lastProgress := g.start, g.start
	for {
		g.scan()
		if g.finished() {
			gs.Exited = true
			break
		}
		now := time.Now()
		if opts.Flush != nil && now.Sub(lastFlush) >= opts.FlushEvery {
			g.flush(now.Sub(lastFlush))
			lastFlush = now
		}
		if opts.Progress != nil && now.Sub(lastProgress) >= 500*time.Millisecond {
			lastProgress = now
			opts.Progress(g.progress(now.Sub(g.start)))
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		case <-g.ended:
		}
		if ctx.Err() != nil {
			break
		}
	}
	for _, m := range g.recorders {
		m.cancel()
	}
	g.wg.Wait()
	gs.Elapsed = time.Since(g.start)
	gs.NotPython, gs.Vanished = g.notPython, g.vanished
	// What was handed to no Flush, then each process's last part.
	ps := g.parts
	for _, m := range g.recorders {
		ps = append(ps, m.result)
		st := m.stats
		gs.Processes = append(gs.Processes, ProcessStats{Process: m.info, RecordStats: st, Err: m.err})
		gs.Ticks += st.Ticks
		gs.Samples += st.Samples
		gs.Torn += st.Torn
		gs.Threads += st.Threads
	}
	if gs.Elapsed > 0 {
		gs.Achieved = float64(gs.Ticks) / gs.Elapsed.Seconds()
	}
	var nonNil []*profile.Profile
	for _, p := range ps {
		if p != nil {
			nonNil = append(nonNil, p)
		}
	}
	p := profile.Merge(nonNil...)
	if p.Samples == nil {
		period := time.Duration(float64(time.Second) / opts.Rate)
		p.Samples = &profile.SampleSet{Unit: "samples", PeriodNS: int64(period)}
	}
	return p, gs, nil
}

// A group is a recording of several processes.
type group struct {
	ctx   context.Context
	opts  RecordOptions
	root  int
	start time.Time
	// procs are the processes followed, attached or not, by pid: their
	// children are looked for at every scan.
	procs     map[int]*member
	recorders []*member // attached, in order
	notPython int
	vanished  int
	wg        sync.WaitGroup
	ended     chan struct{} // a recorder stopped

	mu     sync.Mutex
	parts  []*profile.Profile // handed over by recorders, not yet flushed
	counts RecordStats        // the parts' counts
}

// A member is one process of the group.
type member struct {
	pid    int
	code   uint64 // its start_code: another after an exec
	tries  int    // scans it has not been a Python that could be sampled
	given  bool   // not Python: given up on, only its children followed
	target *Target
	info   profile.Process
	cancel context.CancelFunc
	done   bool

	// Set by the recorder, under group.mu.
	progress RecordStats
	result   *profile.Profile
	stats    RecordStats
	err      string
}

// scan finds new descendants, notices processes that exited or exec'd a
// new program, and attaches to those that have become Python.
func (g *group) scan() {
	var fallback map[int][]int // ppid → children, read from /proc when needed
	queue := make([]int, 0, len(g.procs))
	for pid := range g.procs {
		queue = append(queue, pid)
	}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		kids, ok := childrenOf(pid)
		if !ok {
			if fallback == nil {
				fallback = childrenByParent()
			}
			kids = fallback[pid]
		}
		for _, k := range kids {
			if _, seen := g.procs[k]; !seen {
				g.procs[k] = &member{pid: k, code: startCode(k)}
				queue = append(queue, k)
			}
		}
	}
	for pid, m := range g.procs {
		if !alive(pid) {
			// Gone, or a zombie: a recorder stops by itself.
			if m.target == nil && !m.given {
				g.vanished++
			}
			delete(g.procs, pid)
			continue
		}
		code := startCode(pid)
		if code == 0 {
			continue // exiting: its memory is gone already
		}
		if m.code != 0 && code != m.code {
			// It exec'd another program: what was sampled stays with
			// the old one; the new one is tried afresh.
			if m.cancel != nil {
				m.cancel()
			}
			m = &member{pid: pid, code: code}
			g.procs[pid] = m
		}
		m.code = code
		if m.target == nil && !m.given {
			g.tryAttach(m)
		}
	}
}

// tryAttach attaches to m and starts its recorder once its interpreter is
// ready; until then it counts the tries. Only an error that says the root
// process cannot be read at all is returned.
func (g *group) tryAttach(m *member) error {
	t, err := Attach(m.pid)
	most := exeScans
	if err == nil {
		// An interpreter being set up has no thread state yet; a fork
		// about to exec has, and is sampled until it does.
		if ths, terr := t.Threads(); terr != nil || len(ths) == 0 {
			err = &NotPythonError{PID: m.pid, Why: "its interpreter is not initialised yet"}
			most = readyScans
		}
	}
	if err != nil {
		var np *NotPythonError
		switch {
		case !alive(m.pid):
			// Counted as vanished at the next scan.
		case errors.As(err, &np):
			if m.tries++; m.tries >= most {
				m.given = true
				g.notPython++
			}
		default:
			var ue *UnsupportedError
			if m.pid == g.root && !errors.As(err, &ue) {
				return err // permissions, say: nothing would work
			}
			m.given = true
			g.notPython++
		}
		return nil
	}
	m.target = t
	parent := 0
	if m.pid != g.root {
		parent = parentOf(m.pid)
	}
	m.info = profile.Process{PID: int64(m.pid), Parent: int64(parent), Command: commandLine(m.pid)}
	var ctx context.Context
	ctx, m.cancel = context.WithCancel(g.ctx)
	g.recorders = append(g.recorders, m)
	// Each recorder sleeps between rounds in a raw clock_nanosleep,
	// which keeps its P (see waitUntil): with fewer Ps than recorders
	// they took turns, and 5 processes at 1 kHz got 43% of their rounds.
	if n := len(g.recorders) + 2; runtime.GOMAXPROCS(0) < n {
		runtime.GOMAXPROCS(n)
	}
	g.wg.Add(1)
	go g.record(ctx, m)
	return nil
}

// record runs m's recording and hands its parts to the group.
func (g *group) record(ctx context.Context, m *member) {
	defer g.wg.Done()
	o := g.opts
	o.Duration = 0 // the group's ctx carries it
	o.Progress = func(st RecordStats) {
		g.mu.Lock()
		m.progress = st
		g.mu.Unlock()
	}
	if g.opts.Flush != nil {
		// Parts a quarter of the group's: the group hands over what
		// came in at its own pace, at most a quarter late.
		o.FlushEvery = g.opts.FlushEvery / 4
		o.Flush = func(p *profile.Profile, st RecordStats) {
			m.label(p)
			g.mu.Lock()
			g.parts = append(g.parts, p)
			g.counts.Ticks += st.Ticks
			g.counts.Samples += st.Samples
			g.counts.Torn += st.Torn
			g.mu.Unlock()
		}
	}
	p, st, err := m.target.Record(ctx, o)
	if p != nil {
		m.label(p)
	}
	g.mu.Lock()
	m.result, m.stats, m.done = p, st, true
	if err != nil {
		m.err = err.Error()
	}
	g.mu.Unlock()
	select {
	case g.ended <- struct{}{}:
	default:
	}
}

// label names m as the process of every thread of p.
func (m *member) label(p *profile.Profile) {
	if p.Samples == nil {
		return
	}
	p.Samples.Processes = []profile.Process{m.info}
	for i := range p.Samples.Threads {
		p.Samples.Threads[i].Process = 0
	}
}

// finished says whether every process has ended: nothing left to follow
// and no recorder running.
func (g *group) finished() bool {
	if len(g.procs) > 0 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.recorders {
		if !m.done {
			return false
		}
	}
	return true
}

// flush hands what the recorders sampled since the last flush to
// opts.Flush, as one profile.
func (g *group) flush(elapsed time.Duration) {
	g.mu.Lock()
	parts, st := g.parts, g.counts
	g.parts, g.counts = nil, RecordStats{}
	threads := 0
	for _, m := range g.recorders {
		threads += m.progress.Threads
	}
	g.mu.Unlock()
	st.Elapsed = elapsed
	st.Threads = threads
	if elapsed > 0 {
		st.Achieved = float64(st.Ticks) / elapsed.Seconds()
	}
	p := profile.Merge(parts...)
	if p.Samples == nil {
		p.Samples = &profile.SampleSet{Unit: "samples", PeriodNS: int64(float64(time.Second) / g.opts.Rate)}
	}
	g.opts.Flush(p, st)
}

// progress adds up the recorders' latest counts.
func (g *group) progress(elapsed time.Duration) RecordStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	var st RecordStats
	for _, m := range g.recorders {
		s := m.progress
		if m.done {
			s = m.stats
		}
		st.Ticks += s.Ticks
		st.Samples += s.Samples
		st.Torn += s.Torn
		st.Threads += s.Threads
	}
	st.Elapsed = elapsed
	if elapsed > 0 {
		st.Achieved = float64(st.Ticks) / elapsed.Seconds()
	}
	return st
}

// childrenOf lists the children of every thread of pid from
// /proc/PID/task/TID/children; ok is false when the kernel has no such
// files (built without CONFIG_PROC_CHILDREN).
func childrenOf(pid int) (kids []int, ok bool) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil, true // gone: no children to find
	}
	for _, e := range ents {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, e.Name()))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && alive(pid) {
				if _, err := os.Stat(fmt.Sprintf("/proc/%d/task/%s", pid, e.Name())); err == nil {
					return nil, false
				}
			}
			continue // the thread ended
		}
		for _, f := range strings.Fields(string(b)) {
			if k, err := strconv.Atoi(f); err == nil {
				kids = append(kids, k)
			}
		}
	}
	return kids, true
}

// childrenByParent reads every process's parent from /proc, for kernels
// without the children files.
func childrenByParent() map[int][]int {
	out := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp := parentOf(pid); pp > 0 {
			out[pp] = append(out[pp], pid)
		}
	}
	return out
}

// statFields reads /proc/PID/stat and returns the fields after the
// command name, the first being the state (field 3 of proc(5)).
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// parentOf is the process's parent pid, 0 if it cannot be read.
func parentOf(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// startCode is where the process's program text starts (field 26 of
// /proc/PID/stat): a new program, after an exec, is loaded elsewhere. 0
// when the process is gone or exiting (its memory released).
func startCode(pid int) uint64 {
	f := statFields(pid)
	if len(f) < 24 {
		return 0
	}
	n, _ := strconv.ParseUint(f[23], 10, 64)
	return n
}

// commandLine is the process's arguments joined by spaces.
func commandLine(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.Join(strings.FieldsFunc(string(b), func(r rune) bool { return r == 0 }), " ")
}
