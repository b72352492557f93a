package bench

// The process-level measurements of the benchmark report: the real Lambda
// binaries, built as the Makefile builds them, run under the Lambda Runtime
// API (internal/lambdarun) as Lambda runs them, and measured from outside:
// the CPU time of the whole process per invocation, cold start and resident
// memory. Each figure is set against references built and run the same way
// in the same run, so that the report speaks in ratios a noisy machine
// cannot skew.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/xcloud/customers/internal/fixtures"
	"github.com/xcloud/customers/internal/lambdarun"
	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/settings"
)

// Build compiles the main package pkg (a path like
// "./functions/get/bootstrap", from root) for this host into out, as the
// Makefile builds the Lambda binaries for arm64: CGO_ENABLED=0, -trimpath,
// -ldflags "-s -w" and the tag lambda.norpc, plus tags. A relative out is
// relative to root.
func Build(ctx context.Context, root, pkg, out string, tags ...string) error {
	args := []string{"build", "-tags", strings.Join(append([]string{"lambda.norpc"}, tags...), ","), "-trimpath", "-ldflags", "-s -w", "-o", out, pkg}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// Target is a binary to build (Build): the main package Pkg with the extra
// build tags Tags, into Out.
type Target struct {
	Pkg, Out string
	Tags     []string
}

// BuildAll builds targets as Build does, parallel at a time. Every package
// the targets without extra tags need is compiled first by one go command,
// which spreads the work over the CPUs; go commands run side by side would
// each compile the packages they share (the SDK's, above all) on a cold
// build cache. The links, and the few packages a tag changes, then run side
// by side.
func BuildAll(ctx context.Context, root string, targets []Target, parallel int) error {
	var plain []string
	for _, t := range targets {
		if len(t.Tags) == 0 {
			plain = append(plain, t.Pkg)
		}
	}
	if len(plain) > 0 {
		args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", os.DevNull}, plain...)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w\n%s", strings.Join(plain, " "), err, b)
		}
	}
	work := make(chan Target)
	errs := make(chan error, len(targets))
	var wg sync.WaitGroup
	for range max(1, parallel) {
		wg.Go(func() {
			for t := range work {
				errs <- Build(ctx, root, t.Pkg, t.Out, t.Tags...)
			}
		})
	}
	for _, t := range targets {
		work <- t
	}
	close(work)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// The stand-ins for what template.yaml and events.yaml give the functions
// by reference to other resources: the secrets' ids (ARNs, as a Ref to a
// secret gives), the bus and the page token key the fake Secrets Manager
// holds.
const (
	CredentialsSecretID = "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-credentials-Ab12Cd"
	PageTokenSecretID   = "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-page-token-key-Ef34Gh"
	PageTokenKey        = "bench-page-token-key-of-32-bytes"
	BusName             = "bench-customers"
)

// Endpoints are the addresses of the stand-ins for the AWS services the
// measured processes call.
type Endpoints struct {
	DynamoDB, SecretsManager string
	Bus                      string // EventBridge and SQS (localbus)
	Queue                    string // the dead-letter queue's URL, on Bus
}

// Secrets are the values the fake Secrets Manager holds, by id: the local
// credentials document of events/env.json (the one the fixtures are signed
// with) and a page token key.
func Secrets(root string) (map[string]string, error) {
	local, _, err := fixtures.Local(filepath.Join(root, "events"))
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if local[settings.EnvCredentials] == "" {
		return nil, fmt.Errorf("secrets: events/env.json has no %s", settings.EnvCredentials)
	}
	return map[string]string{CredentialsSecretID: local[settings.EnvCredentials], PageTokenSecretID: PageTokenKey}, nil
}

