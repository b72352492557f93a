// Command xcloud-bench measures the built functions as Lambda runs and bills
// them, and prints the report of docs/PERFORMANCE.md. Each function's
// bootstrap, built as the Makefile builds it, runs under the Lambda Runtime
// API harness against stand-ins for DynamoDB, Secrets Manager, EventBridge
// and SQS that answer at once, next to two references built and run the same
// way: the idiomatic baseline (the same work written as AWS's reference Go
// application writes it) and the minimal aws-lambda-go function. `make
// bench` runs it.
//
//	xcloud-bench [-invocations 10000] [-chunk 50] [-coldstarts 51] [-parallel 2] [-dynamodb-wait 4ms]
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
	"sync"
	"text/tabwriter"
	"time"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/functions/exists"
	"github.com/xcloud/customers/functions/register"
	"github.com/xcloud/customers/internal/bench"
	"github.com/xcloud/customers/shared/changeevent"
)

// The budgets, as docs/PERFORMANCE.md states them.
const (
	cpuBudget       = 1.3 // warm CPU per invocation, against the idiomatic baseline
	coldStartBudget = 1.0 // exec to first response, against the idiomatic baseline
	memoryBudget    = 40 << 20
	// growthBudget is the most RSS may grow over 10,000 invocations, by the
	// trend of its samples: a leak of 100 bytes an invocation. (VmRSS moves
	// by some 0.3 MB from one garbage collection to the next, and settles
	// 0.2-0.6 MB higher over the first few thousand invocations.)
	growthBudget = 1 << 20
	ownedRule    = 0.05 // what owned code must save to stay
)

// Memory is sampled after every turn of the measured run; its trend is
// taken over the samples from settleAfter invocations on.
const settleAfter = 1000

func main() {
	invocations := flag.Int("invocations", 10000, "warm invocations of each function after its warm-up (the idiomatic baseline gets half, the minimal function a tenth)")
	chunk := flag.Int("chunk", 50, "invocations of a function in one turn")
	wait := flag.Duration("dynamodb-wait", 4*time.Millisecond, "DynamoDB's answer time the cost per million requests assumes")
	starts := flag.Int("coldstarts", 51, "cold starts of each function and of each reference")
	parallel := flag.Int("parallel", min(2, runtime.NumCPU()), "builds, and warm measurements (each with its own processes and stand-ins), run side by side")
	flag.Parse()
	began := time.Now()
	r := &report{root: ".", out: os.Stdout, invocations: *invocations, chunk: *chunk, starts: *starts, parallel: max(1, *parallel), wait: *wait}
	if err := r.run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "xcloud-bench:", err)
		os.Exit(1)
	}
	fmt.Fprintf(r.out, "\n%s (report made in %s, of which builds %s)\n", r.verdict(), time.Since(began).Round(time.Second), r.built.Round(time.Second))
}

type report struct {
	root                                 string
	out                                  io.Writer
	invocations, chunk, starts, parallel int
	wait                                 time.Duration // DynamoDB's, for the cost
	over                                 []string      // the budgets missed, for the last line

	dir   string        // the builds
	built time.Duration // how long they took
	warm  map[string]time.Duration
}

