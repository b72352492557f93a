package config

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
)

// countingConn counts the writes made on a connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int32
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// opaque hides what reader it wraps, as the SDK's request body does.
type opaque struct{ io.Reader }

func (opaque) Close() error { return nil }

// The request goes out in one write, headers and body, where net/http alone
// writes an opaque body after the headers, in a write of its own.
func TestWholeBodiesSendsARequestInOneWrite(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
	}))
	defer srv.Close()
	var writes atomic.Int32
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return countingConn{c, &writes}, err
	}}
	defer transport.CloseIdleConnections()
	const body = `{"TableName":"t","Key":{"customerId":{"S":"FST-1"}}}`
	send := func(client interface {
		Do(*http.Request) (*http.Response, error)
	}) int32 {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
		req.Body, req.ContentLength = opaque{strings.NewReader(body)}, int64(len(body))
		writes.Store(0)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got.Load() != body {
			t.Fatalf("the server got %q, want %q", got.Load(), body)
		}
		return writes.Load()
	}
	plain := &http.Client{Transport: transport}
	if n := send(plain); n != 2 {
		t.Fatalf("net/http alone: %d writes, want 2 (the premise of wholeBodies)", n)
	}
	if n := send(wholeBodies{plain}); n != 1 {
		t.Errorf("through wholeBodies: %d writes, want 1", n)
	}
}

// A body that cannot be read fails the request, without sending it.
func TestWholeBodiesReportsABodyThatCannotBeRead(t *testing.T) {
	broken := errors.New("broken")
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", nil)
	req.Body, req.ContentLength = opaque{iotest.ErrReader(broken)}, 10
	sent := false
	_, err := wholeBodies{doFunc(func(*http.Request) (*http.Response, error) { sent = true; return nil, nil })}.Do(req)
	if !errors.Is(err, broken) || sent {
		t.Fatalf("error %v, sent %v; want the read error and nothing sent", err, sent)
	}
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// A body net/http already knows is in memory (it set GetBody) is passed on
// as it is, not copied again.
func TestWholeBodiesLeavesAnInMemoryBody(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", strings.NewReader(`{"SecretId":"x"}`))
	body := req.Body
	var sent io.ReadCloser
	wholeBodies{doFunc(func(r *http.Request) (*http.Response, error) { sent = r.Body; return nil, nil })}.Do(req)
	if sent != body {
		t.Errorf("the body was replaced: %T", sent)
	}
}
