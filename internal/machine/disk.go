package machine

// Disk is the throughput and latency of the filesystem holding a
// directory, as fio measures them.
type Disk struct {
	Dir        string `json:"dir"`
	FileBytes  int64  `json:"file_bytes"`
	Filesystem string `json:"filesystem"`
	// Direct is true when the reads bypassed the page cache (O_DIRECT);
	// false on filesystems that refuse it (tmpfs, some FUSE), whose
	// numbers are then the page cache's, not the device's.
	Direct bool   `json:"direct"`
	Label  string `json:"label"` // "device (O_DIRECT)" or "page cache"
	// SeqWrite includes the final fsync, so it is what reached the device.
	SeqWrite Stat `json:"seq_write_gbps"`
	SeqRead  Stat `json:"seq_read_gbps"`
	// Random 4 KiB reads: IOPS and the mean latency of one read.
	RandQD1     Stat `json:"rand4k_qd1_iops"`
	RandQD32    Stat `json:"rand4k_qd32_iops"`
	RandQD1Lat  Stat `json:"rand4k_qd1_latency_ns"`
	Removed     bool `json:"file_removed"`
	ReadThreads int  `json:"qd32_threads"`
	// QD32Method says how 32 reads were kept in flight: "Linux AIO, 1
	// thread" with O_DIRECT, else "pread in 32 threads".
	QD32Method string `json:"qd32_method"`
}
