package secrets

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcloud/customers/shared/apierror"
)

var t0 = time.Date(2024, 1, 2, 16, 30, 0, 0, time.UTC)

// fakeSource answers fetches from a script of results, one per call, and
// counts the calls; after the script it repeats the last result.
type fakeSource struct {
	mu      sync.Mutex
	results []result
	calls   int
	ctxs    []context.Context
}

type result struct {
	value string
	err   error
}

func (f *fakeSource) fetch(ctx context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ctxs = append(f.ctxs, ctx)
	r := f.results[min(f.calls, len(f.results)-1)]
	f.calls++
	if r.err != nil {
		return nil, r.err
	}
	return []byte(r.value), nil
}

func (f *fakeSource) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

var errParse = errors.New("not a valid document")

// parseDoc refuses values starting with "bad".
func parseDoc(b []byte) (string, error) {
	if strings.HasPrefix(string(b), "bad") {
		return "", errParse
	}
	return "parsed:" + string(b), nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time              { return c.t }
func (c *clock) set(d time.Duration)         { c.t = t0.Add(d) }
func newClock() *clock                       { return &clock{t: t0} }
func discard() *slog.Logger                  { return slog.New(slog.DiscardHandler) }
func bufLogger(b *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

func newTestCache(src *fakeSource, clk *clock, log *slog.Logger) *Cache[string] {
	c := NewCache("credentials", src.fetch, parseDoc, DefaultTTL, time.Now, log)
	c.now = clk.now
	return c
}

var errFetch = errors.New("AccessDeniedException: not authorised")

// step is one Get at a time after t0, with what it must return and how many
// fetches there must have been in all after it.
type step struct {
	at        time.Duration
	want      string
	wantErr   bool
	wantCalls int
}

func TestCacheGet(t *testing.T) {
	tests := []struct {
		name    string
		results []result
		steps   []step
	}{
		{
			name:    "first Get fetches, second within the TTL does not",
			results: []result{{value: "v1"}, {value: "v2"}},
			steps: []step{
				{at: 0, want: "parsed:v1", wantCalls: 1},
				{at: time.Second, want: "parsed:v1", wantCalls: 1},
				{at: DefaultTTL - time.Nanosecond, want: "parsed:v1", wantCalls: 1},
			},
		},
		{
			name:    "after the TTL it fetches again and the new value is kept for a TTL",
			results: []result{{value: "v1"}, {value: "v2"}, {value: "v3"}},
			steps: []step{
				{at: 0, want: "parsed:v1", wantCalls: 1},
				{at: DefaultTTL, want: "parsed:v2", wantCalls: 2},
				{at: 2*DefaultTTL - time.Nanosecond, want: "parsed:v2", wantCalls: 2},
				{at: 2 * DefaultTTL, want: "parsed:v3", wantCalls: 3},
			},
		},
		{
			name:    "a failed refresh keeps the last good value and waits 5 s",
			results: []result{{value: "v1"}, {err: errFetch}, {err: errFetch}, {value: "v2"}},
			steps: []step{
				{at: 0, want: "parsed:v1", wantCalls: 1},
				{at: DefaultTTL, want: "parsed:v1", wantCalls: 2},
				{at: DefaultTTL + time.Second, want: "parsed:v1", wantCalls: 2},
				{at: DefaultTTL + RetryAfterFailure - time.Nanosecond, want: "parsed:v1", wantCalls: 2},
				{at: DefaultTTL + RetryAfterFailure, want: "parsed:v1", wantCalls: 3},
				{at: DefaultTTL + 2*RetryAfterFailure - time.Nanosecond, want: "parsed:v1", wantCalls: 3},
				{at: DefaultTTL + 2*RetryAfterFailure, want: "parsed:v2", wantCalls: 4},
				// The recovered value lives a whole TTL from its fetch.
				{at: DefaultTTL + 2*RetryAfterFailure + DefaultTTL - time.Nanosecond, want: "parsed:v2", wantCalls: 4},
			},
		},
		{
			name:    "a refreshed value that does not parse keeps the last good value and waits 5 s",
			results: []result{{value: "v1"}, {value: "bad v2"}, {value: "v3"}},
			steps: []step{
				{at: 0, want: "parsed:v1", wantCalls: 1},
				{at: DefaultTTL, want: "parsed:v1", wantCalls: 2},
				{at: DefaultTTL + RetryAfterFailure - time.Nanosecond, want: "parsed:v1", wantCalls: 2},
				{at: DefaultTTL + RetryAfterFailure, want: "parsed:v3", wantCalls: 3},
			},
		},
		{
			name:    "with no value a failure is the answer until the next fetch, 5 s later",
			results: []result{{err: errFetch}, {value: "v1"}},
			steps: []step{
				{at: 0, wantErr: true, wantCalls: 1},
				{at: time.Second, wantErr: true, wantCalls: 1},
				{at: RetryAfterFailure - time.Nanosecond, wantErr: true, wantCalls: 1},
				{at: RetryAfterFailure, want: "parsed:v1", wantCalls: 2},
				{at: RetryAfterFailure + time.Second, want: "parsed:v1", wantCalls: 2},
			},
		},
		{
			name:    "the last good value serves at most an hour past its time, then the failure answers",
			results: []result{{value: "v1"}, {err: errFetch}},
			steps: []step{
				{at: 0, want: "parsed:v1", wantCalls: 1},
				{at: DefaultTTL, want: "parsed:v1", wantCalls: 2},
				{at: DefaultTTL + MaxStale - time.Second, want: "parsed:v1", wantCalls: 3},
				{at: DefaultTTL + MaxStale, wantErr: true, wantCalls: 3},
				{at: DefaultTTL + MaxStale + time.Second, wantErr: true, wantCalls: 3},
				{at: DefaultTTL + MaxStale + 2*RetryAfterFailure, wantErr: true, wantCalls: 4},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeSource{results: tc.results}
			clk := newClock()
			c := newTestCache(src, clk, discard())
			for i, s := range tc.steps {
				clk.set(s.at)
				got, err := c.Get(context.Background())
				switch {
				case s.wantErr && err == nil:
					t.Fatalf("step %d (t0+%v): Get = %q, want an error", i, s.at, got)
				case !s.wantErr && err != nil:
					t.Fatalf("step %d (t0+%v): Get: %v", i, s.at, err)
				case got != s.want:
					t.Fatalf("step %d (t0+%v): Get = %q, want %q", i, s.at, got, s.want)
				}
				if n := src.count(); n != s.wantCalls {
					t.Fatalf("step %d (t0+%v): %d fetches in all, want %d", i, s.at, n, s.wantCalls)
				}
			}
		})
	}
}

// Past MaxStale the answer is unavailable (503), never the old value.
func TestCacheTooStaleIsUnavailable(t *testing.T) {
	src := &fakeSource{results: []result{{value: "v1"}, {err: errFetch}}}
	clk := newClock()
	c := newTestCache(src, clk, discard())
	c.Get(context.Background())
	clk.set(DefaultTTL + MaxStale + time.Minute)
	if got, err := c.Get(context.Background()); got != "" || !errors.Is(err, apierror.ErrUnavailable) || !errors.Is(err, errFetch) {
		t.Errorf("Get = %q, %v; want nothing and an unavailable error", got, err)
	}
}

func TestCacheFetchFailureWithoutValueIsUnavailable(t *testing.T) {
	src := &fakeSource{results: []result{{err: errFetch}}}
	c := newTestCache(src, newClock(), discard())
	got, err := c.Get(context.Background())
	if err == nil {
		t.Fatalf("Get = %q, want an error", got)
	}
	if got != "" {
		t.Errorf("Get returned %q with its error, want the zero value", got)
	}
	if !errors.Is(err, apierror.ErrUnavailable) {
		t.Errorf("error %v does not wrap apierror.ErrUnavailable", err)
	}
	if !errors.Is(err, errFetch) {
		t.Errorf("error %v does not wrap the fetch error", err)
	}
	if !strings.Contains(err.Error(), "credentials") {
		t.Errorf("error %q does not name the secret", err)
	}
}

func TestCacheParseFailureWithoutValueIsNotUnavailable(t *testing.T) {
	src := &fakeSource{results: []result{{value: "bad document"}}}
	c := newTestCache(src, newClock(), discard())
	got, err := c.Get(context.Background())
	if err == nil {
		t.Fatalf("Get = %q, want an error", got)
	}
	if errors.Is(err, apierror.ErrUnavailable) {
		t.Errorf("parse error %v wraps apierror.ErrUnavailable: a broken secret is not an outage", err)
	}
	if !errors.Is(err, errParse) {
		t.Errorf("error %v does not wrap the parse error", err)
	}
	if strings.Contains(err.Error(), "bad document") {
		t.Errorf("error %q quotes the secret's value", err)
	}
}

func TestCacheRefreshFailureIsLogged(t *testing.T) {
	var logs bytes.Buffer
	src := &fakeSource{results: []result{{value: "v1"}, {err: errFetch}}}
	clk := newClock()
	c := newTestCache(src, clk, bufLogger(&logs))
	if _, err := c.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Fatalf("a successful fetch logged %q", logs.String())
	}
	clk.set(DefaultTTL)
	if got, err := c.Get(context.Background()); err != nil || got != "parsed:v1" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	out := logs.String()
	for _, s := range []string{"level=WARN", "secret=credentials", "AccessDeniedException"} {
		if !strings.Contains(out, s) {
			t.Errorf("log %q does not contain %q", out, s)
		}
	}
}

func TestCachePassesContextToFetch(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "request")
	src := &fakeSource{results: []result{{value: "v1"}}}
	c := newTestCache(src, newClock(), discard())
	if _, err := c.Get(ctx); err != nil {
		t.Fatal(err)
	}
	if len(src.ctxs) != 1 || src.ctxs[0].Value(key{}) != "request" {
		t.Fatal("fetch did not get the caller's context")
	}
}

