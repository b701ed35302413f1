package procmem

import (
	"bufio"
	"bytes"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// startTarget runs a Python that allocates buffers with known contents and
// prints their addresses, as the truth for what a read must return.
func startTarget(t *testing.T) (pid int, addrs []uint64) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	cmd := exec.Command(py, "-c", `
import ctypes, sys
bufs = [ctypes.create_string_buffer(bytes([i]) * (1000 + 4096 * i), 1000 + 4096 * i) for i in range(1, 6)]
print(" ".join(str(ctypes.addressof(b)) for b in bufs), flush=True)
sys.stdin.read()
`)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(line) {
		a, _ := strconv.ParseUint(f, 10, 64)
		addrs = append(addrs, a)
	}
	return cmd.Process.Pid, addrs
}

func TestReadLive(t *testing.T) {
	pid, addrs := startTarget(t)
	p, err := Open(pid)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range addrs {
		n := 1000 + 4096*(i+1)
		b := make([]byte, n)
		if _, err := p.ReadAt(b, int64(a)); err != nil {
			t.Fatalf("buffer %d: %v", i, err)
		}
		if !bytes.Equal(b, bytes.Repeat([]byte{byte(i + 1)}, n)) {
			t.Errorf("buffer %d: wrong contents", i)
		}
	}
	// A batch with an unmapped range in the middle: the others still read.
	reads := []Read{
		{Addr: addrs[0], Buf: make([]byte, 100)},
		{Addr: 8, Buf: make([]byte, 16)},
		{Addr: addrs[1], Buf: make([]byte, 5000)},
		{Addr: addrs[2], Buf: nil},
		{Addr: addrs[3] + 10, Buf: make([]byte, 7)},
	}
	if err := p.ReadBatch(reads); err != nil {
		t.Fatal(err)
	}
	want := []int{100, 0, 5000, 0, 7}
	for i, r := range reads {
		if r.N != want[i] {
			t.Errorf("read %d: N=%d, want %d", i, r.N, want[i])
		}
	}
	if reads[2].Buf[4999] != 2 || reads[4].Buf[0] != 4 {
		t.Error("batched read returned wrong bytes")
	}
	var fe *FaultError
	if _, err := p.ReadAt(make([]byte, 8), 8); !errors.As(err, &fe) {
		t.Errorf("unmapped read: err = %v, want FaultError", err)
	}
	maps, err := ReadMaps(pid)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range maps {
		if m.Start <= addrs[0] && addrs[0] < m.End && m.Perms[0] == 'r' {
			found = true
		}
	}
	if !found {
		t.Error("buffer address is in no readable mapping")
	}
}

func TestGone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	var ge *GoneError
	if _, err := Open(cmd.Process.Pid); !errors.As(err, &ge) {
		t.Errorf("Open(exited pid) = %v, want GoneError", err)
	}
}

func TestPermissionMessage(t *testing.T) {
	msg := (&PermissionError{PID: 42}).Error()
	for _, want := range []string{"ptrace_scope", "CAP_SYS_PTRACE", "--cap-add SYS_PTRACE", "target's user"} {
		if !strings.Contains(msg, want) {
			t.Errorf("permission error lacks %q: %s", want, msg)
		}
	}
}

func TestParseMaps(t *testing.T) {
	const text = `55d0c4a00000-55d0c4a01000 r--p 00000000 08:01 1234                       /usr/bin/python3.11
7f0000000000-7f0000021000 rw-p 00000000 00:00 0 
7f1000000000-7f1000001000 r-xp 00002000 08:01 99 /tmp/a dir/lib x.so (deleted)
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
`
	ms, err := ParseMaps(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 4 {
		t.Fatalf("got %d mappings", len(ms))
	}
	if ms[0].Start != 0x55d0c4a00000 || ms[0].Path != "/usr/bin/python3.11" || ms[0].Inode != 1234 {
		t.Errorf("line 1: %+v", ms[0])
	}
	if ms[1].Path != "" {
		t.Errorf("anonymous mapping path %q", ms[1].Path)
	}
	if ms[2].Path != "/tmp/a dir/lib x.so (deleted)" || !ms[2].Deleted() || ms[2].Offset != 0x2000 {
		t.Errorf("line 3: %+v", ms[2])
	}
	if ms[3].Path != "[stack]" {
		t.Errorf("line 4: %+v", ms[3])
	}
	for _, bad := range []string{"xyz", "1-0 r--p 0 0 0", "10-20 r--p zz 08:01 1 /x", "10-20 rp 0 08:01 1"} {
		if _, err := ParseMaps(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseMaps(%q) accepted", bad)
		}
	}
}

func FuzzParseMaps(f *testing.F) {
	f.Add("55d0c4a00000-55d0c4a01000 r--p 00000000 08:01 1234 /usr/bin/python3.11\n")
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseMaps(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.End < m.Start || len(m.Perms) != 4 {
				t.Fatalf("bad mapping accepted: %+v", m)
			}
		}
	})
}
