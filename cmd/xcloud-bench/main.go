// Command xcloud-bench measures the built functions as Lambda runs and bills
// them, and prints the report of docs/PERFORMANCE.md. Each function's
// bootstrap, built as the Makefile builds it, runs under the Lambda Runtime
// API harness against a DynamoDB that answers at once, next to two references
// built and run the same way: the idiomatic baseline (the same DynamoDB work
// written as AWS's reference Go application writes it) and the minimal
// aws-lambda-go function. `make bench` runs it.
//
//	xcloud-bench [-invocations 10000] [-chunk 50] [-coldstarts 51] [-dynamodb-wait 4ms]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/bench"
	"github.com/xcloud/customers/internal/localbus"
	"github.com/xcloud/customers/shared/changeevent"
	"github.com/xcloud/customers/shared/settings"
)

// The budgets, as docs/PERFORMANCE.md states them.
const (
	cpuBudget       = 1.3 // warm CPU per invocation, against the idiomatic baseline
	coldStartBudget = 1.0 // exec to first response, against the idiomatic baseline
	memoryBudget    = 40 << 20
	ownedRule       = 0.05 // what owned code must save to stay
)

func main() {
	invocations := flag.Int("invocations", 10000, "warm invocations of each function (the idiomatic baseline gets half, the minimal function a quarter)")
	chunk := flag.Int("chunk", 50, "invocations of a function in one turn")
	wait := flag.Duration("dynamodb-wait", 4*time.Millisecond, "DynamoDB's answer time the cost per million requests assumes")
	starts := flag.Int("coldstarts", 51, "cold starts of each function and of each reference")
	flag.Parse()
	began := time.Now()
	r := &report{root: ".", out: os.Stdout, invocations: *invocations, chunk: *chunk, starts: *starts, wait: *wait}
	if err := r.run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "xcloud-bench:", err)
		os.Exit(1)
	}
	fmt.Fprintf(r.out, "\n%s (report made in %s)\n", r.verdict(), time.Since(began).Round(time.Second))
}

type report struct {
	root                       string
	out                        io.Writer
	invocations, chunk, starts int
	wait                       time.Duration // DynamoDB's, for the cost
	over                       []string      // the budgets missed, for the last line

	dir     string              // the builds
	fake    *bench.FakeDynamoDB // what every process calls
	env     []string            // the functions' environment
	warm    map[string]time.Duration
	retries map[string]float64 // SDK retries per request
}

