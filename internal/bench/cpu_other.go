//go:build !linux

package bench

import (
	"fmt"
	"runtime"
	"time"
)

// ProcessCPU needs Linux's per-process CPU clocks.
func ProcessCPU(pid int) (time.Duration, error) {
	return 0, fmt.Errorf("CPU time of process %d: not available on %s", pid, runtime.GOOS)
}
