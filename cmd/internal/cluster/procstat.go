package cluster

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs
// cgo to ask).
const clockTicks = 100

// procSample is one reading of a process from /proc.
type procSample struct {
	// cpu is utime+stime of the process itself, seconds.
	cpu float64
	// childCPU is cutime+cstime: children it has waited for, seconds.
	childCPU float64
	ppid     int
	// hwm is VmHWM (peak resident set), rssAnon and rssShmem the current
	// private and shared-memory parts of the resident set; bytes.
	hwm, rssAnon, rssShmem int64
}

// readProc reads /proc/<pid>/stat and /proc/<pid>/status.
func readProc(pid int) (procSample, error) {
	var s procSample
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: the
	// fields after the last ')' start with field 3 (state).
	end := bytes.LastIndexByte(raw, ')')
	if end < 0 {
		return s, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(string(raw[end+1:]))
	// f[0] is field 3; utime, stime, cutime, cstime are fields 14..17, ppid is 4.
	if len(f) < 15 {
		return s, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f))
	}
	num := func(i int) float64 { v, _ := strconv.ParseFloat(f[i], 64); return v }
	s.ppid = int(num(1))
	s.cpu = (num(11) + num(12)) / clockTicks
	s.childCPU = (num(13) + num(14)) / clockTicks

	st, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	defer st.Close()
	sc := bufio.NewScanner(st)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmHWM":
			dst = &s.hwm
		case "RssAnon":
			dst = &s.rssAnon
		case "RssShmem":
			dst = &s.rssShmem
		default:
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		*dst = kb * 1024
	}
	return s, sc.Err()
}

// children lists the live children of pid: /proc/<pid>/task/*/children when
// the kernel has it, else a scan of every process's parent.
func children(pid int) []int {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err == nil {
		var out []int
		found := false
		for _, t := range tasks {
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
			if err != nil {
				continue
			}
			found = true
			for _, f := range strings.Fields(string(raw)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
				}
			}
		}
		if found {
			return out
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := readProc(c); err == nil && s.ppid == pid {
			out = append(out, c)
		}
	}
	return out
}

// treeSample reads a process and its live children as one: CPU is the
// process's own, what it reaped (cutime/cstime: PostgreSQL's postmaster
// waits for every backend, so exited backends count) and each live child's;
// memory is every process's private resident memory plus the largest shared
// part once (PostgreSQL's backends all map the same shared buffers, so
// summing their RSS would count those many times).
func treeSample(pid int) (procSample, error) {
	root, err := readProc(pid)
	if err != nil {
		return root, err
	}
	out := procSample{cpu: root.cpu + root.childCPU, hwm: root.hwm, rssAnon: root.rssAnon, rssShmem: root.rssShmem}
	for _, c := range children(pid) {
		s, err := readProc(c)
		if err != nil {
			continue // exited between the listing and the read: the root's cutime has it
		}
		out.cpu += s.cpu + s.childCPU
		out.rssAnon += s.rssAnon
		out.rssShmem = max(out.rssShmem, s.rssShmem)
	}
	return out, nil
}
