package machine

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Plain blocking sockets on pinned threads, as lmbench's lat_tcp and
// iperf3 use, rather than Go's net package, whose poller adds a goroutine
// hand-off to every message.
func measureNetwork(ctx context.Context, m *meter, cpu *CPU) (*Network, error) {
	n := &Network{Label: "loopback TCP: the kernel's cost, no network card"}
	ids := cpu.cpuIDs()
	if len(ids) == 0 {
		ids = []int{0}
	}
	places := []NetworkRow{{Placement: "same CPU", CPUs: [2]int{ids[0], ids[0]}}}
	if len(ids) > 1 {
		places = append(places, NetworkRow{Placement: "across CPUs", CPUs: [2]int{ids[0], ids[len(ids)-1]}})
	}
	for _, row := range places {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m.progress("network: loopback round trip, " + row.Placement)
		var err error
		row.RTT = m.sample(func() float64 {
			v, e := tcpOnce(row.CPUs, false, m.slice()*2)
			if e != nil {
				err = e
			}
			return v
		})
		if err != nil {
			return n, err
		}
		m.progress("network: loopback throughput, " + row.Placement)
		row.Throughput = m.sample(func() float64 {
			v, e := tcpOnce(row.CPUs, true, m.slice()*4)
			if e != nil {
				err = e
			}
			return v
		})
		if err != nil {
			return n, err
		}
		n.Rows = append(n.Rows, row)
	}
	return n, nil
}

// tcpOnce connects two pinned threads over loopback and returns either
// the mean round trip in ns (ping-pong of one byte for about
// d) or the one-way throughput in GB/s (128 KiB writes for about d).
func tcpOnce(cpus [2]int, bulk bool, d time.Duration) (float64, error) {
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, fmt.Errorf("binding to 127.0.0.1: %v", err)
	}
	if err := unix.Listen(ln, 1); err != nil {
		return 0, err
	}
	sa, err := unix.Getsockname(ln)
	if err != nil {
		return 0, err
	}
	const chunk = 128 << 10
	type result struct {
		v     float64
		start time.Time
		err   error
	}
	server := make(chan result, 1)
	go func() {
		lockThread()
		_ = pin(cpus[1])
		c, _, err := unix.Accept(ln)
		if err != nil {
			server <- result{err: err}
			return
		}
		defer unix.Close(c)
		unix.SetsockoptInt(c, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		buf := make([]byte, chunk)
		for {
			k, err := unix.Read(c, buf)
			if err == unix.EINTR {
				continue
			}
			if err != nil || k <= 0 {
				// End of stream: the time the last byte arrived.
				server <- result{v: float64(time.Now().UnixNano())}
				return
			}
			if !bulk {
				if _, err := unix.Write(c, buf[:k]); err != nil {
					server <- result{}
					return
				}
			}
		}
	}()
	client := make(chan result, 1)
	go func() {
		lockThread()
		_ = pin(cpus[0])
		c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			client <- result{err: err}
			return
		}
		defer unix.Close(c)
		if err := unix.Connect(c, sa); err != nil {
			client <- result{err: fmt.Errorf("connecting over loopback: %v", err)}
			return
		}
		unix.SetsockoptInt(c, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		buf := make([]byte, chunk)
		var ops, bytes int64
		start := time.Now()
		deadline := start.Add(d)
		for ops&63 != 0 || time.Now().Before(deadline) {
			if bulk {
				k, err := unix.Write(c, buf)
				if err != nil && err != unix.EINTR {
					client <- result{err: err}
					return
				}
				bytes += int64(k)
			} else {
				if _, err := unix.Write(c, buf[:1]); err != nil {
					client <- result{err: err}
					return
				}
				for {
					k, err := unix.Read(c, buf[:1])
					if err == unix.EINTR {
						continue
					}
					if err != nil || k != 1 {
						client <- result{err: fmt.Errorf("loopback echo failed: %v", err)}
						return
					}
					break
				}
			}
			ops++
		}
		if bulk {
			// Bytes still in the socket buffers have not arrived yet: the
			// rate counts until the server reads end of stream.
			client <- result{v: float64(bytes), err: nil, start: start}
			return
		}
		client <- result{v: float64(time.Since(start).Nanoseconds()) / float64(ops)}
	}()
	r := <-client
	if r.err != nil {
		// Wakes a server still blocked in accept.
		unix.Shutdown(ln, unix.SHUT_RDWR)
	}
	s := <-server
	if r.err != nil || !bulk {
		return r.v, r.err
	}
	return GBps(r.v, s.v-float64(r.start.UnixNano())), nil
}
