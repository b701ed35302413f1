// Package top keeps a live view of a sampled process: what each function
// and thread did since sampling began, drawn as a table that hpp top
// refreshes every second.
package top

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"hpp/internal/profile"
	"hpp/internal/timemode"
)

// Model accumulates the samples of successive recordings of one process.
type Model struct {
	PID     int
	Version string
	funcs   map[funcKey]*funcRow // by function: name, file, first line
	lines   map[funcKey]*funcRow // by line: name, file, the line executing
	threads map[int64]*threadRow
	order   []int64 // thread ids in the order first seen
	rounds  int64   // sampling rounds since the start
	last    struct {
		rounds int64
		held   int64 // samples holding the GIL in the last chunk
	}
	cpu cpuClock // the whole process
	// others are the CPU clocks of the other processes seen (hpp top
	// --subprocesses), by pid.
	others   map[int]*cpuClock
	Chunks   []*profile.Profile
	Elapsed  time.Duration
	ProcCPU  float64 // the process's CPU use over the last chunk, in cores
	NumCPU   int
	Exited   bool
	Torn     int
	Samples  int64
	Interval time.Duration
	// HostTIDs, when set, maps the thread ids of samples to /proc's (they
	// differ for a target in its own pid namespace, a container).
	HostTIDs func() map[int]int
}

type funcKey struct {
	name, file string
	line       int
}

type funcRow struct {
	key funcKey
	// own counts samples whose leaf is the function, total those whose
	// stack holds it (once per sample), both per thread and state.
	own, total map[int64]*timemode.Counts
}

type threadRow struct {
	id    int64
	pid   int // its process
	name  string
	all   timemode.Counts // since the start
	last  timemode.Counts // in the last chunk
	cpu   cpuClock
	usage float64 // CPU use over the last chunk, in cores
	host  int     // its id in /proc here
}

// hostTID is the /proc id of thread tid.
func (m *Model) hostTID(tid int64) int {
	if m.HostTIDs != nil {
		if h, ok := m.HostTIDs()[int(tid)]; ok {
			return h
		}
	}
	return int(tid)
}

// NewModel starts an empty model of process pid.
func NewModel(pid int, version string, numCPU int) *Model {
	m := &Model{PID: pid, Version: version, NumCPU: numCPU, funcs: map[funcKey]*funcRow{}, lines: map[funcKey]*funcRow{}, threads: map[int64]*threadRow{}, others: map[int]*cpuClock{}}
	m.cpu.mark(procStat(pid, 0))
	return m
}

// Add takes one recording: its samples, the rounds it made and the wall
// time it covered.
func (m *Model) Add(p *profile.Profile, rounds int, torn int, elapsed time.Duration) {
	m.Chunks = append(m.Chunks, p)
	m.Elapsed += elapsed
	m.rounds += int64(rounds)
	m.Torn += torn
	m.last.rounds = int64(rounds)
	m.last.held = 0
	for _, th := range m.threads {
		th.last = timemode.Counts{}
	}
	if p.Samples == nil {
		return
	}
	set := p.Samples
	for i := range set.Samples {
		s := &set.Samples[i]
		st := timemode.StateOf(s)
		var tid int64 = -1
		if s.Thread >= 0 && int(s.Thread) < len(set.Threads) {
			t := set.Threads[s.Thread]
			tid = t.ID
			th := m.threads[tid]
			if th == nil {
				th = &threadRow{id: tid, name: t.Name, pid: m.PID}
				if pi := int(t.Process); len(set.Processes) > 0 && pi >= 0 && pi < len(set.Processes) {
					th.pid = int(set.Processes[pi].PID)
				}
				if th.pid == m.PID {
					th.host = m.hostTID(tid)
				} else {
					// Another process's, as pid sees it from here.
					th.host = int(tid)
					if m.others[th.pid] == nil {
						m.others[th.pid] = &cpuClock{}
						m.others[th.pid].mark(procStat(th.pid, 0))
					}
				}
				th.cpu.mark(procStat(th.pid, th.host))
				m.threads[tid] = th
				m.order = append(m.order, tid)
			}
			th.all[st] += s.Weight
			th.last[st] += s.Weight
		}
		if st == timemode.Held {
			m.last.held += s.Weight
		}
		m.Samples += s.Weight
		seen := map[*funcRow]bool{}
		for j, fr := range s.Stack {
			f := p.Funcs[fr.Func]
			for _, x := range [...]struct {
				rows map[funcKey]*funcRow
				key  funcKey
			}{{m.funcs, funcKey{f.Name, f.File, f.Line}}, {m.lines, funcKey{f.Name, f.File, int(fr.Line)}}} {
				r := x.rows[x.key]
				if r == nil {
					r = &funcRow{key: x.key, own: map[int64]*timemode.Counts{}, total: map[int64]*timemode.Counts{}}
					x.rows[x.key] = r
				}
				if j == 0 {
					add(r.own, tid, st, s.Weight)
				}
				if !seen[r] {
					seen[r] = true
					add(r.total, tid, st, s.Weight)
				}
			}
		}
	}
	if elapsed > 0 {
		cpu := m.cpu.mark(procStat(m.PID, 0))
		for pid, c := range m.others {
			cpu += c.mark(procStat(pid, 0))
		}
		m.ProcCPU = cpu / elapsed.Seconds()
		for _, th := range m.threads {
			th.usage = th.cpu.mark(procStat(th.pid, th.host)) / elapsed.Seconds()
		}
	}
}