func TestCacheConcurrentGetsFetchOnce(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func(context.Context) ([]byte, error) {
		calls.Add(1)
		<-release // hold the first fetch until every goroutine is waiting
		return []byte("v1"), nil
	}
	c := NewCache("credentials", fetch, parseDoc, DefaultTTL, time.Now, discard())
	clk := newClock()
	c.now = clk.now

	const n = 64
	var started, done sync.WaitGroup
	values := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			values[i], errs[i] = c.Get(context.Background())
		}()
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let the goroutines reach Get
	close(release)
	done.Wait()
	if got := calls.Load(); got != 1 {
		t.Fatalf("%d concurrent Gets made %d fetches, want 1", n, got)
	}
	for i := range n {
		if errs[i] != nil || values[i] != "parsed:v1" {
			t.Fatalf("Get %d = %q, %v", i, values[i], errs[i])
		}
	}
}

func TestCacheConcurrentGetsAfterExpiryFetchOnce(t *testing.T) {
	src := &fakeSource{results: []result{{value: "v1"}, {value: "v2"}}}
	clk := newClock()
	c := newTestCache(src, clk, discard())
	if _, err := c.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.set(DefaultTTL) // before the goroutines start: no race on the clock
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if got, err := c.Get(context.Background()); err != nil || got != "parsed:v2" {
				t.Errorf("Get = %q, %v; want parsed:v2", got, err)
			}
		})
	}
	wg.Wait()
	if n := src.count(); n != 2 {
		t.Fatalf("%d fetches in all, want 2", n)
	}
}
