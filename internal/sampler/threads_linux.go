package sampler

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Dump reads every thread's stack once, with what the kernel says about
// each thread: its name, and whether it is running or idle. Before 3.14,
// whose threads all bear the executable's name there, the name is
// threading's, read from the target.
func (t *Target) Dump() ([]Thread, error) {
	threads, err := t.Threads()
	if err != nil {
		return nil, err
	}
	// A thread whose stack changed while it was read (a busy one, before
	// 3.11) gets a few more tries; the first good read of it is shown.
	threads = retryTorn(threads, 8, t.Threads)
	host := taskIDs(t.PID)
	if t.layout.TstateNativeThreadID < 0 {
		t.nativeIDsFromPthread(threads, host)
	}
	names := t.threadNames() // threading's names, before 3.14
	for i := range threads {
		th := &threads[i]
		if tid, ok := host[th.NativeID]; ok && th.NativeID != 0 {
			th.Name, th.State = taskInfo(t.PID, tid)
			if !th.GIL && th.State == "idle" {
				th.GILWait = gilWait(readSyscall(t.PID, tid, nil), th.gilLo, th.gilHi)
			}
		}
		if name, ok := names[th.ID]; ok {
			th.Name = name
		}
	}
	return threads, nil
}

// retryTorn walks again with walk, at most tries times, while some
// thread's stack tore, and takes the first good read of each such thread;
// threads read well the first time keep that read.
func retryTorn(threads []Thread, tries int, walk func() ([]Thread, error)) []Thread {
	for try := 0; try < tries && anyTorn(threads); try++ {
		again, err := walk()
		if err != nil {
			break
		}
		for i := range threads {
			if threads[i].Err == "" {
				continue
			}
			for j := range again {
				if again[j].tstate == threads[i].tstate && again[j].Err == "" {
					threads[i] = again[j]
					break
				}
			}
		}
	}
	return threads
}

func anyTorn(threads []Thread) bool {
	for i := range threads {
		if threads[i].Err != "" {
			return true
		}
	}
	return false
}

// taskInfo reads a thread's name and scheduler state from /proc.
func taskInfo(pid, tid int) (name, state string) {
	dir := fmt.Sprintf("/proc/%d/task/%d/", pid, tid)
	if b, err := os.ReadFile(dir + "comm"); err == nil {
		name = strings.TrimSuffix(string(b), "\n")
	}
	if b, err := os.ReadFile(dir + "stat"); err == nil {
		// "tid (comm) S ...": comm may hold spaces and parentheses, so
		// the state follows the last ')'.
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
			if s[i+2] == 'R' {
				state = "running"
			} else {
				state = "idle"
			}
		}
	}
	return name, state
}

// readSyscall reads /proc/PID/task/TID/syscall, the system call a
// blocked thread is in: "202 0xADDR 0x80 ..." (number, then arguments),
// "running", or "-1 SP PC" when it is blocked outside a call. f, when set,
// is the file kept open.
func readSyscall(pid, tid int, f *os.File) string {
	var buf [128]byte
	if f == nil {
		var err error
		if f, err = os.Open(fmt.Sprintf("/proc/%d/task/%d/syscall", pid, tid)); err != nil {
			return ""
		}
		defer f.Close()
	}
	n, _ := f.ReadAt(buf[:], 0)
	return string(buf[:n])
}

// gilWait says whether a thread blocked in the system call that
// readSyscall read waits to take the GIL: a futex wait on an address
// inside the GIL's struct (its condition variable, or its mutex when
// contended). CPython's take_gil waits there and nowhere else; a thread
// sleeping, reading or waiting on a lock of its own waits elsewhere.
func gilWait(sc string, lo, hi uint64) bool {
	if lo == 0 || hi <= lo {
		return false
	}
	f := strings.Fields(sc)
	if len(f) < 2 {
		return false
	}
	if nr, err := strconv.Atoi(f[0]); err != nil || nr != syscall.SYS_FUTEX {
		return false
	}
	addr, err := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
	return err == nil && addr >= lo && addr < hi
}

// taskIDs maps the ids of the process's threads as the target sees them
// (in its own pid namespace, a container's) to the ids seen here, which
// name them in /proc. Outside namespaces the two are the same.
func taskIDs(pid int) map[int]int {
	out := map[int]int{}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return out
	}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		inner := tid
		// "NSpid:\t8233\t2": the id in each nested namespace, ours first,
		// the target's own last.
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", pid, tid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
					if f := strings.Fields(rest); len(f) > 0 {
						if n, err := strconv.Atoi(f[len(f)-1]); err == nil {
							inner = n
						}
					}
				}
			}
		}
		out[inner] = tid
	}
	return out
}

// HostTIDs maps the native thread ids that samples carry (as the target
// sees them) to the ids that name the threads in /proc here.
func (t *Target) HostTIDs() map[int]int { return taskIDs(t.PID) }

// pthreadScan is how far into glibc's struct pthread to look for the
// kernel thread id; it sits at 0x2d0 on x86-64 in current glibc.
const pthreadScan = 0x400

// nativeIDsFromPthread fills in native ids before 3.11, whose thread
// states keep only the pthread_t. On glibc a pthread_t is the address of
// the thread's struct pthread, which holds the kernel thread id. Its
// offset differs between C libraries, so it is found, not assumed: the
// first offset at which every thread holds a distinct id of one of the
// process's tasks (as the target sees them: live maps those ids).
func (t *Target) nativeIDsFromPthread(threads []Thread, live map[int]int) {
	if len(threads) == 0 || len(live) == 0 {
		return
	}
	blocks := make([][]byte, len(threads))
	for i, th := range threads {
		b, err := t.read(th.ID, pthreadScan)
		if err != nil || !plausible(th.ID) {
			return
		}
		blocks[i] = b
	}
	for off := 0; off+4 <= pthreadScan; off += 4 {
		seen := map[int]bool{}
		all := true
		for _, b := range blocks {
			tid := int(int32(binary.LittleEndian.Uint32(b[off:])))
			if _, isTask := live[tid]; !isTask || seen[tid] {
				all = false
				break
			}
			seen[tid] = true
		}
		if all {
			for i := range threads {
				threads[i].NativeID = int(int32(binary.LittleEndian.Uint32(blocks[i][off:])))
			}
			return
		}
	}
}