func add(m map[int64]*timemode.Counts, tid int64, st timemode.State, w int64) {
	c := m[tid]
	if c == nil {
		c = &timemode.Counts{}
		m[tid] = c
	}
	c[st] += w
}

// Sort orders the function rows.
type Sort int

const (
	ByOwn Sort = iota
	ByTotal
	ByName
)

var sortNames = [...]string{ByOwn: "own", ByTotal: "total", ByName: "name"}

func (s Sort) String() string { return sortNames[s] }

// View is what the user chose to see.
type View struct {
	Sort   Sort
	Mode   timemode.Mode
	Idle   bool // in cpu mode, count idle and waiting samples too
	Thread int  // 0: all threads; n: the n-th thread in header order
	// Process, with several processes: 0 all; n the n-th in the order
	// their threads were first seen (the P key steps through them).
	Process int
	Paused  bool
	Lines   bool // a row per source line rather than per function
}

// Source gives the text of a line of a file, "" when it is not at hand.
type Source func(file string, line int) string

// Escape makes a name read from the target safe to print on a terminal.
type Escape func(string) string

// Render draws the model as lines of at most width columns, the function
// table cut to fit height lines in all (height ≤ 0: no limit).
func (m *Model) Render(v View, width, height int, esc Escape) []string {
	return m.RenderSource(v, width, height, esc, nil)
}