func (r *report) run(ctx context.Context) error {
	fmt.Fprintf(r.out, "XCloud customers API: benchmark report, %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(r.out, "machine: %s, %d CPUs, Linux %s, %s %s/%s\n", cpuModel(), runtime.NumCPU(), kernel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	var err error
	if r.dir, err = os.MkdirTemp("", "xcloud-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(r.dir)
	r.fake = bench.NewFakeDynamoDB(bench.Table)
	defer r.fake.Close()
	if r.env, err = bench.FunctionEnv(r.root, r.fake.URL); err != nil {
		return err
	}
	if err := r.build(ctx); err != nil {
		return err
	}
	if err := r.warmCPU(ctx); err != nil {
		return fmt.Errorf("warm CPU: %w", err)
	}
	if err := r.exists(ctx); err != nil {
		return fmt.Errorf("existence checks: %w", err)
	}
	if err := r.idempotentRegistration(ctx); err != nil {
		return fmt.Errorf("idempotent registration: %w", err)
	}
	if err := r.streams(ctx); err != nil {
		return fmt.Errorf("change events: %w", err)
	}
	if err := r.coldStarts(ctx); err != nil {
		return fmt.Errorf("cold starts: %w", err)
	}
	if err := r.owned(ctx); err != nil {
		return fmt.Errorf("owned code: %w", err)
	}
	r.memorySizes()
	return nil
}

// build compiles every function, the two references and the owned pieces'
// library variants for this host.
func (r *report) build(ctx context.Context) error {
	pkgs := map[string]string{"minimal": "./internal/bench/minimal", "idiomatic": "./internal/bench/idiomatic"}
	for _, f := range functions.All {
		pkgs[f.ID] = f.Main()
	}
	for name, pkg := range pkgs {
		if err := bench.Build(ctx, r.root, pkg, r.binary(name)); err != nil {
			return err
		}
	}
	for _, p := range bench.Owned {
		f, ok := functions.ByID(p.Function)
		if !ok {
			return fmt.Errorf("owned piece %q is measured on %s, which is not a function", p.Name, p.Function)
		}
		if err := bench.Build(ctx, r.root, f.Main(), r.binary(p.Function+"+"+p.Tag), p.Tag); err != nil {
			return err
		}
	}
	return nil
}

func (r *report) binary(name string) string { return filepath.Join(r.dir, name) }

// runs are how a case's function and its two references are started.
func (r *report) runs(c bench.Case) (fn, idiomatic, minimal bench.Run, err error) {
	event, err := bench.SignedEvent(r.root, c.Event)
	if err != nil {
		return
	}
	fn = bench.Run{Binary: r.binary(c.Function), Env: r.env, Event: event}
	idiomatic = bench.Run{Binary: r.binary("idiomatic"), Env: append(slices.Clone(r.env), "IDIOMATIC_OPERATION="+c.Operation), Event: event}
	minimal = bench.Run{Binary: r.binary("minimal"), Event: event}
	return
}

// spreadBlocks is how many blocks of turns the spread of a ratio is taken over.
const spreadBlocks = 10

// turns is how many turns measure each function's invocations in chunks.
func (r *report) turns() int { return max(1, r.invocations/r.chunk) }

// warmCPU runs each function warm, in turns with its two references, and
// reports the CPU time of the whole process per invocation, the DynamoDB
// calls it made and its memory.
func (r *report) warmCPU(ctx context.Context) error {
	fmt.Fprintf(r.out, "\nWarm CPU per invocation: the whole process (event, runtime loop, handler, SDK, GC), as Lambda bills it\n")
	fmt.Fprintf(r.out, "(%d turns of %d invocations, each with %d of the idiomatic baseline and %d of the minimal function;\n ratio of the means, [lowest–highest] over %d blocks of turns)\n",
		r.turns(), r.chunk, r.chunk/2, r.chunk/4, spreadBlocks)
	cpu := table(r.out, "function", "µs", "idiomatic µs", "minimal µs", "to idiomatic", "spread", "to minimal", "DynamoDB calls", "budget")
	mem := &strings.Builder{}
	memTable := table(mem, "function", "RSS after 1,000 MB", "at the end MB", "growth MB", "peak MB", "budget")
	r.warm, r.retries = map[string]time.Duration{}, map[string]float64{}
	for _, c := range bench.Cases {
		fn, idiomatic, minimal, err := r.runs(c)
		if err != nil {
			return err
		}
		var ps []*bench.Process
		for _, run := range []bench.Run{fn, idiomatic, minimal} {
			p, err := bench.Start(ctx, run)
			if err != nil {
				return err
			}
			defer p.Close()
			// Warm before measuring: pools filled, code paged in.
			if _, err := p.Invoke(ctx, r.chunk); err != nil {
				return err
			}
			ps = append(ps, p)
		}
		chunks := []int{r.chunk, max(1, r.chunk/2), max(1, r.chunk/4)}
		calls := map[string]int{} // the function's own
		retries := 0
		var early int64
		r.fake.Calls()
		m, err := bench.Interleave(ctx, ps, chunks, r.turns(), func(turn, i int) error {
			made, retried := r.fake.Calls()
			if i != 0 {
				return nil
			}
			for op, n := range made {
				calls[op] += n
			}
			retries += retried
			if early == 0 && (turn+1)*r.chunk >= 1000 {
				early, _, err = ps[0].Memory()
			}
			return err
		})
		if err != nil {
			return err
		}
		final, peak, err := ps[0].Memory()
		if err != nil {
			return err
		}
		invocations := r.turns() * r.chunk
		r.warm[c.Function] = m.Mean(0)
		r.retries[c.Function] = float64(retries) / float64(invocations)
		ratio := m.Ratio(0, 1)
		lo, hi := m.Spread(0, 1, spreadBlocks)
		oneCall := len(calls) == 1 && calls[c.DynamoOp] == invocations
		fmt.Fprintf(cpu, "%s\t%.0f\t%.0f\t%.0f\t%.2f×\t[%.2f–%.2f]\t%.2f×\t%g %s %s\t≤ %.1f× %s\t\n", c.Function,
			us(m.Mean(0)), us(m.Mean(1)), us(m.Mean(2)), ratio, lo, hi, m.Ratio(0, 2),
			float64(calls[c.DynamoOp])/float64(invocations), c.DynamoOp,
			r.judge(oneCall, c.Function+" does not make exactly one DynamoDB call per request"),
			cpuBudget, r.judge(ratio <= cpuBudget, fmt.Sprintf("%s uses %.2f× the idiomatic baseline's CPU", c.Function, ratio)))
		grew := final-early > 1<<20
		fmt.Fprintf(memTable, "%s\t%.1f\t%.1f\t%+.1f\t%.1f\t< %d MB, no growth %s\t\n", c.Function, mb(early), mb(final), mb(final-early), mb(peak),
			memoryBudget>>20, r.judge(peak < memoryBudget && !grew, fmt.Sprintf("%s: peak %.1f MB, growth %.1f MB", c.Function, mb(peak), mb(final-early))))
	}
	cpu.Flush()
	var retried []string
	for _, c := range bench.Cases {
		if n := r.retries[c.Function]; n > 0 {
			retried = append(retried, fmt.Sprintf("%s %.2f%%", c.Function, n*100))
		}
	}
	if len(retried) > 0 {
		fmt.Fprintf(r.out, "Calls the SDK retried (a closed connection, aws/aws-sdk-go-v2#2737; counted once above): %s of requests\n", strings.Join(retried, ", "))
	}
	memTable.Flush()
	fmt.Fprintf(r.out, "\nMemory of each function over its %d warm invocations (VmRSS, VmHWM)\n%s", r.chunk+r.turns()*r.chunk, mem)
	return nil
}

// exists checks that a HEAD of the most ids the contract allows is one
// BatchGetItem, and that one of more is refused before any call.
func (r *report) exists(ctx context.Context) error {
	fmt.Fprintf(r.out, "\nHEAD of many ids, ExistsFunction warm\n")
	tw := table(r.out, "ids", "DynamoDB calls", "budget")
	for _, n := range []int{100, 101} {
		event, err := bench.ExistsEvent(r.root, n)
		if err != nil {
			return err
		}
		p, err := bench.Start(ctx, bench.Run{Binary: r.binary("ExistsFunction"), Env: r.env, Event: event})
		if err != nil {
			return err
		}
		r.fake.Calls()
		_, err = p.Process.Invoke(ctx, event) // a 404 or a 400 is the answer here
		p.Close()
		if err != nil {
			return err
		}
		calls, _ := r.fake.Calls()
		want := map[int]int{100: 1, 101: 0}[n]
		fmt.Fprintf(tw, "%d\t%d BatchGetItem\t%d %s\t\n", n, calls["BatchGetItem"], want,
			r.judge(calls["BatchGetItem"] == want && len(calls) <= 1, fmt.Sprintf("a HEAD of %d ids made %v", n, calls)))
	}
	return tw.Flush()
}

// idempotentRegistration checks that a first registration carrying an
// Idempotency-Key, as the clients send by default, is still one PutItem.
func (r *report) idempotentRegistration(ctx context.Context) error {
	fmt.Fprintf(r.out, "\nFirst registration with an Idempotency-Key, RegisterFunction warm\n")
	tw := table(r.out, "request", "DynamoDB calls", "budget")
	event, err := bench.SignedEvent(r.root, "register-idempotent.json")
	if err != nil {
		return err
	}
	p, err := bench.Start(ctx, bench.Run{Binary: r.binary("RegisterFunction"), Env: r.env, Event: event})
	if err != nil {
		return err
	}
	defer p.Close()
	r.fake.Calls()
	if _, err := p.Invoke(ctx, 1); err != nil { // a 2xx, or an error
		return err
	}
	calls, _ := r.fake.Calls()
	fmt.Fprintf(tw, "POST with Idempotency-Key\t%d PutItem, %d in all\t1 PutItem %s\t\n", calls["PutItem"], total(calls),
		r.judge(len(calls) == 1 && calls["PutItem"] == 1, fmt.Sprintf("a first registration with an Idempotency-Key made %v", calls)))
	return tw.Flush()
}

// streams measures each function fed by the table's stream on batches of
// its sizes, publishing to a stand-in bus: the process's CPU per batch and
// per record, and the PutEvents calls per batch, at most one per ten events.
func (r *report) streams(ctx context.Context) error {
	fmt.Fprintf(r.out, "\nChange events: the publisher warm, per batch of stream records (one event each), on a stand-in bus\n")
	tw := table(r.out, "function", "records", "batches", "µs per batch", "µs per record", "PutEvents per batch", "budget")
	bus := localbus.Start()
	bus.Forget = true
	defer bus.Close()
	for _, c := range bench.StreamCases {
		for _, size := range c.Sizes {
			batch, err := bench.StreamBatch(r.root, c.Record, size)
			if err != nil {
				return err
			}
			env := append(slices.Clone(r.env), bus.Env()...)
			env = append(env, settings.EnvEventBus+"=bench-customers", settings.EnvEventsQueue+"="+bus.QueueURL())
			p, err := bench.Start(ctx, bench.Run{Binary: r.binary(c.Function), Env: env, Event: batch, Stream: true})
			if err != nil {
				return err
			}
			if _, err := p.Invoke(ctx, 5); err != nil { // warm
				p.Close()
				return err
			}
			n := max(5, r.invocations/size/4)
			calls, taken := bus.Calls(), bus.Taken()
			cpu, err := p.CPUPerInvocation(ctx, n)
			p.Close()
			if err != nil {
				return err
			}
			perBatch := float64(bus.Calls()-calls) / float64(n)
			events := float64(bus.Taken()-taken) / float64(n)
			limit := math.Ceil(events / changeevent.MaxEntries)
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.1f\t%.1f\t≤ %.0f %s\t\n", c.Function, size, n, us(cpu), us(cpu)/float64(size), perBatch, limit,
				r.judge(perBatch <= limit && events == float64(size), fmt.Sprintf("%s: %.1f PutEvents and %.1f events per batch of %d", c.Function, perBatch, events, size)))
		}
	}
	return tw.Flush()
}

func total(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

// coldStarts times exec to first response of each function and its
// references, in turns.
func (r *report) coldStarts(ctx context.Context) error {
	fmt.Fprintf(r.out, "\nCold start: exec to first response, each function and its references in turns\n")
	fmt.Fprintf(r.out, "(%d starts each; ms are medians; ratio = median of the turns' ratios, [interquartile range])\n", r.starts)
	tw := table(r.out, "function", "ms", "idiomatic ms", "minimal ms", "to idiomatic", "spread", "to minimal", "budget")
	for _, c := range bench.Cases {
		fn, idiomatic, minimal, err := r.runs(c)
		if err != nil {
			return err
		}
		times, err := bench.ColdStarts(ctx, r.starts, fn, idiomatic, minimal)
		if err != nil {
			return err
		}
		toIdiomatic := ratios(times[0], times[1])
		ratio := bench.Median(toIdiomatic)
		lo, hi := quartiles(toIdiomatic)
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.2f×\t[%.2f–%.2f]\t%.2f×\t≤ %.1f× %s\t\n", c.Function,
			ms(bench.Median(times[0])), ms(bench.Median(times[1])), ms(bench.Median(times[2])), ratio, lo, hi,
			bench.Median(ratios(times[0], times[2])), coldStartBudget,
			r.judge(ratio <= coldStartBudget, fmt.Sprintf("%s cold-starts in %.2f× the idiomatic baseline's time", c.Function, ratio)))
	}
	return tw.Flush()
}

// owned measures each piece of code that replaces a library's work with the
// piece on (the function as deployed) and off (built with the piece's tag,
// which puts the library back), in turns.
func (r *report) owned(ctx context.Context) error {
	fmt.Fprintf(r.out, "\nWhat we own instead of a library: each piece on (as deployed) and off (the library), in turns;\nit stays while it saves %.0f%% of its figure (cold start: median of the turns' ratios [interquartile range];\nwarm CPU: ratio of the means [lowest–highest block])\n", ownedRule*100)
	tw := table(r.out, "piece", "function", "figure", "on", "off", "saves", "spread", "rule")
	for _, p := range bench.Owned {
		c, err := bench.CaseOf(p.Function)
		if err != nil {
			return err
		}
		on, _, _, err := r.runs(c)
		if err != nil {
			return err
		}
		off := on
		off.Binary = r.binary(p.Function + "+" + p.Tag)
		times, err := bench.ColdStarts(ctx, r.starts, on, off)
		if err != nil {
			return err
		}
		cpu, err := r.pairedCPU(ctx, on, off)
		if err != nil {
			return err
		}
		coldRatio := bench.Median(ratios(times[0], times[1]))
		coldLo, coldHi := quartiles(ratios(times[0], times[1]))
		cpuLo, cpuHi := cpu.Spread(0, 1, spreadBlocks)
		for _, f := range []struct {
			name          string
			on, off       string
			ratio, lo, hi float64
		}{
			{"cold start", fmt.Sprintf("%.2f ms", ms(bench.Median(times[0]))), fmt.Sprintf("%.2f ms", ms(bench.Median(times[1]))), coldRatio, coldLo, coldHi},
			{"warm CPU", fmt.Sprintf("%.0f µs", us(cpu.Mean(0))), fmt.Sprintf("%.0f µs", us(cpu.Mean(1))), cpu.Ratio(0, 1), cpuLo, cpuHi},
		} {
			saves := 1 - f.ratio
			verdict := "—"
			if f.name == p.Figure {
				verdict = r.judge(saves >= ownedRule, fmt.Sprintf("%s saves %.1f%% of %s, under the %.0f%% that keeps owned code", p.Name, saves*100, f.name, ownedRule*100))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f%%\t[%.1f–%.1f%%]\t%s\t\n", p.Name, p.Function, f.name, f.on, f.off, saves*100, (1-f.hi)*100, (1-f.lo)*100, verdict)
		}
	}
	return tw.Flush()
}

// pairedCPU measures two builds of one function warm, in turns: the mean
// CPU per invocation of each, and their ratio's spread.
func (r *report) pairedCPU(ctx context.Context, a, b bench.Run) (bench.Interleaved, error) {
	var ps []*bench.Process
	for _, run := range []bench.Run{a, b} {
		p, err := bench.Start(ctx, run)
		if err != nil {
			return nil, err
		}
		defer p.Close()
		if _, err := p.Invoke(ctx, r.chunk); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return bench.Interleave(ctx, ps, []int{r.chunk, r.chunk}, r.turns()/2, nil)
}

// Lambda gives a function CPU in proportion to its memory, one vCPU at
// 1,769 MB, and bills arm64 by the GB-second and by the request
// (us-east-1 prices, checked 2026-12).
const (
	mbPerVCPU       = 1769
	pricePerGBs     = 0.0000133334
	pricePerRequest = 0.20 / 1e6
)

var memorySizes = []int{128, 256, 512, 1024}

// memorySizes turns each function's warm CPU per invocation into what a
// request pays for it at each memory size: the latency that CPU work adds on
// the share of a vCPU the size buys, and the cost of a million requests,
// each billed (by the millisecond, rounded up) for that time plus the wait
// for DynamoDB, which memory does not shorten.
func (r *report) memorySizes() {
	fmt.Fprintf(r.out, "\nMemory size: the warm CPU above as added latency and cost per million requests, arm64\n")
	fmt.Fprintf(r.out, "(CPU share %d MB per vCPU; billed time = that latency + %s of DynamoDB wait, rounded up to the ms; $%.7f per GB-s, $%.2f per million requests)\n",
		mbPerVCPU, r.wait, pricePerGBs, pricePerRequest*1e6)
	cols := []string{"function", "CPU µs"}
	for _, m := range memorySizes {
		cols = append(cols, fmt.Sprintf("%d MB ms", m), "$/M")
	}
	tw := table(r.out, cols...)
	for _, c := range bench.Cases {
		cpu := r.warm[c.Function]
		fmt.Fprintf(tw, "%s\t%.0f\t", c.Function, us(cpu))
		for _, m := range memorySizes {
			latency, cost := LambdaCost(cpu, r.wait, m)
			fmt.Fprintf(tw, "%.2f\t%.3f\t", ms(latency), cost*1e6)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// LambdaCost is the latency cpu of CPU work adds at memory MB, and what one
// request costs that spends it and waits wait besides.
func LambdaCost(cpu, wait time.Duration, memory int) (time.Duration, float64) {
	share := min(1, float64(memory)/mbPerVCPU)
	latency := time.Duration(float64(cpu) / share)
	billed := float64((latency + wait + time.Millisecond - 1) / time.Millisecond) // whole ms, rounded up
	return latency, billed/1000*float64(memory)/1024*pricePerGBs + pricePerRequest
}

func (r *report) judge(ok bool, miss string) string {
	if ok {
		return "ok"
	}
	r.over = append(r.over, miss)
	return "OVER"
}

func (r *report) verdict() string {
	if len(r.over) == 0 {
		return "Every budget holds."
	}
	return "Over budget: " + strings.Join(r.over, "; ")
}

// ratios are a[i]/b[i], measurements taken side by side.
func ratios(a, b []time.Duration) []float64 {
	out := make([]float64, min(len(a), len(b)))
	for i := range out {
		out[i] = float64(a[i]) / float64(b[i])
	}
	return out
}

// quartiles are the first and third quartiles of xs, the middle half's
// bounds: a single cold start can be slowed by anything, a quarter of them
// cannot.
func quartiles(xs []float64) (float64, float64) {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/4], s[len(s)*3/4]
}

func table(w io.Writer, columns ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(columns, "\t")+"\t")
	return tw
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mb(n int64) float64         { return float64(n) / (1 << 20) }

// cpuModel is the processor's name, for the record.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}
