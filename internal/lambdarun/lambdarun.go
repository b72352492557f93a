// Package lambdarun runs a Lambda function's bootstrap binary as the
// provided.al2023 runtime does: it serves the Lambda Runtime API on loopback,
// starts the binary with AWS_LAMBDA_RUNTIME_API pointing at it, hands it
// events one at a time and collects its responses and errors.
package lambdarun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

const apiPrefix = "/2018-06-01/runtime"

// Options says what to run.
type Options struct {
	Binary   string
	Function string   // the function's name, for AWS_LAMBDA_FUNCTION_NAME
	Env      []string // the function's own environment, "NAME=value"
	Timeout  time.Duration
	Stdout   io.Writer // the function's logs; nil discards them
	Stderr   io.Writer
}

// Result is the outcome of one invocation.
type Result struct {
	Payload  []byte         // the response, when the function answered
	Error    *FunctionError // when the function reported an error
	Duration time.Duration
	// SinceStart is the time from starting the binary to the arrival of
	// this answer at the Runtime API. For the first invocation it is the
	// cold start as a caller sees it: init plus the first invocation.
	SinceStart time.Duration
}

// FunctionError is what a function posts to .../error or .../init/error.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

type invocation struct {
	id      string
	payload []byte
	done    chan Result
}

// Process is a running function.
type Process struct {
	// InitDuration is the time from starting the binary to its first
	// request for an event: the cold start.
	InitDuration time.Duration

	opts    Options
	cmd     *exec.Cmd
	srv     *http.Server
	started time.Time
	ready   chan struct{}
	exited  chan struct{}
	exitErr error
	next    chan *invocation

	mu       sync.Mutex
	pending  map[string]*invocation
	initErr  *FunctionError
	nextID   int
	readyOne sync.Once
}

// Start serves the Runtime API, starts the binary and waits until it asks
// for its first event (or fails to start).
func Start(ctx context.Context, opts Options) (*Process, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 6 * time.Second
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: %w", err)
	}
	p := &Process{
		opts: opts, ready: make(chan struct{}), exited: make(chan struct{}),
		next: make(chan *invocation), pending: map[string]*invocation{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", p.serveNext)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", p.serveResponse)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", p.serveError)
	mux.HandleFunc("POST "+apiPrefix+"/init/error", p.serveInitError)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go p.srv.Serve(ln)

	p.cmd = exec.Command(opts.Binary)
	p.cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=" + opts.Function,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + opts.Function,
		"AWS_LAMBDA_LOG_STREAM_NAME=local",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"_HANDLER=bootstrap",
		"TZ=:UTC",
	}, opts.Env...)
	p.cmd.Stdout, p.cmd.Stderr = opts.Stdout, opts.Stderr
	p.mu.Lock() // the Runtime API reads started when the binary calls it
	p.started = time.Now()
	p.mu.Unlock()
	if err := p.cmd.Start(); err != nil {
		p.srv.Close()
		return nil, fmt.Errorf("start %s: %w", opts.Binary, err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	select {
	case <-p.ready:
		return p, nil
	case <-p.exited:
		p.srv.Close()
		p.mu.Lock()
		initErr := p.initErr
		p.mu.Unlock()
		if initErr != nil {
			return nil, fmt.Errorf("init failed: %w", initErr)
		}
		return nil, fmt.Errorf("the function exited during init: %v", p.exitErr)
	case <-ctx.Done():
		p.Close()
		return nil, ctx.Err()
	}
}

// Invoke hands the function one event and waits for its answer.
func (p *Process) Invoke(ctx context.Context, payload []byte) (Result, error) {
	p.mu.Lock()
	p.nextID++
	inv := &invocation{id: "local-" + strconv.Itoa(p.nextID), payload: payload, done: make(chan Result, 1)}
	p.pending[inv.id] = inv
	p.mu.Unlock()
	start := time.Now()
	select {
	case p.next <- inv:
	case <-p.exited:
		return Result{}, fmt.Errorf("the function has exited: %v", p.exitErr)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	timeout := time.NewTimer(p.opts.Timeout)
	defer timeout.Stop()
	select {
	case r := <-inv.done:
		r.Duration = time.Since(start)
		return r, nil
	case <-p.exited:
		return Result{}, fmt.Errorf("the function exited during the invocation: %v", p.exitErr)
	case <-timeout.C:
		return Result{}, fmt.Errorf("the function did not answer within %s", p.opts.Timeout)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Pid is the process id of the running function, for reading what the
// operating system knows of it (its memory, say).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// sinceStart is the time since the binary was started.
func (p *Process) sinceStart() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Since(p.started)
}

// Close stops the function and the Runtime API.
func (p *Process) Close() error {
	if p.cmd.Process != nil {
		p.cmd.Process.Kill()
		<-p.exited
	}
	return p.srv.Close()
}

func (p *Process) serveNext(w http.ResponseWriter, r *http.Request) {
	p.readyOne.Do(func() {
		p.mu.Lock()
		p.InitDuration = time.Since(p.started)
		p.mu.Unlock()
		close(p.ready)
	})
	var inv *invocation
	select {
	case inv = <-p.next:
	case <-r.Context().Done():
		return
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(p.opts.Timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:"+p.opts.Function)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
	h.Set("Content-Type", "application/json")
	w.Write(inv.payload)
}

func (p *Process) take(id string) *invocation {
	p.mu.Lock()
	defer p.mu.Unlock()
	inv := p.pending[id]
	delete(p.pending, id)
	return inv
}

func (p *Process) serveResponse(w http.ResponseWriter, r *http.Request) {
	inv := p.take(r.PathValue("id"))
	if inv == nil {
		http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	inv.done <- Result{Payload: body, SinceStart: p.sinceStart()}
	w.WriteHeader(http.StatusAccepted)
}

func (p *Process) serveError(w http.ResponseWriter, r *http.Request) {
	inv := p.take(r.PathValue("id"))
	if inv == nil {
		http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	e := readError(r)
	inv.done <- Result{Error: e, SinceStart: p.sinceStart()}
	w.WriteHeader(http.StatusAccepted)
}

func (p *Process) serveInitError(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.initErr = readError(r)
	p.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func readError(r *http.Request) *FunctionError {
	var e FunctionError
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &e); err != nil || e.Type == "" {
		e = FunctionError{Type: strings.TrimSpace(r.Header.Get("Lambda-Runtime-Function-Error-Type")), Message: string(body)}
	}
	if e.Type == "" {
		e.Type = "Unknown"
	}
	return &e
}
