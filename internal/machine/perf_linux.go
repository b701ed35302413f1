package machine

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// measureCounters opens the cycles and instructions counters for this
// thread. Many VMs (this project's CI among them) do not virtualise the
// PMU: perf_event_open then fails with ENOENT or EOPNOTSUPP.
func measureCounters() *Counters {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	open := func(config uint64) (int, error) {
		attr := unix.PerfEventAttr{
			Type:   unix.PERF_TYPE_HARDWARE,
			Config: config,
			Bits:   unix.PerfBitDisabled | unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv,
		}
		attr.Size = uint32(unsafe.Sizeof(attr))
		return unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	}
	cyc, err := open(unix.PERF_COUNT_HW_CPU_CYCLES)
	if err != nil {
		return &Counters{Reason: fmt.Sprintf("not available here (perf_event_open cycles: %v; a VM without a virtual PMU, or kernel.perf_event_paranoid too high)", err)}
	}
	defer unix.Close(cyc)
	ins, err := open(unix.PERF_COUNT_HW_INSTRUCTIONS)
	if err != nil {
		return &Counters{Reason: fmt.Sprintf("not available here (perf_event_open instructions: %v)", err)}
	}
	defer unix.Close(ins)
	for _, fd := range []int{cyc, ins} {
		unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_RESET, 0)
		unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_ENABLE, 0)
	}
	t := time.Now()
	addChain(1 << 20)
	d := time.Since(t)
	for _, fd := range []int{cyc, ins} {
		unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_DISABLE, 0)
	}
	read := func(fd int) uint64 {
		var b [8]byte
		if n, err := unix.Read(fd, b[:]); err != nil || n != 8 {
			return 0
		}
		return binary.NativeEndian.Uint64(b[:])
	}
	c := &Counters{Cycles: read(cyc), Instructions: read(ins)}
	if c.Cycles == 0 {
		c.Reason = "not available here (the counters opened but counted nothing)"
		return c
	}
	c.Available = true
	c.IPC = float64(c.Instructions) / float64(c.Cycles)
	c.GHz = float64(c.Cycles) / float64(d.Nanoseconds())
	return c
}
