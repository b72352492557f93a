// Package localinvoke invokes the real, built functions on this machine, the
// way `sam local invoke` does but without Docker: it builds a function's
// bootstrap for this host, starts it under the Lambda Runtime API with the
// environment template.yaml gives it (overlaid with events/env.json, as
// --env-vars does), re-signs the event, and returns the response. The
// change-event publisher publishes to a stand-in bus (internal/localbus),
// whose entries and dead letters come back with its answer. With a
// permissions.Recorder, every call a function makes to AWS is recorded,
// as that function's, on its way.
package localinvoke

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/fixtures"
	"github.com/xcloud/customers/internal/lambdarun"
	"github.com/xcloud/customers/internal/localbus"
	"github.com/xcloud/customers/internal/permissions"
	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/settings"
)

// Options configures an Invoker.
type Options struct {
	Root     string // the repository
	Endpoint string // DynamoDB endpoint the functions use
	Table    string // and their table there
	Logs     io.Writer
	// Recorder, when set, records each function's calls: each function
	// gets an endpoint of its own for DynamoDB, Secrets Manager, EventBridge
	// and SQS, which records the call as that function's and passes it on
	// (Secrets Manager's are refused: the secrets come from
	// events/env.json, as sam local invoke gives them).
	Recorder *permissions.Recorder
}

// Invoker builds, starts and invokes functions; each function started once
// stays warm for the next event.
type Invoker struct {
	opts      Options
	template  map[string]*samtemplate.Function
	localEnv  map[string]string
	signer    hmacauth.Signer
	manifest  *fixtures.Manifest
	processes map[string]*lambdarun.Process
	bus       *localbus.Bus
	recorders map[string]*httptest.Server // by function, with opts.Recorder
}

// LocalBus names the stand-in bus in the publisher's environment.
const LocalBus = "local-customers"

// New reads template.yaml and events/ under opts.Root.
func New(opts Options) (*Invoker, error) {
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, err
	}
	opts.Root = root
	tpl, err := samtemplate.Read(filepath.Join(opts.Root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(opts.Root, "events")
	env, signer, err := fixtures.Local(dir)
	if err != nil {
		return nil, err
	}
	m, err := fixtures.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if opts.Logs == nil {
		opts.Logs = io.Discard
	}
	return &Invoker{opts: opts, template: tpl, localEnv: env, signer: signer, manifest: m, processes: map[string]*lambdarun.Process{},
		bus: localbus.Start(), recorders: map[string]*httptest.Server{}}, nil
}

// Manifest is the fixtures' manifest.
func (iv *Invoker) Manifest() *fixtures.Manifest { return iv.manifest }

// Env is the environment of a function: the template's (parameters at their
// defaults), then events/env.json, then the local DynamoDB. A value still
// referring to an AWS resource ("!Ref ...") is left empty. With a Recorder,
// every endpoint is the function's recording one.
func (iv *Invoker) Env(id string) ([]string, error) {
	fn, ok := iv.template[id]
	if !ok {
		return nil, fmt.Errorf("template.yaml has no function %s", id)
	}
	env := map[string]string{}
	for k, v := range fn.Env {
		if strings.HasPrefix(v, "!") {
			v = ""
		}
		env[k] = v
	}
	for k, v := range iv.localEnv {
		env[k] = v
	}
	env[settings.EnvDynamoDBEndpoint] = iv.opts.Endpoint
	env[settings.EnvTable] = iv.opts.Table
	if _, publishes := fn.Env[settings.EnvEventBus]; publishes {
		env[settings.EnvEventBus], env[settings.EnvEventsQueue] = LocalBus, iv.bus.QueueURL()
		for _, kv := range iv.bus.Env() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	if iv.opts.Recorder != nil {
		endpoint, err := iv.recording(id, env)
		if err != nil {
			return nil, err
		}
		// Every service's calls go to it: the SDK's AWS_ENDPOINT_URL, with no
		// per-service endpoint to take precedence.
		for k := range env {
			if strings.HasPrefix(k, "AWS_ENDPOINT_URL_") {
				delete(env, k)
			}
		}
		env[settings.EnvDynamoDBEndpoint], env["AWS_ENDPOINT_URL"] = endpoint, endpoint
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, nil
}

// recording is the endpoint of function id, whose environment is env: it
// records each call there as the function's, named as env names the
// function's table, bus, queue and secrets, and passes DynamoDB's on to the
// local DynamoDB, EventBridge's and SQS's to the stand-in bus. One endpoint
// a function, so that no call is put down to another.
func (iv *Invoker) recording(id string, env map[string]string) (string, error) {
	if srv, ok := iv.recorders[id]; ok {
		return srv.URL, nil
	}
	db, err := url.Parse(iv.opts.Endpoint)
	if err != nil {
		return "", err
	}
	bus, err := url.Parse(iv.bus.URL)
	if err != nil {
		return "", err
	}
	toDB, toBus := httputil.NewSingleHostReverseProxy(db), httputil.NewSingleHostReverseProxy(bus)
	pass := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch permissions.Service(r.Header.Get("X-Amz-Target")) {
		case "dynamodb":
			toDB.ServeHTTP(w, r)
		case "events", "sqs":
			toBus.ServeHTTP(w, r)
		default:
			w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
			http.Error(w, `{"__type":"AccessDeniedException","message":"not served by the local invoker"}`, http.StatusBadRequest)
		}
	})
	s := settings.Settings{Table: env[settings.EnvTable], EventBus: env[settings.EnvEventBus], EventsQueue: env[settings.EnvEventsQueue],
		CredentialsSecretID: env[settings.EnvCredentialsSecretID], PageTokenSecretID: env[settings.EnvPageTokenSecretID]}
	srv := httptest.NewServer(iv.opts.Recorder.Handler(id, s, pass))
	iv.recorders[id] = srv
	return srv.URL, nil
}

// Build compiles a function's bootstrap for this host, as the Makefile does
// for Lambda but for this machine's OS and architecture.
func (iv *Invoker) Build(ctx context.Context, id string) (string, error) {
	f, ok := functions.ByID(id)
	if !ok {
		return "", fmt.Errorf("no function %s", id)
	}
	out := filepath.Join(iv.opts.Root, "build", "host", id, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, f.Main())
	cmd.Dir = iv.opts.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v\n%s", id, err, b)
	}
	return out, nil
}

