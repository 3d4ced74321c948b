package server

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// infoHook adds the host's figures to INFO's sections. It runs with the
// engine locked.
func (s *Server) infoHook(section string) string {
	var b strings.Builder
	add := func(k string, v any) { fmt.Fprintf(&b, "%s:%v\r\n", k, v) }
	switch section {
	case "server":
		add("multiplexing_api", "go-netpoll")
		add("go_version", runtime.Version())
		add("process_id", os.Getpid())
		add("process_supervised", "no")
		add("tcp_port", s.eng.Config("port"))
		exe, _ := os.Executable()
		add("executable", exe)
		add("config_file", s.cfg.ConfigFile)
		add("io_threads_active", 0)
	case "clients":
		add("clients_in_timeout_table", 0)
	case "persistence":
		if s.grouper != nil {
			// Group commit: durable commits made, and the connection
			// batches they carried.
			add("folio_group_commits", s.stats.groupCommits.Load())
			add("folio_group_batches", s.stats.groupBatches.Load())
		}
		if o, ok := s.st.(interface{ Overlay() int }); ok {
			// The write log's writes not merged into the pages yet
			// (logstore): merged when they pile up, or at a pause.
			add("folio_unmerged_writes", o.Overlay())
		}
	case "memory":
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		used := ms.HeapAlloc
		peak := s.peakHeap.Load()
		if used > peak {
			peak = used
			s.peakHeap.Store(peak)
		}
		rss := rssBytes()
		add("used_memory", used)
		add("used_memory_human", humanBytes(used))
		add("used_memory_rss", rss)
		add("used_memory_rss_human", humanBytes(rss))
		add("used_memory_peak", peak)
		add("used_memory_peak_human", humanBytes(peak))
		add("used_memory_sys", ms.Sys)
		add("total_system_memory", totalSystemMemory())
		add("mem_allocator", "go")
	case "stats":
		add("total_connections_received", s.stats.connections.Load())
		add("instantaneous_ops_per_sec", s.ops.rate())
		add("total_net_input_bytes", s.stats.netIn.Load())
		add("total_net_output_bytes", s.stats.netOut.Load())
		add("rejected_connections", s.stats.rejected.Load())
	case "cpu":
		if sys, user, ok := cpuSeconds(); ok {
			add("used_cpu_sys", fmt.Sprintf("%.6f", sys))
			add("used_cpu_user", fmt.Sprintf("%.6f", user))
		}
	}
	return b.String()
}

// rssBytes reads the resident set size from /proc (0 where absent).
func rssBytes() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// humanBytes formats n as Redis's bytesToHuman does.
func humanBytes(n uint64) string {
	d := float64(n)
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", d/1024)
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", d/(1<<20))
	case n < 1<<40:
		return fmt.Sprintf("%.2fG", d/(1<<30))
	}
	return fmt.Sprintf("%.2fT", d/(1<<40))
}

// monitorLine formats a command as MONITOR shows it:
// 1339518083.107412 [0 127.0.0.1:60866] "keys" "*"
func monitorLine(b []byte, now time.Time, db int, addr string, args [][]byte) []byte {
	b = append(b, '+')
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	us := now.Nanosecond() / 1000
	b = append(b, fmt.Sprintf("%06d", us)...)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(db), 10)
	b = append(b, ' ')
	b = append(b, addr...)
	b = append(b, ']')
	for _, a := range args {
		b = append(b, ' ')
		b = appendRepr(b, a)
	}
	return append(b, '\r', '\n')
}

// appendRepr quotes a as Redis's sdscatrepr does.
func appendRepr(b, a []byte) []byte {
	b = append(b, '"')
	for _, ch := range a {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				b = append(b, ch)
			} else {
				b = append(b, fmt.Sprintf("\\x%02x", ch)...)
			}
		}
	}
	return append(b, '"')
}
