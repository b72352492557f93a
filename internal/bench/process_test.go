package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/xcloud/customers/functions"
)

// built compiles the get function, the idiomatic baseline and the minimal
// function for this host, and returns how to run each against a fake
// DynamoDB with the signed get event.
func built(t *testing.T) (get, idiomatic, minimal Run, fake *FakeDynamoDB) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs Lambda binaries")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads a process's CPU clock and /proc")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, pkg := range map[string]string{"get": "./functions/get/bootstrap", "idiomatic": "./internal/bench/idiomatic", "minimal": "./internal/bench/minimal"} {
		if err := Build(t.Context(), root, pkg, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	fake = NewFakeDynamoDB(Table)
	t.Cleanup(fake.Close)
	env, err := FunctionEnv(root, fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	event, err := SignedEvent(root, "get.json")
	if err != nil {
		t.Fatal(err)
	}
	return Run{Binary: filepath.Join(dir, "get"), Env: env, Event: event},
		Run{Binary: filepath.Join(dir, "idiomatic"), Env: append(env, "IDIOMATIC_OPERATION=get"), Event: event},
		Run{Binary: filepath.Join(dir, "minimal"), Event: event}, fake
}

// The process measurements of the get function and its two references: each
// answers its event with one GetItem, CPU time, memory and cold starts come
// out plausible, and a request that fails is an error, not a figure.
func TestProcessMeasurements(t *testing.T) {
	get, idiomatic, minimal, fake := built(t)
	ctx := t.Context()

	t.Run("each answers its event with one GetItem", func(t *testing.T) {
		for _, r := range []Run{get, idiomatic} {
			p, err := Start(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			fake.Calls()
			res, err := p.Invoke(ctx, 3)
			p.Close()
			if err != nil {
				t.Fatal(err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(res.Payload, &resp); err != nil {
				t.Fatalf("%s: %v", res.Payload, err)
			}
			if !strings.Contains(resp.Body, `"customerId":"FST-1536316721808-NewCustomer"`) {
				t.Errorf("%s: body %s, want the customer", r.Binary, resp.Body)
			}
			if calls, _ := fake.Calls(); len(calls) != 1 || calls["GetItem"] != 3 {
				t.Errorf("%s: DynamoDB calls %v, want 3 GetItem", r.Binary, calls)
			}
		}
	})

	t.Run("CPU per invocation and memory", func(t *testing.T) {
		byName := map[string]time.Duration{}
		for name, r := range map[string]Run{"get": get, "minimal": minimal} {
			p, err := Start(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			d, err := p.CPUPerInvocation(ctx, 300)
			if err != nil {
				t.Fatal(err)
			}
			rss, peak, err := p.Memory()
			if err != nil {
				t.Fatal(err)
			}
			if d <= 0 || d > 50*time.Millisecond || rss <= 0 || peak < rss || peak > 200<<20 {
				t.Errorf("%s: %s of CPU per invocation, RSS %d, peak %d: want plausible figures", name, d, rss, peak)
			}
			byName[name] = d
		}
		// The get function does everything the minimal one does, and more.
		if byName["get"] <= byName["minimal"] {
			t.Errorf("CPU per invocation: get %s, minimal %s; want get to cost more", byName["get"], byName["minimal"])
		}
	})

	t.Run("cold starts in turns", func(t *testing.T) {
		const n = 3
		times, err := ColdStarts(ctx, n, get, idiomatic, minimal)
		if err != nil {
			t.Fatal(err)
		}
		if len(times) != 3 {
			t.Fatalf("%d series, want 3", len(times))
		}
		for i, ds := range times {
			if len(ds) != n {
				t.Errorf("series %d: %d cold starts, want %d", i, len(ds), n)
			}
			for _, d := range ds {
				if d <= 0 || d > 5*time.Second {
					t.Errorf("series %d: cold start %s, want a plausible time", i, d)
				}
			}
		}
	})

	t.Run("a failing request is an error", func(t *testing.T) {
		bad, err := SignedEvent("../..", "get-bad-signature.json")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			run  Run
			want string
		}{
			{Run{Binary: get.Binary, Env: get.Env, Event: bad}, "status 401"},
			{Run{Binary: get.Binary, Env: get.Env, Event: []byte(`"not an event"`)}, "status 400"},
			{Run{Binary: get.Binary, Event: get.Event}, "TABLE_NAME is not set"},
		} {
			if _, err := ColdStart(ctx, c.run); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("cold start: error %v, want %q", err, c.want)
			}
		}
	})
}

func TestMedian(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2}
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{{nil, 0}, {[]time.Duration{7}, 7}, {[]time.Duration{3, 1, 2}, 2}, {ds, 3}} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if ds[0] != 5 || ds[3] != 2 {
		t.Errorf("Median reordered its argument: %v", ds)
	}
}

func TestReadMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	status := "Name:\tbootstrap\nVmPeak:\t 1264236 kB\nVmHWM:\t   21700 kB\nVmRSS:\t   20480 kB\nThreads:\t5\n"
	if err := os.WriteFile(path, []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	rss, hwm, err := readMemory(path)
	if err != nil || rss != 20480<<10 || hwm != 21700<<10 {
		t.Errorf("readMemory = %d, %d, %v; want %d, %d", rss, hwm, err, 20480<<10, 21700<<10)
	}
	if err := os.WriteFile(path, []byte("Name:\tzombie\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readMemory(path); err == nil {
		t.Error("readMemory of a status without VmRSS: no error")
	}
}

// Every function is measured: each serving a route has its case, each fed
// by the stream its stream case, and each case is of a function.
func TestEveryFunctionHasACase(t *testing.T) {
	for _, f := range functions.All {
		if f.HTTP() {
			if _, err := CaseOf(f.ID); err != nil {
				t.Error(err)
			}
		} else if !slices.ContainsFunc(StreamCases, func(c StreamCase) bool { return c.Function == f.ID }) {
			t.Errorf("no stream case for %s", f.ID)
		}
	}
	for _, c := range Cases {
		if f, ok := functions.ByID(c.Function); !ok || !f.HTTP() {
			t.Errorf("case of %s, which is not a function serving a route", c.Function)
		}
	}
	for _, c := range StreamCases {
		if f, ok := functions.ByID(c.Function); !ok || f.HTTP() {
			t.Errorf("stream case of %s, which is not a function fed by the stream", c.Function)
		}
	}
}

// A stream batch is n records of n customers, each its own.
func TestStreamBatch(t *testing.T) {
	b, err := StreamBatch("../..", "stream-update.json", 3)
	if err != nil {
		t.Fatal(err)
	}
	var batch events.DynamoDBEvent
	if err := json.Unmarshal(b, &batch); err != nil || len(batch.Records) != 3 {
		t.Fatalf("%v: %d records", err, len(batch.Records))
	}
	seen := map[string]bool{}
	for _, r := range batch.Records {
		id := r.Change.Keys["customerId"].String()
		if seen[id] || seen[r.EventID] || seen[r.Change.SequenceNumber] || r.Change.NewImage["customerId"].String() != id {
			t.Errorf("record %s %s %s repeats or mixes customers", id, r.EventID, r.Change.SequenceNumber)
		}
		seen[id], seen[r.EventID], seen[r.Change.SequenceNumber] = true, true, true
	}
}
