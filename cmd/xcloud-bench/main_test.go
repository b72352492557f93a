package main

import (
	"math"
	"testing"
	"time"
)

// Lambda's CPU share grows with memory up to one vCPU at 1,769 MB; the time
// is billed in whole milliseconds, rounded up.
func TestLambdaCost(t *testing.T) {
	for _, c := range []struct {
		cpu, wait time.Duration
		memory    int
		latency   time.Duration
		billed    float64 // ms
	}{
		{500 * time.Microsecond, 0, 128, dur(500e3 * 1769.0 / 128), 7},
		{500 * time.Microsecond, 4 * time.Millisecond, 128, dur(500e3 * 1769.0 / 128), 11},
		{500 * time.Microsecond, 0, 1769, 500 * time.Microsecond, 1},
		{500 * time.Microsecond, 0, 3538, 500 * time.Microsecond, 1}, // never more than one vCPU of work
		{2 * time.Millisecond, 4 * time.Millisecond, 1024, dur(2e6 * 1769.0 / 1024), 8},
	} {
		latency, cost := LambdaCost(c.cpu, c.wait, c.memory)
		want := c.billed/1000*float64(c.memory)/1024*pricePerGBs + pricePerRequest
		if (latency-c.latency).Abs() > time.Microsecond || math.Abs(cost-want) > 1e-15 {
			t.Errorf("LambdaCost(%s, %s, %d MB) = %s, $%g; want %s, $%g", c.cpu, c.wait, c.memory, latency, cost, c.latency, want)
		}
	}
}

func dur(ns float64) time.Duration { return time.Duration(ns) }
