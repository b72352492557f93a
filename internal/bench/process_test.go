package bench

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/xcloud/customers/functions"
)

// built compiles the get function, the idiomatic baseline and the minimal
// function for this host, and returns how to run each against a fake
// DynamoDB with the signed get event.
func built(t *testing.T) (get, idiomatic, minimal Run, fakes *Fakes) {
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
	fakes, err = NewFakes(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fakes.Close)
	env := fakes.Env("GetFunction")
	event, err := SignedEvent(root, "get.json")
	if err != nil {
		t.Fatal(err)
	}
	return Run{Binary: filepath.Join(dir, "get"), Env: env, Event: event},
		Run{Binary: filepath.Join(dir, "idiomatic"), Env: append(env, "IDIOMATIC_OPERATION=get"), Event: event},
		Run{Binary: filepath.Join(dir, "minimal"), Event: event}, fakes
}

// The process measurements of the get function and its two references: each
// answers its event with one GetItem, the function having fetched its
// credentials from Secrets Manager, CPU time, memory and cold starts come
// out plausible, and a request that fails is an error, not a figure.
func TestProcessMeasurements(t *testing.T) {
	get, idiomatic, minimal, fakes := built(t)
	fake := fakes.DynamoDB
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
			want := map[string]int{get.Binary: 1, idiomatic.Binary: 0}[r.Binary] // the baseline has no auth
			if n := fakes.Secrets.Calls(); n != want {
				t.Errorf("%s: %d GetSecretValue calls, want %d", r.Binary, n, want)
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

// Every function is measured: each of functions.All has its case, once, and
// each case is of a function of functions.All.
func TestEveryFunctionHasACase(t *testing.T) {
	for _, f := range functions.All {
		if _, err := CaseOf(f.ID); err != nil {
			t.Error(err)
		}
	}
	seen := map[string]bool{}
	for _, c := range Cases {
		if _, ok := functions.ByID(c.ID()); !ok || seen[c.ID()] {
			t.Errorf("case of %s, which is not a function of functions.All or has another case", c.ID())
		}
		seen[c.ID()] = true
		if c.Stream() != (c.DynamoOp == "") {
			t.Errorf("case of %s: a function serving a route makes one DynamoDB call, one fed by the stream none", c.ID())
		}
	}
}

// The idiomatic baseline has an operation for every case: make bench would
// otherwise stop at the case's first run.
func TestEveryCaseHasABaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the baseline")
	}
	bin := filepath.Join(t.TempDir(), "idiomatic")
	if err := Build(t.Context(), "../..", "./internal/bench/idiomatic", bin); err != nil {
		t.Fatal(err)
	}
	for _, c := range Cases {
		// Outside Lambda a known operation stops at the runtime's missing
		// variables; an unknown one before, naming the operations.
		cmd := exec.CommandContext(t.Context(), bin)
		cmd.Env = append(os.Environ(), "IDIOMATIC_OPERATION="+c.Operation(), "TABLE_NAME=t", "EVENT_BUS_NAME=b", "AWS_REGION=us-east-1", "AWS_LAMBDA_RUNTIME_API=", "_LAMBDA_SERVER_PORT=")
		out, _ := cmd.CombinedOutput()
		if strings.Contains(string(out), "IDIOMATIC_OPERATION must be") || !strings.Contains(string(out), "AWS_LAMBDA_RUNTIME_API") {
			t.Errorf("case of %s: the idiomatic baseline has no operation %q (internal/bench/idiomatic):\n%s", c.ID(), c.Operation(), out)
		}
	}
}

// Each function's environment is its template's, references replaced by
// the stand-ins: the secrets' ids kept, so that the secrets are fetched as
// deployed, and no local alternative to them.
func TestFunctionEnv(t *testing.T) {
	env, err := FunctionEnv("../..", Endpoints{DynamoDB: "http://ddb", SecretsManager: "http://sm", Bus: "http://bus", Queue: "http://bus/q"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range functions.All {
		vars := map[string]string{}
		for _, kv := range env[f.ID] {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		if vars["AWS_ENDPOINT_URL_SECRETS_MANAGER"] != "http://sm" || vars["AWS_ENDPOINT_URL_EVENTBRIDGE"] != "http://bus" {
			t.Errorf("%s: %v, want the stand-ins' endpoints", f.ID, env[f.ID])
		}
		for k, v := range vars {
			if strings.HasPrefix(v, "!") || k == "XCLOUD_SERVICE_CREDENTIALS" || k == "XCLOUD_PAGE_TOKEN_KEY" {
				t.Errorf("%s: %s=%s", f.ID, k, v)
			}
		}
		switch {
		case !f.HTTP():
			if vars["EVENT_BUS_NAME"] != BusName || vars["EVENTS_DEAD_LETTER_QUEUE_URL"] != "http://bus/q" {
				t.Errorf("%s: %v, want the bus and queue", f.ID, env[f.ID])
			}
		case vars["CREDENTIALS_SECRET_ID"] != CredentialsSecretID || vars["TABLE_NAME"] != Table:
			t.Errorf("%s: %v, want the credentials secret's id and the table", f.ID, env[f.ID])
		}
	}
	if !slices.Contains(env["ListFunction"], "PAGE_TOKEN_SECRET_ID="+PageTokenSecretID) {
		t.Errorf("ListFunction: %v, want the page token secret's id", env["ListFunction"])
	}
}

// The fake Secrets Manager answers GetSecretValue as the SDK expects it.
func TestFakeSecretsManager(t *testing.T) {
	f := NewFakeSecretsManager(map[string]string{CredentialsSecretID: `{"a":1}`})
	defer f.Close()
	sm := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	out, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(CredentialsSecretID)})
	if err != nil || aws.ToString(out.SecretString) != `{"a":1}` {
		t.Fatalf("GetSecretValue: %v, %v", out, err)
	}
	var missing *smtypes.ResourceNotFoundException
	if _, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("other")}); !errors.As(err, &missing) {
		t.Errorf("an unknown secret: %v, want ResourceNotFoundException", err)
	}
	if n := f.Calls(); n != 2 {
		t.Errorf("%d calls counted, want 2", n)
	}
}

func TestSlope(t *testing.T) {
	xs := []float64{1, 2, 3, 4}
	for _, c := range []struct {
		ys   []float64
		want float64
	}{{[]float64{5, 5, 5, 5}, 0}, {[]float64{1, 3, 5, 7}, 2}, {[]float64{2, 1, 2, 1}, -0.2}} {
		if got := Slope(xs, c.ys); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Slope(%v) = %g, want %g", c.ys, got, c.want)
		}
	}
	if Slope([]float64{1}, []float64{1}) != 0 {
		t.Error("the slope of one point is not 0")
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