// RenderSource is Render that shows each line's text in the lines view.
func (m *Model) RenderSource(v View, width, height int, esc Escape, src Source) []string {
	var out []string
	line := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		if width > 0 && len([]rune(s)) > width {
			s = string([]rune(s)[:width])
		}
		out = append(out, s)
	}
	state := ""
	if v.Paused {
		state = " [paused]"
	}
	if m.Exited {
		state += " [process exited]"
	}
	gilShare := 0.0
	if m.last.rounds > 0 {
		gilShare = float64(m.last.held) / float64(m.last.rounds)
	}
	line("hpp top: process %d (Python %s)  %.0fs  %d samples  mode %s%s  sort %s%s",
		m.PID, m.Version, m.Elapsed.Seconds(), m.Samples, v.Mode, idleNote(v), v.Sort, state)
	if len(m.others) == 0 {
		line("process: GIL held %.0f%% of the time, CPU %.0f%% (%.2f of %d cores)", 100*gilShare, 100*m.ProcCPU, m.ProcCPU, m.NumCPU)
	} else {
		// Each process has a GIL of its own: the share is their mean.
		shown := ""
		if pid := m.nthPID(v.Process); pid != 0 {
			shown = fmt.Sprintf("; showing process %d (P: next)", pid)
		}
		line("%d processes: a GIL held %.0f%% of the time, CPU %.0f%% (%.2f of %d cores)%s", 1+len(m.others), 100*gilShare, 100*m.ProcCPU, m.ProcCPU, m.NumCPU, shown)
	}
	var only int64 = -1
	onlyPid := m.nthPID(v.Process)
	keep := func(tid int64) bool {
		return (only < 0 || tid == only) && (onlyPid == 0 || m.threads[tid] != nil && m.threads[tid].pid == onlyPid)
	}
	for i, id := range m.order {
		th := m.threads[id]
		mark := " "
		if v.Thread == i+1 {
			mark = ">"
			only = id
		} else if onlyPid != 0 && th.pid == onlyPid {
			mark = "+"
		}
		pid := ""
		if len(m.others) > 0 {
			pid = fmt.Sprintf(" pid %-7d", th.pid)
		}
		line("%s%2d%s thread %-7d %-16s %-8s CPU %3.0f%%  GIL %3.0f%%  no GIL %3.0f%%  wait %3.0f%%  idle %3.0f%%",
			mark, i+1, pid, id, esc(th.name), stateWord(th.last), 100*th.usage,
			100*th.all.Share(timemode.Held), 100*th.all.Share(timemode.Free),
			100*th.all.Share(timemode.Waiting), 100*th.all.Share(timemode.Idle))
	}
	line("")
	rowsOf, what := m.funcs, "function (file:line)"
	if v.Lines {
		rowsOf, what = m.lines, "function (file:line)  source"
	}
	line("%6s %6s %8s %5s  %s", "own%", "total%", "samples", "GIL%", what)

	type row struct {
		key             funcKey
		own, total, gil int64 // in the mode; gil: all samples holding it
		all             int64 // all samples, whatever the mode
	}
	var rows []row
	var denom int64
	for _, id := range m.order {
		if !keep(id) {
			continue
		}
		th := m.threads[id]
		for s := timemode.State(0); s < timemode.NStates; s++ {
			if timemode.KeepState(v.Mode, v.Idle, s) {
				denom += th.all[s]
			}
		}
	}
	for _, r := range rowsOf {
		var x row
		x.key = r.key
		sum := func(cs map[int64]*timemode.Counts) (kept, held int64) {
			for tid, c := range cs {
				if !keep(tid) {
					continue
				}
				for s := timemode.State(0); s < timemode.NStates; s++ {
					if timemode.KeepState(v.Mode, v.Idle, s) {
						kept += c[s]
					}
				}
				held += c[timemode.Held]
			}
			return
		}
		x.own, _ = sum(r.own)
		var held int64
		x.total, held = sum(r.total)
		if x.total == 0 {
			continue
		}
		x.gil = held
		var all int64
		for tid, c := range r.total {
			if keep(tid) {
				all += c.Total()
			}
		}
		x.all = all
		rows = append(rows, x)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch v.Sort {
		case ByTotal:
			if a.total != b.total {
				return a.total > b.total
			}
		case ByName:
			if a.key.name != b.key.name {
				return a.key.name < b.key.name
			}
		default:
			if a.own != b.own {
				return a.own > b.own
			}
			if a.total != b.total {
				return a.total > b.total
			}
		}
		if a.key.name != b.key.name {
			return a.key.name < b.key.name
		}
		if a.key.file != b.key.file {
			return a.key.file < b.key.file
		}
		return a.key.line < b.key.line
	})
	pct := func(n int64) float64 {
		if denom == 0 {
			return 0
		}
		return 100 * float64(n) / float64(denom)
	}
	for _, r := range rows {
		if height > 0 && len(out) >= height-1 {
			break
		}
		gil := 0.0
		if r.all > 0 {
			gil = 100 * float64(r.gil) / float64(r.all)
		}
		text := ""
		if v.Lines && src != nil {
			if t := strings.TrimSpace(src(r.key.file, r.key.line)); t != "" {
				text = "  " + esc(t)
			}
		}
		line("%6.1f %6.1f %8d %5.0f  %s (%s:%d)%s", pct(r.own), pct(r.total), r.total, gil, esc(r.key.name), esc(r.key.file), r.key.line, text)
	}
	if height > 0 {
		for len(out) < height-1 {
			out = append(out, "")
		}
		line("keys: o/t/n sort own/total/name  m mode  i idle  l lines  0-9 thread  p pause  r write profile  q quit")
	}
	return out
}

func idleNote(v View) string {
	if v.Mode == timemode.CPU && v.Idle {
		return "+idle"
	}
	return ""
}

// stateWord names what a thread did most in the last chunk.
func stateWord(c timemode.Counts) string {
	if c.Total() == 0 {
		return "gone"
	}
	best := timemode.State(0)
	for s := timemode.State(1); s < timemode.NStates; s++ {
		if c[s] > c[best] {
			best = s
		}
	}
	return strings.ReplaceAll(best.String(), " ", "-")
}

// nthPID is the pid of the n-th process in the order its threads were
// first seen, 0 for n = 0 or past the last.
func (m *Model) nthPID(n int) int {
	if n <= 0 {
		return 0
	}
	seen := map[int]bool{}
	for _, id := range m.order {
		pid := m.threads[id].pid
		if !seen[pid] {
			seen[pid] = true
			if len(seen) == n {
				return pid
			}
		}
	}
	return 0
}

// NumProcesses is the number of processes whose threads were sampled.
func (m *Model) NumProcesses() int { return 1 + len(m.others) }
