package machine

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

const sysCPU = "/sys/devices/system/cpu"

// topology reads the CPU's layout from sysfs and /proc/cpuinfo. Missing
// files (containers, odd kernels) leave fields empty rather than failing:
// the other probes do not need them.
func topology() *CPU {
	c := &CPU{Siblings: [][]int{}, Caches: []Cache{}}
	c.Model, c.ReportedMHz = cpuinfo()
	ids, err := ParseCPUList(readSys(sysCPU + "/online"))
	if err != nil || len(ids) == 0 {
		ids = nil
		for i := 0; i < runtime.NumCPU(); i++ {
			ids = append(ids, i)
		}
	}
	pkgs, cores, sib := map[int]bool{}, map[[2]int]bool{}, map[string][]int{}
	for _, id := range ids {
		dir := fmt.Sprintf("%s/cpu%d/topology/", sysCPU, id)
		l := LogicalCPU{ID: id, Package: readInt(dir + "physical_package_id"), Core: readInt(dir + "core_id")}
		c.CPUs = append(c.CPUs, l)
		pkgs[l.Package] = true
		cores[[2]int{l.Package, l.Core}] = true
		if s := readSys(dir + "thread_siblings_list"); s != "" {
			if list, err := ParseCPUList(s); err == nil && len(list) > 1 {
				sib[s] = list
			}
		}
	}
	c.Sockets, c.Cores, c.Threads = len(pkgs), len(cores), len(ids)
	for _, list := range sib {
		c.Siblings = append(c.Siblings, list)
	}
	sort.Slice(c.Siblings, func(i, j int) bool { return c.Siblings[i][0] < c.Siblings[j][0] })
	if len(ids) > 0 {
		idx, _ := filepath.Glob(fmt.Sprintf("%s/cpu%d/cache/index*", sysCPU, ids[0]))
		sort.Strings(idx)
		for _, d := range idx {
			size, err := ParseCacheSize(readSys(d + "/size"))
			if err != nil {
				continue
			}
			shared, _ := ParseCPUList(readSys(d + "/shared_cpu_list"))
			c.Caches = append(c.Caches, Cache{Level: readInt(d + "/level"), Type: readSys(d + "/type"),
				Bytes: size, LineBytes: readInt(d + "/coherency_line_size"), Ways: readInt(d + "/ways_of_associativity"),
				SharedBy: shared})
		}
	}
	if khz := readInt(sysCPU + "/cpu0/cpufreq/cpuinfo_max_freq"); khz > 0 {
		c.MaxMHz = float64(khz) / 1000
	}
	return c
}

func readSys(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func readInt(path string) int {
	n, _ := strconv.Atoi(readSys(path))
	return n
}

// cpuinfo returns the first "model name" and "cpu MHz" of /proc/cpuinfo.
func cpuinfo() (model string, mhz float64) {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "", 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "model name" && model == "":
			model = v
		case k == "cpu MHz" && mhz == 0:
			mhz, _ = strconv.ParseFloat(v, 64)
		}
	}
	return model, mhz
}
