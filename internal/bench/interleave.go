package bench

import (
	"context"
	"slices"
	"time"
)

// Interleaved is the CPU per invocation of several warm processes measured
// in turns: [process][turn].
type Interleaved [][]time.Duration

// Interleave invokes each of ps chunks[i] times a turn, for turns turns, the
// order rotating from turn to turn, and records the CPU per invocation of
// each chunk. Short chunks in many turns put the processes side by side in
// time, so that whatever else the machine does weighs on all alike: two
// builds of the same function measured so agree within about 3%, where
// rounds of 500 invocations each drift apart by 7%. after, when not nil,
// runs after each chunk.
func Interleave(ctx context.Context, ps []*Process, chunks []int, turns int, after func(turn, i int) error) (Interleaved, error) {
	out := make(Interleaved, len(ps))
	for turn := range turns {
		for k := range ps {
			i := (turn + k) % len(ps)
			d, err := ps[i].CPUPerInvocation(ctx, chunks[i])
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], d)
			if after != nil {
				if err := after(turn, i); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// Mean is process i's mean CPU per invocation over all turns.
func (m Interleaved) Mean(i int) time.Duration { return mean(m[i]) }

// Ratio is the mean CPU per invocation of process a over that of b.
func (m Interleaved) Ratio(a, b int) float64 { return float64(m.Mean(a)) / float64(m.Mean(b)) }

// Spread cuts the turns into blocks consecutive blocks and returns the
// lowest and highest ratio of a to b among them: how much the figure moves
// within one run.
func (m Interleaved) Spread(a, b, blocks int) (lo, hi float64) {
	n := len(m[a]) / blocks
	if n == 0 {
		return m.Ratio(a, b), m.Ratio(a, b)
	}
	var rs []float64
	for i := 0; i+n <= len(m[a]); i += n {
		rs = append(rs, float64(mean(m[a][i:i+n]))/float64(mean(m[b][i:i+n])))
	}
	return slices.Min(rs), slices.Max(rs)
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// Slope is the least-squares slope of ys over xs (0 for fewer than two
// points): the trend of a series sampled along a run, which one sample
// taken early or late does not make.
func Slope(xs, ys []float64) float64 {
	n := float64(min(len(xs), len(ys)))
	if n < 2 {
		return 0
	}
	var mx, my float64
	for i := range int(n) {
		mx, my = mx+xs[i]/n, my+ys[i]/n
	}
	var sxy, sxx float64
	for i := range int(n) {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}