func (r *report) run(ctx context.Context) error {
	fmt.Fprintf(r.out, "XCloud customers API: benchmark report, %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(r.out, "machine: %s, %d CPUs, Linux %s, %s %s/%s\n", cpuModel(), runtime.NumCPU(), kernel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(r.out, "the functions fetch their credentials (ListFunction also its page token key) from a stand-in Secrets Manager, as deployed;\nthe idiomatic baseline reads no secret (it has no auth)\n")
	var err error
	if r.dir, err = os.MkdirTemp("", "xcloud-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(r.dir)
	start := time.Now()
	if err := r.build(ctx); err != nil {
		return err
	}
	r.built = time.Since(start)
	w, err := r.measureWarm(ctx)
	if err != nil {
		return err
	}
	if err := r.warmCPU(w); err != nil {
		return fmt.Errorf("warm CPU: %w", err)
	}
	if err := r.exists(ctx); err != nil {
		return fmt.Errorf("existence checks: %w", err)
	}
	if err := r.idempotentRegistration(ctx); err != nil {
		return fmt.Errorf("idempotent registration: %w", err)
	}
	r.streams(w)
	if err := r.coldStarts(ctx); err != nil {
		return fmt.Errorf("cold starts: %w", err)
	}
	if err := r.owned(ctx, w); err != nil {
		return fmt.Errorf("owned code: %w", err)
	}
	r.memorySizes()
	return nil
}

// build compiles every function, the two references and the owned pieces'
// library variants for this host, r.parallel at a time.
func (r *report) build(ctx context.Context) error {
	targets := []bench.Target{{Pkg: "./internal/bench/minimal", Out: r.binary("minimal")}, {Pkg: "./internal/bench/idiomatic", Out: r.binary("idiomatic")}}
	for _, f := range functions.All {
		targets = append(targets, bench.Target{Pkg: f.Main(), Out: r.binary(f.ID)})
	}
	for _, p := range bench.Owned {
		if _, ok := functions.ByID(p.Function.ID); !ok {
			return fmt.Errorf("owned piece %q is measured on %s, which is not a function", p.Name, p.Function.ID)
		}
		targets = append(targets, bench.Target{Pkg: p.Function.Main(), Out: r.binary(p.Function.ID + "+" + p.Tag), Tags: []string{p.Tag}})
	}
	return bench.BuildAll(ctx, r.root, targets, r.parallel)
}

func (r *report) binary(name string) string { return filepath.Join(r.dir, name) }

// event is what case c's function is handed: its signed request, or a batch
// of records copies of its stream record.
func (r *report) event(c bench.Case, records int) ([]byte, error) {
	if c.Stream() {
		return bench.StreamBatch(r.root, c.Event, records)
	}
	return bench.SignedEvent(r.root, c.Event)
}

// runs are how a case's function and its two references are started on
// fakes, handed batches of records if the function is fed by the stream.
func (r *report) runs(c bench.Case, fakes *bench.Fakes, records int) (fn, idiomatic, minimal bench.Run, err error) {
	event, err := r.event(c, records)
	if err != nil {
		return
	}
	env := fakes.Env(c.ID())
	fn = bench.Run{Binary: r.binary(c.ID()), Env: env, Event: event, Stream: c.Stream()}
	idiomatic = bench.Run{Binary: r.binary("idiomatic"), Env: append(slices.Clone(env), "IDIOMATIC_OPERATION="+c.Operation()), Event: event, Stream: c.Stream()}
	minimal = bench.Run{Binary: r.binary("minimal"), Event: event, Stream: c.Stream()}
	if c.Stream() {
		minimal.Env = []string{"MINIMAL_EVENT=stream"}
	}
	return
}

// spreadBlocks is how many blocks of turns the spread of a ratio is taken over.
const spreadBlocks = 10

// turns is how many turns measure each function's invocations in chunks.
func (r *report) turns() int { return max(1, r.invocations/r.chunk) }

// warmRun is what one function's warm measurement found.
type warmRun struct {
	m           bench.Interleaved // function, idiomatic baseline, minimal function
	dynamo      map[string]int    // the function's own DynamoDB calls
	retries     int               // the SDK retried
	unavailable int               // answered 503 (bench.ErrUnavailable)
	putEvents   int               // the function's own PutEvents calls
	events      int               // and the entries the bus took of them
	at          []float64         // invocations of the measured run
	rss         []float64         // VmRSS then, bytes
	peak        int64             // VmHWM at the end
	invocations int               // the function's, measured
	records     int               // per invocation, for a function fed by the stream
}

// warmMeasurements are the warm measurements, which run side by side.
type warmMeasurements struct {
	cases map[string]*warmRun // by function
	large *warmRun            // the stream's function on large batches
	owned []bench.Interleaved // bench.Owned's pieces on and off
}

// measureWarm takes every warm measurement, r.parallel at a time, each with
// its own processes and fakes. Each is a ratio of processes measured in turns
// with each other, so one running beside it weighs on both alike.
func (r *report) measureWarm(ctx context.Context) (*warmMeasurements, error) {
	w := &warmMeasurements{cases: map[string]*warmRun{}, owned: make([]bench.Interleaved, len(bench.Owned))}
	var mu sync.Mutex
	var jobs []func(context.Context) error
	for _, c := range bench.Cases {
		jobs = append(jobs, func(ctx context.Context) error {
			run, err := r.warmCase(ctx, c, bench.Batch, r.turns(), r.chunk)
			if err != nil {
				return fmt.Errorf("warm CPU of %s: %w", c.ID(), err)
			}
			mu.Lock()
			w.cases[c.ID()] = run
			mu.Unlock()
			return nil
		})
		if c.Stream() {
			jobs = append(jobs, func(ctx context.Context) error {
				// A batch a turn: 50 turns of large batches take as long
				// as a function's 10,000 invocations take a few seconds.
				run, err := r.warmCase(ctx, c, bench.LargeBatch, max(spreadBlocks, r.invocations/bench.LargeBatch/2), 1)
				if err != nil {
					return fmt.Errorf("warm CPU of %s on batches of %d: %w", c.ID(), bench.LargeBatch, err)
				}
				mu.Lock()
				w.large = run
				mu.Unlock()
				return nil
			})
		}
	}
	for i, p := range bench.Owned {
		jobs = append(jobs, func(ctx context.Context) error {
			m, err := r.ownedCPU(ctx, p)
			if err != nil {
				return fmt.Errorf("%s on and off: %w", p.Name, err)
			}
			mu.Lock()
			w.owned[i] = m
			mu.Unlock()
			return nil
		})
	}
	return w, inParallel(ctx, r.parallel, jobs)
}

// inParallel runs jobs, n at a time, and returns the first error; the
// others are then cancelled.
func inParallel(ctx context.Context, n int, jobs []func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan func(context.Context) error)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for job := range work {
				if ctx.Err() == nil {
					if err := job(ctx); err != nil {
						cancel(err)
					}
				}
			}
		})
	}
	for _, job := range jobs {
		work <- job
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}

