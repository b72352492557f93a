package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/xcloud/customers/internal/lambdarun"
)

// binaries are the builds the process tests measure, for this host.
type binaries struct {
	minimal, get, getUnstripped string
}

func build(t *testing.T) (string, binaries) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs Lambda binaries")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b := binaries{
		minimal:       filepath.Join(dir, "minimal"),
		get:           filepath.Join(dir, "get"),
		getUnstripped: filepath.Join(dir, "get-unstripped"),
	}
	for _, bin := range []struct {
		pkg, out string
		strip    bool
	}{
		{"./internal/bench/minimal", b.minimal, true},
		{"./functions/get/bootstrap", b.get, true},
		{"./functions/get/bootstrap", b.getUnstripped, false},
	} {
		if err := Build(t.Context(), root, bin.pkg, runtime.GOOS, runtime.GOARCH, bin.out, bin.strip); err != nil {
			t.Fatal(err)
		}
	}
	return root, b
}

// runs are the minimal function and the get function on a fake DynamoDB,
// each with the signed get event.
func runs(t *testing.T, root string, b binaries) (minimal, get Run, fake *FakeDynamoDB) {
	t.Helper()
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
	return Run{b.minimal, nil, event}, Run{b.get, env, event}, fake
}

// The process measurements of the minimal function and of the get function,
// built as for Lambda but for this host: each answers its event, the cold
// starts, memory and sizes come out plausible, and a measurement of a
// request that fails is an error, not a figure.
func TestProcessMeasurements(t *testing.T) {
	root, b := build(t)
	minimal, get, fake := runs(t, root, b)
	ctx := t.Context()

	t.Run("get answers 200 on the fake DynamoDB", func(t *testing.T) {
		p, err := lambdarun.Start(ctx, lambdarun.Options{Binary: get.Binary, Function: functionName, Env: get.Env})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		fake.Calls()
		res, err := p.Invoke(ctx, get.Event)
		if err != nil {
			t.Fatal(err)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(res.Payload, &resp); err != nil {
			t.Fatalf("%s: %v", res.Payload, err)
		}
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"customerId":"FST-1536316721808-NewCustomer"`) {
			t.Errorf("status %d, body %s; want 200 and the customer", resp.StatusCode, resp.Body)
		}
		if calls := fake.Calls(); calls["GetItem"] != 1 {
			t.Errorf("DynamoDB calls %v, want one GetItem", calls)
		}
		if res.SinceStart < res.Duration {
			t.Errorf("SinceStart %s is less than the invocation's own %s", res.SinceStart, res.Duration)
		}
	})

	t.Run("cold starts", func(t *testing.T) {
		const n = 5
		fake.Calls()
		minDur, getDur, err := ColdStarts(ctx, n, minimal, get)
		if err != nil {
			t.Fatal(err)
		}
		if len(minDur) != n || len(getDur) != n {
			t.Fatalf("%d and %d cold starts, want %d each", len(minDur), len(getDur), n)
		}
		for i := range n {
			if minDur[i] <= 0 || getDur[i] <= 0 || getDur[i] > 5*time.Second {
				t.Errorf("run %d: cold starts %s (minimal) and %s (get), want more than 0 and a plausible time", i, minDur[i], getDur[i])
			}
		}
		// n measured and one not counted, each one GetItem.
		if calls := fake.Calls(); calls["GetItem"] != n+1 {
			t.Errorf("DynamoDB calls %v, want %d GetItem", calls, n+1)
		}
		t.Logf("cold start, median of %d: minimal %s, get %s (%.1fx); all: minimal %v, get %v",
			n, Median(minDur), Median(getDur), float64(Median(getDur))/float64(Median(minDur)), minDur, getDur)
	})

	t.Run("a failing request is an error", func(t *testing.T) {
		bad, err := SignedEvent(root, "get-bad-signature.json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ColdStart(ctx, get.Binary, get.Env, bad); err == nil || !strings.Contains(err.Error(), "status 401") {
			t.Errorf("cold start with a bad signature: error %v, want status 401", err)
		}
		if _, err := ColdStart(ctx, get.Binary, get.Env, []byte(`"not an event"`)); err == nil || !strings.Contains(err.Error(), "function error") {
			t.Errorf("cold start with no event: error %v, want a function error", err)
		}
		_, err = ColdStart(ctx, get.Binary, nil, get.Event)
		if err == nil || !strings.Contains(err.Error(), "TABLE_NAME is not set") {
			t.Errorf("cold start without its environment: error %v, want its complaint from stderr", err)
		}
	})

	t.Run("memory", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("reads /proc")
		}
		const n = 2000
		for _, r := range []struct {
			name string
			Run
		}{{"minimal", minimal}, {"get", get}} {
			m, err := Memory(ctx, r.Binary, r.Env, r.Event, n)
			if err != nil {
				t.Fatal(err)
			}
			if m.Invocations != n || m.InitRSS <= 0 || m.EarlyRSS <= 0 || m.FinalRSS <= 0 {
				t.Errorf("%s: %+v, want every figure above 0", r.name, m)
			}
			if m.PeakRSS < m.FinalRSS || m.PeakRSS < m.EarlyRSS || m.PeakRSS >= 200<<20 {
				t.Errorf("%s: peak %d bytes, want at least the RSS seen (%+v) and under 200 MB", r.name, m.PeakRSS, m)
			}
			t.Logf("%s, %d invocations: RSS %.1f MB after init, %.1f MB after %d, %.1f MB at the end; peak %.1f MB",
				r.name, n, mb(m.InitRSS), mb(m.EarlyRSS), MemoryWindow, mb(m.FinalRSS), mb(m.PeakRSS))
		}
	})

	t.Run("size", func(t *testing.T) {
		stripped, err := Size(b.get)
		if err != nil {
			t.Fatal(err)
		}
		unstripped, err := Size(b.getUnstripped)
		if err != nil {
			t.Fatal(err)
		}
		minSize, err := Size(b.minimal)
		if err != nil {
			t.Fatal(err)
		}
		if !(0 < minSize && minSize < stripped && stripped < unstripped) {
			t.Errorf("sizes: minimal %d, get %d, get unstripped %d; want them growing in that order", minSize, stripped, unstripped)
		}
		t.Logf("stripped size: minimal %.1f MB, get %.1f MB (%.1fx); get unstripped %.1f MB",
			mb(minSize), mb(stripped), float64(stripped)/float64(minSize), mb(unstripped))

		if _, err := Packages(b.get, 10); err == nil || !strings.Contains(err.Error(), "no symbol table") {
			t.Errorf("packages of a stripped binary: error %v, want no symbol table", err)
		}
		all, err := Packages(b.getUnstripped, 0)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for i, p := range all {
			total += p.Bytes
			if p.Bytes <= 0 || i > 0 && p.Bytes > all[i-1].Bytes {
				t.Errorf("entry %d %+v: want sizes above 0, largest first", i, p)
			}
		}
		// The entries account for the loaded sections: all of the stripped
		// file but its headers and the padding between sections.
		if total > stripped || total < stripped*9/10 {
			t.Errorf("packages add up to %d bytes, want most of the stripped binary's %d", total, stripped)
		}
		top := all[:10]
		var hasRuntime, hasSDK bool
		for _, p := range top {
			hasRuntime = hasRuntime || p.Name == "runtime"
			hasSDK = hasSDK || strings.HasPrefix(p.Name, "github.com/aws/aws-sdk-go-v2/")
			t.Logf("%-60s %8.1f KB", p.Name, float64(p.Bytes)/1024)
		}
		if !hasRuntime || !hasSDK {
			t.Errorf("top 10 packages %v, want runtime and an AWS SDK package among them", top)
		}
		if p, _ := Packages(b.getUnstripped, 10); len(p) != 10 || p[9] != all[9] {
			t.Errorf("top 10: %v, want the first 10 of all", p)
		}

		mods, err := Modules(b.getUnstripped, 0)
		if err != nil {
			t.Fatal(err)
		}
		var modTotal int64
		byName := map[string]int64{}
		for _, m := range mods {
			modTotal += m.Bytes
			byName[m.Name] = m.Bytes
		}
		if modTotal != total {
			t.Errorf("modules add up to %d bytes, packages to %d", modTotal, total)
		}
		for _, want := range []string{StdModule, "github.com/xcloud/customers", "github.com/aws/aws-sdk-go-v2/service/dynamodb", "github.com/aws/aws-lambda-go"} {
			if byName[want] <= 0 {
				t.Errorf("modules %v: want %s", mods, want)
			}
		}
		for i, m := range mods[:min(10, len(mods))] {
			t.Logf("module %2d %-55s %8.1f KB", i+1, m.Name, float64(m.Bytes)/1024)
		}
	})
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func TestSymbolPackage(t *testing.T) {
	for name, want := range map[string]string{
		"runtime.mallocgc":                  "runtime",
		"runtime.text":                      "runtime",
		"internal/abi.(*Type).Kind":         "internal/abi",
		"main.main":                         "main",
		"net/http.(*Transport).dialConn-fm": "net/http",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb.(*Client).GetItem":        "github.com/aws/aws-sdk-go-v2/service/dynamodb",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas.init.0":           "github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas",
		"github.com/aws/smithy-go/transport/http.(*Request).Build.func1":         "github.com/aws/smithy-go/transport/http",
		"vendor/golang.org/x/net/idna.idnaValues":                                "vendor/golang.org/x/net/idna",
		"slices.SortFunc[go.shape.[]github.com/x/y.T,go.shape.struct { a int }]": "slices",
		"sync/atomic.(*Pointer[github.com/x/y.T]).Load":                          "sync/atomic",
		"go:itab.*net/http.Transport,net/http.RoundTripper":                      "net/http",
		"go:itab.github.com/aws/smithy-go/metrics.NopMeter,github.com/x/y.Meter": "github.com/aws/smithy-go/metrics",
		"type:.eq.[16]sync/atomic.Pointer[internal/sync.node[interface {},int]]": "sync/atomic",
		"type:.eq.[2]github.com/aws/smithy-go/transport/http.AuthScheme":         "github.com/aws/smithy-go/transport/http",
		"type:.hash.[]*time.zone":                                                "time",
		"type:*":                                                                 OtherBucket,
		"type:.eq.struct { io.Reader; io.Closer }":                               OtherBucket,
		"go:struct { io.Reader; io.Closer }.Read":                                OtherBucket,
		"go:(*struct { io.Reader; io.Closer }).Read":                             OtherBucket,
		"go:string.*":                OtherBucket,
		"go:buildinfo":               OtherBucket,
		"go:main.inittasks":          OtherBucket,
		"$f64.3ff0000000000000":      OtherBucket,
		"_rt0_amd64_linux":           OtherBucket,
		"gopkg.in/yaml%2ev3.Marshal": "gopkg.in/yaml.v3",
	} {
		if got := symbolPackage(name); got != want {
			t.Errorf("symbolPackage(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestModuleOf(t *testing.T) {
	mods := []string{"github.com/aws/aws-sdk-go-v2/service/dynamodb", "github.com/aws/aws-sdk-go-v2", "github.com/xcloud/customers"}
	for pkg, want := range map[string]string{
		"main": "github.com/xcloud/customers",
		"github.com/xcloud/customers/shared/store":            "github.com/xcloud/customers",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb/types": "github.com/aws/aws-sdk-go-v2/service/dynamodb",
		"github.com/aws/aws-sdk-go-v2/aws":                    "github.com/aws/aws-sdk-go-v2",
		"github.com/aws/aws-sdk-go-v2x/foo":                   "github.com/aws/aws-sdk-go-v2x/foo",
		"runtime":                                             StdModule,
		"crypto/internal/fips140/drbg":                        StdModule,
		"vendor/golang.org/x/net/idna":                        StdModule,
		PclntabBucket:                                         PclntabBucket,
		OtherBucket:                                           OtherBucket,
	} {
		if got := moduleOf(pkg, mods, "github.com/xcloud/customers"); got != want {
			t.Errorf("moduleOf(%q) = %q, want %q", pkg, got, want)
		}
	}
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
