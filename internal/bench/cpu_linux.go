package bench

import (
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

// ProcessCPU is the CPU time process pid has used so far: user and system
// time of all its threads, those still running and those gone, to the
// nanosecond. It is what Lambda bills a function for while it works. It reads
// the process's CPU-time clock (clock_getcpuclockid(3) for another process:
// CPUCLOCK_SCHED of the thread group).
func ProcessCPU(pid int) (time.Duration, error) {
	clock := uintptr((^pid)<<3 | 2)
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, fmt.Errorf("CPU time of process %d: %w", pid, errno)
	}
	return time.Duration(ts.Nano()), nil
}