// warmCase runs case c's function warm on batches of records (a function fed
// by the stream) in turns of chunk invocations with its two references (half
// and a tenth as many), after a warm-up of chunk invocations each, and
// counts the function's calls and samples its memory after every turn.
func (r *report) warmCase(ctx context.Context, c bench.Case, records, turns, chunk int) (*warmRun, error) {
	fakes, err := bench.NewFakes(r.root)
	if err != nil {
		return nil, err
	}
	defer fakes.Close()
	fn, idiomatic, minimal, err := r.runs(c, fakes, records)
	if err != nil {
		return nil, err
	}
	var ps []*bench.Process
	for _, run := range []bench.Run{fn, idiomatic, minimal} {
		p, err := bench.Start(ctx, run)
		if err != nil {
			return nil, err
		}
		defer p.Close()
		// Warm before measuring: pools filled, code paged in, secrets fetched.
		if _, err := p.Invoke(ctx, chunk); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	w := &warmRun{dynamo: map[string]int{}, records: records, invocations: turns * chunk}
	fakes.DynamoDB.Calls()
	calls, taken := fakes.Bus.Calls(), fakes.Bus.Taken()
	w.m, err = bench.Interleave(ctx, ps, []int{chunk, max(1, chunk/2), max(1, chunk/10)}, turns, func(turn, i int) error {
		made, retried := fakes.DynamoDB.Calls()
		nowCalls, nowTaken := fakes.Bus.Calls(), fakes.Bus.Taken()
		defer func() { calls, taken = nowCalls, nowTaken }()
		if i != 0 {
			return nil
		}
		for op, n := range made {
			w.dynamo[op] += n
		}
		w.retries += retried
		w.putEvents += nowCalls - calls
		w.events += nowTaken - taken
		if done := (turn + 1) * chunk; done >= settleAfter {
			rss, _, err := ps[0].Memory()
			w.at, w.rss = append(w.at, float64(done)), append(w.rss, float64(rss))
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	w.unavailable = ps[0].Unavailable()
	_, w.peak, err = ps[0].Memory()
	return w, err
}

// warmCPU reports the CPU time of the whole process per invocation of each
// function and its references, the calls it made and its memory.
func (r *report) warmCPU(w *warmMeasurements) error {
	fmt.Fprintf(r.out, "\nWarm CPU per invocation: the whole process (event, runtime loop, handler, SDK, GC), as Lambda bills it\n")
	fmt.Fprintf(r.out, "(after %d of warm-up, %d turns of %d invocations, each with %d of the idiomatic baseline and %d of the minimal function;\n ratio of the means, [lowest–highest] over %d blocks of turns; %s is handed batches of %d stream record)\n",
		r.chunk, r.turns(), r.chunk, max(1, r.chunk/2), max(1, r.chunk/10), spreadBlocks, streamIDs(), bench.Batch)
	cpu := table(r.out, "function", "µs", "idiomatic µs", "minimal µs", "to idiomatic", "spread", "to minimal", "calls per request", "budget")
	mem := &strings.Builder{}
	memTable := table(mem, "function", fmt.Sprintf("RSS at %s MB", thousands(settleAfter)), fmt.Sprintf("at %s MB", thousands(r.turns()*r.chunk)), "trend MB per 10,000", "peak MB", "budget")
	r.warm = map[string]time.Duration{}
	var retried, unavailable []string
	for _, c := range bench.Cases {
		run := w.cases[c.ID()]
		m := run.m
		r.warm[c.ID()] = m.Mean(0)
		ratio := m.Ratio(0, 1)
		lo, hi := m.Spread(0, 1, spreadBlocks)
		fmt.Fprintf(cpu, "%s\t%.0f\t%.0f\t%.0f\t%.2f×\t[%.2f–%.2f]\t%.2f×\t%s\t≤ %.1f× %s\t\n", c.ID(),
			us(m.Mean(0)), us(m.Mean(1)), us(m.Mean(2)), ratio, lo, hi, m.Ratio(0, 2), r.calls(c, run),
			cpuBudget, r.judge(ratio <= cpuBudget, fmt.Sprintf("%s uses %.2f× the idiomatic baseline's CPU", c.ID(), ratio)))
		if run.retries > 0 {
			retried = append(retried, fmt.Sprintf("%s %.2f%%", c.ID(), float64(run.retries)/float64(run.invocations)*100))
		}
		if run.unavailable > 0 {
			unavailable = append(unavailable, fmt.Sprintf("%s %d of %s", c.ID(), run.unavailable, thousands(run.invocations)))
		}
		if len(run.rss) == 0 {
			return fmt.Errorf("%s: no memory sample in %d invocations", c.ID(), run.invocations)
		}
		trend := bench.Slope(run.at, run.rss) * 10000
		fmt.Fprintf(memTable, "%s\t%.1f\t%.1f\t%+.2f\t%.1f\t< %d MB, trend ≤ %.1f %s\t\n", c.ID(), mb(int64(run.rss[0])), mb(int64(run.rss[len(run.rss)-1])), trend/(1<<20), mb(run.peak),
			memoryBudget>>20, float64(growthBudget)/(1<<20), r.judge(run.peak < memoryBudget && trend <= growthBudget,
				fmt.Sprintf("%s: peak %.1f MB, RSS trend %+.2f MB per 10,000 invocations", c.ID(), mb(run.peak), trend/(1<<20))))
	}
	cpu.Flush()
	if len(retried) > 0 {
		fmt.Fprintf(r.out, "Calls the SDK retried (a closed connection, aws/aws-sdk-go-v2#2737; counted once above): %s of requests\n", strings.Join(retried, ", "))
	}
	if len(unavailable) > 0 {
		fmt.Fprintf(r.out, "Answered 503, every attempt of the call having met that race (at most %d allowed): %s\n", bench.MaxUnavailable, strings.Join(unavailable, ", "))
	}
	memTable.Flush()
	fmt.Fprintf(r.out, "\nMemory of each function over its %s measured warm invocations (VmRSS after every turn from the %sth on;\n trend = their least-squares slope, over 10,000 invocations; peak = VmHWM)\n%s",
		thousands(r.turns()*r.chunk), thousands(settleAfter), mem)
	return nil
}

// calls says, and judges, what calls each request of case c made: one
// DynamoDB call, or for a function fed by the stream none, and one
// PutEvents call for each ten events of its batch.
func (r *report) calls(c bench.Case, w *warmRun) string {
	n := float64(w.invocations)
	if !c.Stream() {
		ok := len(w.dynamo) == 1 && w.dynamo[c.DynamoOp] == w.invocations
		return fmt.Sprintf("%g %s %s", float64(w.dynamo[c.DynamoOp])/n, c.DynamoOp,
			r.judge(ok, c.ID()+" does not make exactly one DynamoDB call per request"))
	}
	limit := math.Ceil(float64(w.records) / changeevent.MaxEntries)
	ok := total(w.dynamo) == 0 && float64(w.putEvents)/n <= limit && w.events == w.records*w.invocations
	return fmt.Sprintf("%g PutEvents %s", float64(w.putEvents)/n, r.judge(ok,
		fmt.Sprintf("%s: %.1f PutEvents, %.1f events and %d DynamoDB calls per batch of %d", c.ID(), float64(w.putEvents)/n, float64(w.events)/n, total(w.dynamo), w.records)))
}

func streamIDs() string {
	var ids []string
	for _, c := range bench.Cases {
		if c.Stream() {
			ids = append(ids, c.ID())
		}
	}
	return strings.Join(ids, ", ")
}

// thousands writes n with a comma between thousands: 10,000.
func thousands(n int) string {
	if n < 1000 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%s,%03d", thousands(n/1000), n%1000)
}

// exists checks that a HEAD of the most ids the contract allows is one
// BatchGetItem, and that one of more is refused before any call.
func (r *report) exists(ctx context.Context) error {
	id := exists.Function.ID
	fmt.Fprintf(r.out, "\nHEAD of many ids, %s warm\n", id)
	tw := table(r.out, "ids", "DynamoDB calls", "budget")
	fakes, err := bench.NewFakes(r.root)
	if err != nil {
		return err
	}
	defer fakes.Close()
	for _, n := range []int{100, 101} {
		event, err := bench.ExistsEvent(r.root, n)
		if err != nil {
			return err
		}
		p, err := bench.Start(ctx, bench.Run{Binary: r.binary(id), Env: fakes.Env(id), Event: event})
		if err != nil {
			return err
		}
		fakes.DynamoDB.Calls()
		_, err = p.Process.Invoke(ctx, event) // a 404 or a 400 is the answer here
		p.Close()
		if err != nil {
			return err
		}
		calls, _ := fakes.DynamoDB.Calls()
		want := map[int]int{100: 1, 101: 0}[n]
		fmt.Fprintf(tw, "%d\t%d BatchGetItem\t%d %s\t\n", n, calls["BatchGetItem"], want,
			r.judge(calls["BatchGetItem"] == want && len(calls) <= 1, fmt.Sprintf("a HEAD of %d ids made %v", n, calls)))
	}
	return tw.Flush()
}

// idempotentRegistration checks that a first registration carrying an
// Idempotency-Key, as the clients send by default, is still one PutItem.
func (r *report) idempotentRegistration(ctx context.Context) error {
	id := register.Function.ID
	fmt.Fprintf(r.out, "\nFirst registration with an Idempotency-Key, %s warm\n", id)
	tw := table(r.out, "request", "DynamoDB calls", "budget")
	event, err := bench.SignedEvent(r.root, "register-idempotent.json")
	if err != nil {
		return err
	}
	fakes, err := bench.NewFakes(r.root)
	if err != nil {
		return err
	}
	defer fakes.Close()
	p, err := bench.Start(ctx, bench.Run{Binary: r.binary(id), Env: fakes.Env(id), Event: event})
	if err != nil {
		return err
	}
	defer p.Close()
	fakes.DynamoDB.Calls()
	if _, err := p.Invoke(ctx, 1); err != nil { // a 2xx, or an error
		return err
	}
	calls, _ := fakes.DynamoDB.Calls()
	fmt.Fprintf(tw, "POST with Idempotency-Key\t%d PutItem, %d in all\t1 PutItem %s\t\n", calls["PutItem"], total(calls),
		r.judge(len(calls) == 1 && calls["PutItem"] == 1, fmt.Sprintf("a first registration with an Idempotency-Key made %v", calls)))
	return tw.Flush()
}

// streams reports each function fed by the table's stream per batch, on
// the batch of the warm CPU table and on large batches, against its
// idiomatic baseline: the CPU per batch and per record, and the PutEvents
// calls per batch, at most one per ten events.
func (r *report) streams(w *warmMeasurements) {
	fmt.Fprintf(r.out, "\nChange events: per batch of stream records (one event each), warm, on a stand-in bus, with the idiomatic baseline\n")
	tw := table(r.out, "function", "records", "batches", "µs per batch", "idiomatic µs", "to idiomatic", "spread", "µs per record", "PutEvents per batch", "budget")
	for _, c := range bench.Cases {
		if !c.Stream() {
			continue
		}
		for _, run := range []*warmRun{w.cases[c.ID()], w.large} {
			m, n := run.m, float64(run.invocations)
			ratio := m.Ratio(0, 1)
			lo, hi := m.Spread(0, 1, spreadBlocks)
			perBatch := float64(run.putEvents) / n
			limit := math.Ceil(float64(run.records) / changeevent.MaxEntries)
			budget := "(above)"
			if run == w.large {
				budget = fmt.Sprintf("≤ %.1f× %s", cpuBudget, r.judge(ratio <= cpuBudget,
					fmt.Sprintf("%s uses %.2f× the idiomatic baseline's CPU on batches of %d", c.ID(), ratio, run.records)))
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f\t%.2f×\t[%.2f–%.2f]\t%.1f\t%.1f ≤ %.0f %s\t%s\t\n", c.ID(), run.records, run.invocations,
				us(m.Mean(0)), us(m.Mean(1)), ratio, lo, hi, us(m.Mean(0))/float64(run.records), perBatch, limit,
				r.judge(perBatch <= limit && run.events == run.records*run.invocations,
					fmt.Sprintf("%s: %.1f PutEvents and %.1f events per batch of %d", c.ID(), perBatch, float64(run.events)/n, run.records)), budget)
		}
	}
	tw.Flush()
}

func total(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

// coldStarts times exec to first response of each function and its
// references, in turns, and counts the secrets each start of the function
// fetched.
func (r *report) coldStarts(ctx context.Context) error {
	fmt.Fprintf(r.out, "\nCold start: exec to first response, each function and its references in turns\n")
	fmt.Fprintf(r.out, "(%d starts each; ms are medians; ratio = median of the turns' ratios, [interquartile range])\n", r.starts)
	tw := table(r.out, "function", "ms", "idiomatic ms", "minimal ms", "to idiomatic", "spread", "to minimal", "secrets fetched", "budget")
	fakes, err := bench.NewFakes(r.root)
	if err != nil {
		return err
	}
	defer fakes.Close()
	for _, c := range bench.Cases {
		fn, idiomatic, minimal, err := r.runs(c, fakes, bench.Batch)
		if err != nil {
			return err
		}
		fakes.Secrets.Calls()
		times, err := bench.ColdStarts(ctx, r.starts, fn, idiomatic, minimal)
		if err != nil {
			return err
		}
		secrets := float64(fakes.Secrets.Calls()) / float64(r.starts+1) // the uncounted first start too
		toIdiomatic := ratios(times[0], times[1])
		ratio := bench.Median(toIdiomatic)
		lo, hi := quartiles(toIdiomatic)
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.2f×\t[%.2f–%.2f]\t%.2f×\t%g GetSecretValue\t≤ %.1f× %s\t\n", c.ID(),
			ms(bench.Median(times[0])), ms(bench.Median(times[1])), ms(bench.Median(times[2])), ratio, lo, hi,
			bench.Median(ratios(times[0], times[2])), secrets, coldStartBudget,
			r.judge(ratio <= coldStartBudget, fmt.Sprintf("%s cold-starts in %.2f× the idiomatic baseline's time", c.ID(), ratio)))
	}
	return tw.Flush()
}

// ownedRuns are the function a piece is measured on as deployed (on) and
// built with the piece's tag (off).
func (r *report) ownedRuns(p bench.Piece, fakes *bench.Fakes) (on, off bench.Run, err error) {
	c, err := bench.CaseOf(p.Function.ID)
	if err != nil {
		return
	}
	on, _, _, err = r.runs(c, fakes, bench.Batch)
	off = on
	off.Binary = r.binary(p.Function.ID + "+" + p.Tag)
	return
}

// ownedCPU measures piece p on and off warm, in turns.
func (r *report) ownedCPU(ctx context.Context, p bench.Piece) (bench.Interleaved, error) {
	fakes, err := bench.NewFakes(r.root)
	if err != nil {
		return nil, err
	}
	defer fakes.Close()
	on, off, err := r.ownedRuns(p, fakes)
	if err != nil {
		return nil, err
	}
	return r.pairedCPU(ctx, on, off)
}

// owned reports each piece of code that replaces a library's work with the
// piece on (the function as deployed) and off (built with the piece's tag,
// which puts the library back): its cold starts, measured here in turns, and
// its warm CPU, measured with the others (measureWarm).
func (r *report) owned(ctx context.Context, w *warmMeasurements) error {
	fmt.Fprintf(r.out, "\nWhat we own instead of a library: each piece on (as deployed) and off (the library), in turns;\nit stays while it saves %.0f%% of its figure (cold start: median of the turns' ratios [interquartile range];\nwarm CPU: ratio of the means [lowest–highest block])\n", ownedRule*100)
	tw := table(r.out, "piece", "function", "figure", "on", "off", "saves", "spread", "rule")
	fakes, err := bench.NewFakes(r.root)
	if err != nil {
		return err
	}
	defer fakes.Close()
	for i, p := range bench.Owned {
		on, off, err := r.ownedRuns(p, fakes)
		if err != nil {
			return err
		}
		times, err := bench.ColdStarts(ctx, r.starts, on, off)
		if err != nil {
			return err
		}
		cpu := w.owned[i]
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
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f%%\t[%.1f–%.1f%%]\t%s\t\n", p.Name, p.Function.ID, f.name, f.on, f.off, saves*100, (1-f.hi)*100, (1-f.lo)*100, verdict)
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
	return bench.Interleave(ctx, ps, []int{r.chunk, r.chunk}, max(spreadBlocks, r.turns()/4), nil)
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
	fmt.Fprintf(r.out, "(CPU share %d MB per vCPU; billed time = that latency + %s of waiting for DynamoDB (EventBridge for %s), rounded up to the ms;\n $%.7f per GB-s, $%.2f per million requests or batches)\n",
		mbPerVCPU, r.wait, streamIDs(), pricePerGBs, pricePerRequest*1e6)
	cols := []string{"function", "CPU µs"}
	for _, m := range memorySizes {
		cols = append(cols, fmt.Sprintf("%d MB ms", m), "$/M")
	}
	tw := table(r.out, cols...)
	for _, c := range bench.Cases {
		cpu := r.warm[c.ID()]
		fmt.Fprintf(tw, "%s\t%.0f\t", c.ID(), us(cpu))
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
