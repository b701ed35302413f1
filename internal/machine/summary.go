package machine

import "math"

// Row is one line of the classic latency table ("latency numbers every
// programmer should know", Jeff Dean and Peter Norvig, ~2010) beside this
// machine's measurement.
type Row struct {
	What      string  `json:"what"`
	ClassicNS float64 `json:"classic_ns"`              // 0 when the classic table has no such row
	NS        float64 `json:"ns"`                      // measured here; 0 when not measured
	Source    string  `json:"source"`                  // which probe and how
	VsL1      float64 `json:"vs_l1,omitempty"`         // NS / L1's NS
	VsPrev    float64 `json:"vs_prev,omitempty"`       // NS / previous measured row's NS
	Classic   float64 `json:"classic_vs_l1,omitempty"` // the classic table's own ratio to L1
	Failed    bool    `json:"failed,omitempty"`        // the probe that measures it failed
}

// summarize builds the table from whatever probes ran.
func summarize(r *Report, cpu *CPU) []Row {
	level := func(name string) float64 {
		if r.Latency == nil {
			return 0
		}
		for _, l := range r.Latency.Levels {
			if l.Name == name {
				return l.NS
			}
		}
		return 0
	}
	bw := func(lv, op, pat string, threads int) float64 {
		if r.Bandwidth == nil {
			return 0
		}
		for _, x := range r.Bandwidth.Rows {
			if x.Level == lv && x.Op == op && x.Pattern == pat && x.Threads == threads {
				return x.GBps.Median
			}
		}
		return 0
	}
	rows := []Row{
		{What: "L1 cache reference", ClassicNS: 0.5, NS: level("L1"), Source: "pointer chase, L1 plateau"},
		{What: "L2 cache reference", ClassicNS: 7, NS: level("L2"), Source: "pointer chase, L2 plateau"},
		{What: "L3 cache reference", NS: level("L3"), Source: "pointer chase, L3 plateau"},
		{What: "Main memory reference", ClassicNS: 100, NS: level("RAM"), Source: "pointer chase, largest sizes"},
	}
	if g := bw("RAM", "read", "sequential", 1); g > 0 {
		rows = append(rows, Row{What: "Read 1 MB sequentially from memory", ClassicNS: 250e3, NS: 1e6 / g, Source: "RAM sequential read bandwidth, 1 thread"})
	} else {
		rows = append(rows, Row{What: "Read 1 MB sequentially from memory", ClassicNS: 250e3, Failed: r.failed("bandwidth") != nil})
	}
	if r.Network != nil && len(r.Network.Rows) > 0 {
		rows = append(rows, Row{What: "Round trip (loopback TCP, kernel only)", ClassicNS: 500e3, NS: r.Network.Rows[0].RTT.Median,
			Source: "1-byte ping-pong, same CPU; the classic row is within a datacenter"})
	} else {
		rows = append(rows, Row{What: "Round trip within a datacenter", ClassicNS: 500e3, Failed: r.failed("network") != nil})
	}
	if d := r.Disk; d != nil && d.RandQD1.Median > 0 {
		rows = append(rows, Row{What: "SSD random read 4 KB", ClassicNS: 150e3, NS: 1e9 / d.RandQD1.Median, Source: "4 KiB pread at queue depth 1, " + d.Label})
	} else {
		rows = append(rows, Row{What: "SSD random read 4 KB", ClassicNS: 150e3, Failed: r.failed("disk") != nil})
	}
	if d := r.Disk; d != nil && d.SeqRead.Median > 0 {
		rows = append(rows, Row{What: "Read 1 MB sequentially from disk", ClassicNS: 1e6, NS: 1e6 / d.SeqRead.Median, Source: "1 MiB preads, " + d.Label})
	} else {
		rows = append(rows, Row{What: "Read 1 MB sequentially from SSD", ClassicNS: 1e6, Failed: r.failed("disk") != nil})
	}
	if r.failed("latency") != nil {
		for i := range rows[:4] {
			rows[i].Failed = true
		}
	}
	l1 := rows[0].NS
	prev := 0.0
	for i := range rows {
		if rows[i].ClassicNS > 0 {
			rows[i].Classic = rows[i].ClassicNS / 0.5
		}
		if rows[i].NS <= 0 || math.IsNaN(rows[i].NS) {
			rows[i].NS = 0
			continue
		}
		if l1 > 0 {
			rows[i].VsL1 = rows[i].NS / l1
		}
		if prev > 0 {
			rows[i].VsPrev = rows[i].NS / prev
		}
		prev = rows[i].NS
	}
	return rows
}
