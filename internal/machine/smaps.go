package machine

import (
	"bufio"
	"strconv"
	"strings"
)

// smapsHuge sums AnonHugePages over the smaps entries inside [lo, hi).
// The kernel may split one mapping into several VMAs after madvise.
func smapsHuge(sc *bufio.Scanner, lo, hi uint64) int64 {
	var total int64
	in := false
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if a, b, ok := strings.Cut(f[0], "-"); ok && !strings.HasSuffix(f[0], ":") {
			s, err1 := strconv.ParseUint(a, 16, 64)
			e, err2 := strconv.ParseUint(b, 16, 64)
			in = err1 == nil && err2 == nil && s >= lo && e <= hi
			continue
		}
		if in && f[0] == "AnonHugePages:" && len(f) >= 2 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			total += kb << 10
		}
	}
	return total
}
