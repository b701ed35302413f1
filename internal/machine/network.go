package machine

// Network is loopback TCP: what the kernel's network stack costs with no
// network card involved, the floor under any real round trip.
type Network struct {
	Label string       `json:"label"`
	Rows  []NetworkRow `json:"rows"`
}

// NetworkRow is one placement of the two ends: same CPU or two CPUs.
type NetworkRow struct {
	Placement  string `json:"placement"` // "same CPU", "across CPUs"
	CPUs       [2]int `json:"cpus"`
	RTT        Stat   `json:"rtt_ns"`          // one byte there and back
	Throughput Stat   `json:"throughput_gbps"` // GB/s, one stream
}