// Invocation is the outcome of invoking one event.
type Invocation struct {
	Response     events.APIGatewayV2HTTPResponse // of a request
	Result       lambdarun.Result
	InitDuration time.Duration // the cold start, when this invocation started the function
	// Of a batch of stream records (Stream): the answer, and what the
	// publisher put on the bus and in the dead-letter queue meanwhile.
	Stream      bool
	Batch       events.DynamoDBEventResponse
	Published   []localbus.Entry
	DeadLetters []string
}

// Invoke re-signs the event at path and invokes function id with it,
// building and starting the function first if it is not running.
func (iv *Invoker) Invoke(ctx context.Context, id, path string) (*Invocation, error) {
	ev, err := fixtures.ReadEvent(path)
	if err != nil {
		return nil, err
	}
	f, _ := iv.manifest.Find(path)
	if !ev.Stream() {
		if err := ev.Resign(fixtures.SignerFor(f, iv.signer), time.Now()); err != nil {
			return nil, fmt.Errorf("sign %s: %w", path, err)
		}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	inv := &Invocation{}
	p, ok := iv.processes[id]
	if !ok {
		bin, err := iv.Build(ctx, id)
		if err != nil {
			return nil, err
		}
		env, err := iv.Env(id)
		if err != nil {
			return nil, err
		}
		p, err = lambdarun.Start(ctx, lambdarun.Options{Binary: bin, Function: id, Env: env, Stdout: iv.opts.Logs, Stderr: iv.opts.Logs})
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", id, err)
		}
		iv.processes[id] = p
		inv.InitDuration = p.InitDuration
	}
	entries, letters := len(iv.bus.Entries()), len(iv.bus.Messages())
	if inv.Result, err = p.Invoke(ctx, payload); err != nil {
		return nil, fmt.Errorf("invoke %s: %w", id, err)
	}
	if inv.Stream = ev.Stream(); inv.Stream {
		inv.Published, inv.DeadLetters = iv.bus.Entries()[entries:], iv.bus.Messages()[letters:]
		if inv.Result.Error == nil {
			if err := json.Unmarshal(inv.Result.Payload, &inv.Batch); err != nil {
				return nil, fmt.Errorf("%s answered %q, not a stream batch response: %w", id, inv.Result.Payload, err)
			}
		}
		return inv, nil
	}
	if inv.Result.Error == nil {
		if err := json.Unmarshal(inv.Result.Payload, &inv.Response); err != nil {
			return nil, fmt.Errorf("%s answered %q, not a payload 2.0 response: %w", id, inv.Result.Payload, err)
		}
	}
	return inv, nil
}

// Close stops every function started.
func (iv *Invoker) Close() {
	for _, p := range iv.processes {
		p.Close()
	}
	for _, srv := range iv.recorders {
		srv.Close()
	}
	iv.bus.Close()
}