// FunctionEnv is each function's environment in the process measurements,
// by logical id: the variables its template (template.yaml, or events.yaml
// for the publisher) gives it, with the parameters at their defaults (so
// LOG_LEVEL is INFO and the log lines are paid for, as in Lambda), and each
// reference to another resource replaced by its stand-in: the table, the
// secrets' ids (the functions fetch their credentials and page token key
// from Secrets Manager, as deployed), the bus and the queue. Then the
// stand-ins' endpoints for every function (DYNAMODB_ENDPOINT,
// AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_EVENTBRIDGE and
// AWS_ENDPOINT_URL_SQS, which the SDK's loader reads too) and local AWS
// credentials and region. It is the whole environment: lambdarun passes on
// nothing of this process's own, so the functions need no HOME or PATH.
func FunctionEnv(root string, at Endpoints) (map[string][]string, error) {
	tpl, err := samtemplate.Read(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, fmt.Errorf("function environment: %w", err)
	}
	byReference := map[string]string{
		settings.EnvTable:               Table,
		settings.EnvCredentialsSecretID: CredentialsSecretID,
		settings.EnvPageTokenSecretID:   PageTokenSecretID,
		settings.EnvEventBus:            BusName,
		settings.EnvEventsQueue:         at.Queue,
	}
	common := map[string]string{
		settings.EnvDynamoDBEndpoint:       at.DynamoDB,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": at.SecretsManager,
		"AWS_ENDPOINT_URL_EVENTBRIDGE":     at.Bus,
		"AWS_ENDPOINT_URL_SQS":             at.Bus,
		"AWS_REGION":                       "us-east-1",
		"AWS_ACCESS_KEY_ID":                "local",
		"AWS_SECRET_ACCESS_KEY":            "local",
	}
	out := map[string][]string{}
	for _, id := range slices.Sorted(maps.Keys(tpl)) {
		env := maps.Clone(common)
		for k, v := range tpl[id].Env {
			if strings.HasPrefix(v, "!") {
				stand, ok := byReference[k]
				if !ok {
					return nil, fmt.Errorf("function environment: %s gives %s %s, which the benchmark has no stand-in for", tpl[id].Template, id, k)
				}
				v = stand
			}
			env[k] = v
		}
		for _, k := range slices.Sorted(maps.Keys(env)) {
			out[id] = append(out[id], k+"="+env[k])
		}
	}
	return out, nil
}

// SignedEvent is the payload 2.0 event of the fixture events/<fixture>
// ("get.json"), signed now as events/manifest.json says (the local
// credential, or a wrong secret for a fixture meant to fail), as JSON ready
// for the Runtime API. A signature holds for hmacauth.MaxSkew (5 minutes):
// sign again for measurements that last longer, or they end in 401s, which
// ColdStart and Memory report as errors.
func SignedEvent(root, fixture string) ([]byte, error) {
	return signed(root, fixture, nil)
}

// StreamBatch is a batch of n stream records: copies of the first record of
// the fixture events/<fixture>, each of another customer, with its own
// event id and sequence number.
func StreamBatch(root, fixture string, n int) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(root, "events", fixture))
	if err != nil {
		return nil, err
	}
	var batch events.DynamoDBEvent
	if err := json.Unmarshal(b, &batch); err != nil || len(batch.Records) == 0 {
		return nil, fmt.Errorf("stream batch: %s holds no stream records (%v)", fixture, err)
	}
	// Each copy of another customer: the record's JSON with the id swapped.
	one, _ := json.Marshal(batch.Records[0])
	id := batch.Records[0].Change.Keys["customerId"].String()
	records := make([]json.RawMessage, n)
	for i := range n {
		r := strings.ReplaceAll(string(one), id, fmt.Sprintf("%s%03d", id, i))
		r = strings.Replace(r, `"eventID":"`, fmt.Sprintf(`"eventID":"%03d`, i), 1)
		r = strings.Replace(r, `"SequenceNumber":"`, fmt.Sprintf(`"SequenceNumber":"%03d`, i), 1)
		records[i] = json.RawMessage(r)
	}
	return json.Marshal(map[string]any{"Records": records})
}

// ExistsEvent is the exists fixture asking after n customers at once,
// signed now.
func ExistsEvent(root string, n int) ([]byte, error) {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("FST-1536316721808-Customer%03d", i)
	}
	return signed(root, "exists.json", func(ev fixtures.Event) {
		list := strings.Join(ids, ",")
		ev["rawPath"] = "/xcloud/v1/customers/" + list
		ev["requestContext"].(map[string]any)["http"].(map[string]any)["path"] = ev["rawPath"]
		ev["pathParameters"] = map[string]any{"customerId": list}
	})
}

