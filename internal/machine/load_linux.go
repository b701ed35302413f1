package machine

import (
	"strconv"
	"strings"
)

func readLoad() Load {
	var l Load
	if f := strings.Fields(readSys("/proc/loadavg")); len(f) >= 2 {
		l.Load1, _ = strconv.ParseFloat(f[0], 64)
		l.Load5, _ = strconv.ParseFloat(f[1], 64)
	}
	l.PSI10, l.HasPSI = parsePSI(readSys("/proc/pressure/cpu"))
	return l
}