func signed(root, fixture string, edit func(fixtures.Event)) ([]byte, error) {
	dir := filepath.Join(root, "events")
	_, signer, err := fixtures.Local(dir)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	m, err := fixtures.ReadManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	ev, err := fixtures.ReadEvent(filepath.Join(dir, fixture))
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	if edit != nil {
		edit(ev)
	}
	f, _ := m.Find(fixture)
	if err := ev.Resign(fixtures.SignerFor(f, signer), time.Now()); err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	return b, nil
}

// Run is a function binary to start, with its whole environment and the
// event to hand it.
type Run struct {
	Binary string
	Env    []string // "NAME=value" (see FunctionEnv)
	Event  []byte   // a payload 2.0 event (see SignedEvent), or a batch of stream records (StreamBatch)
	Stream bool     // Event is a batch of stream records
}

// functionName is the AWS_LAMBDA_FUNCTION_NAME the binaries run under:
// with one set, the functions check their configuration as in Lambda.
const functionName = "bench"

// Process is a function binary running under the Runtime API, warm after
// its first invocation.
type Process struct {
	*lambdarun.Process
	run            Run
	stdout, stderr *tail
	unavailable    int // answers 503, counted, not failed (Invoke)
}

// ErrUnavailable is an answer of 503 SERVICE_UNAVAILABLE: what a function
// says when a DynamoDB call failed every attempt. Against the fake that is
// the SDK reading an answer on a connection net/http has just closed
// (aws/aws-sdk-go-v2#2737) three times over, about once in 10,000 list
// requests; Invoke counts such answers up to MaxUnavailable, and the report
// prints them, rather than throwing the run away.
var ErrUnavailable = errors.New("503 SERVICE_UNAVAILABLE")

// MaxUnavailable is how many 503 answers a process may give before Invoke
// fails: 0.1% of a measurement's 10,000 invocations.
const MaxUnavailable = 10

// Unavailable is how many 503 answers the process has given.
func (p *Process) Unavailable() int { return p.unavailable }

// Start starts r.Binary under the Runtime API, its logs discarded as Lambda
// would ship them, the end of its stdout (its log) and stderr kept for the
// error should it fail.
func Start(ctx context.Context, r Run) (*Process, error) {
	stdout, stderr := &tail{name: "log"}, &tail{name: "stderr"}
	p, err := lambdarun.Start(ctx, lambdarun.Options{
		Binary: r.Binary, Function: functionName, Env: r.Env, Stdout: stdout, Stderr: stderr,
	})
	if err != nil {
		return nil, fmt.Errorf("start %s: %w%s%s", r.Binary, err, stdout, stderr)
	}
	return &Process{Process: p, run: r, stdout: stdout, stderr: stderr}, nil
}

// Invoke hands the process its event n times, one after the other, and
// checks that every answer is a payload 2.0 response with a 2xx status: a
// function error, a 401 from a stale signature or a 404 would otherwise be
// measured as if it were the request meant.
func (p *Process) Invoke(ctx context.Context, n int) (lambdarun.Result, error) {
	var res lambdarun.Result
	for range n {
		var err error
		res, err = checked(ctx, p.Process, p.run.Event, p.run.Stream)
		if errors.Is(err, ErrUnavailable) && p.unavailable < MaxUnavailable {
			p.unavailable++
			continue
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w%s%s", filepath.Base(p.run.Binary), err, p.stdout, p.stderr)
		}
	}
	return res, nil
}

// CPU is the CPU time the process has used so far (ProcessCPU).
func (p *Process) CPU() (time.Duration, error) { return ProcessCPU(p.Pid()) }

// Memory reads the process's resident memory now and its peak so far, in
// bytes, as Linux counts them (VmRSS, VmHWM): Lambda's "Max Memory Used"
// counts the same pages.
func (p *Process) Memory() (rss, peak int64, err error) {
	return readMemory(filepath.Join("/proc", strconv.Itoa(p.Pid()), "status"))
}

// CPUPerInvocation invokes the process n times and returns the CPU time it
// used, divided by n.
func (p *Process) CPUPerInvocation(ctx context.Context, n int) (time.Duration, error) {
	before, err := p.CPU()
	if err != nil {
		return 0, err
	}
	if _, err := p.Invoke(ctx, n); err != nil {
		return 0, err
	}
	after, err := p.CPU()
	if err != nil {
		return 0, err
	}
	return (after - before) / time.Duration(n), nil
}

// ColdStart starts r, hands it its event and returns the time from exec to
// the answer arriving: init plus the first invocation, the latency of a
// request that meets a cold start. The process is stopped before ColdStart
// returns.
func ColdStart(ctx context.Context, r Run) (time.Duration, error) {
	p, err := Start(ctx, r)
	if err != nil {
		return 0, fmt.Errorf("cold start: %w", err)
	}
	defer p.Close()
	res, err := p.Invoke(ctx, 1)
	if err != nil {
		return 0, fmt.Errorf("cold start: %w", err)
	}
	return res.SinceStart, nil
}

// ColdStarts measures n cold starts of each of rs, in turns, so that
// whatever else the machine is doing weighs on all alike; the order within a
// turn rotates. One cold start of each comes first and is not counted: the
// first start of a fresh binary is routinely the slowest (its pages are read
// in for the first time). times[i][j] is run j of rs[i].
func ColdStarts(ctx context.Context, n int, rs ...Run) (times [][]time.Duration, err error) {
	for _, r := range rs {
		if _, err := ColdStart(ctx, r); err != nil {
			return nil, err
		}
	}
	times = make([][]time.Duration, len(rs))
	for turn := range n {
		for k := range rs {
			i := (turn + k) % len(rs)
			d, err := ColdStart(ctx, rs[i])
			if err != nil {
				return nil, err
			}
			times[i] = append(times[i], d)
		}
	}
	return times, nil
}

// Median is the middle of xs (the mean of the two middle ones for an even
// count), or 0 for none: unlike the mean, one run slowed by the machine
// does not move it. xs is left as it was.
func Median[T ~int64 | ~float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return s[n/2-1] + (s[n/2]-s[n/2-1])/2
	}
	return s[len(s)/2]
}

// readMemory reads VmRSS and VmHWM, in bytes, from a /proc/<pid>/status file.
func readMemory(path string) (rss, hwm int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("read resident memory: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		var to *int64
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			to = &rss
		case strings.HasPrefix(line, "VmHWM:"):
			to = &hwm
		default:
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			return 0, 0, fmt.Errorf("read resident memory: %s: unexpected line %q", path, line)
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("read resident memory: %s: %q: %w", path, line, err)
		}
		*to = kb << 10
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("read resident memory: %s has no VmRSS or VmHWM", path)
	}
	return rss, hwm, nil
}

// checked hands p one event and checks the answer (see Process.Invoke).
func checked(ctx context.Context, p *lambdarun.Process, event []byte, stream bool) (lambdarun.Result, error) {
	res, err := p.Invoke(ctx, event)
	if err != nil {
		return res, err
	}
	if res.Error != nil {
		return res, fmt.Errorf("function error: %w", res.Error)
	}
	if stream {
		var batch events.DynamoDBEventResponse
		if err := json.Unmarshal(res.Payload, &batch); err != nil || len(batch.BatchItemFailures) > 0 {
			return res, fmt.Errorf("answer %.200q: want a stream batch response with no failure (%v)", res.Payload, err)
		}
		return res, nil
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		return res, fmt.Errorf("answer %.200q is not a payload 2.0 response: %w", res.Payload, err)
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		return res, fmt.Errorf("%w: %.200s", ErrUnavailable, resp.Body)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return res, fmt.Errorf("status %d, want 2xx: %.200s", resp.StatusCode, resp.Body)
	}
	return res, nil
}

// tail keeps the last tailSize bytes written to it: a failing function's
// last words, without holding all its output. Its String is empty, or the
// bytes kept on a line of their own, to end an error message with.
type tail struct {
	name string // "stderr"
	mu   sync.Mutex
	buf  []byte
}

const tailSize = 2 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := strings.TrimSpace(string(t.buf)); s != "" {
		return "\n" + t.name + ": " + s
	}
	return ""
}
