// Package faultproxy stands between the API and a DynamoDB implementation
// and injects the faults a real DynamoDB shows: throttling, internal errors,
// slow answers and refused connections. It works in front of any
// implementation, so the fault tests run against all of them.
package faultproxy

import (
	"bytes"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is what the proxy does to each request.
type Fault int

// The faults.
const (
	None        Fault = iota
	Throttle          // 400 ThrottlingException, as DynamoDB answers over its limits
	ServerError       // 500 InternalServerError
	Slow              // hold the request for Delay before passing it on; a caller that gives up first never reaches DynamoDB
)

// Proxy is a fault-injecting reverse proxy.
type Proxy struct {
	URL   string // where to point the DynamoDB client
	Delay time.Duration

	fault    atomic.Int32
	requests atomic.Int64
	ln       net.Listener
	srv      *http.Server
	mu       sync.Mutex
}

// New starts a proxy to target on a free loopback port.
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), Delay: 2 * time.Second, ln: ln}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		switch Fault(p.fault.Load()) {
		case Throttle:
			io.Copy(io.Discard, r.Body)
			amzError(w, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput.")
			return
		case ServerError:
			io.Copy(io.Discard, r.Body)
			amzError(w, http.StatusInternalServerError, "InternalServerError", "Internal server error")
			return
		case Slow:
			// Read the body first: only then does the server notice a caller
			// that hangs up, and cancel r.Context().
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			select {
			case <-time.After(p.Delay):
			case <-r.Context().Done():
				return // the caller gave up: the request never reaches DynamoDB
			}
		}
		rp.ServeHTTP(w, r)
	})}
	go p.srv.Serve(ln)
	return p, nil
}

// amzError answers as DynamoDB does when it refuses a call, its CRC-32
// included.
func amzError(w http.ResponseWriter, status int, typ, msg string) {
	body := []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#` + typ + `","message":"` + msg + `"}`)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.WriteHeader(status)
	w.Write(body)
}

// Set changes the fault for the requests that follow.
func (p *Proxy) Set(f Fault) { p.fault.Store(int32(f)) }

// Requests counts the requests that reached the proxy.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// Refuse closes the listener: connections are refused until Accept.
func (p *Proxy) Refuse() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.srv.SetKeepAlivesEnabled(false)
	return p.ln.Close()
}

// Accept listens again on the same address after Refuse.
func (p *Proxy) Accept() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ln, err := net.Listen("tcp", p.ln.Addr().String())
	if err != nil {
		return err
	}
	p.ln = ln
	p.srv.SetKeepAlivesEnabled(true)
	go p.srv.Serve(ln)
	return nil
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.srv.Close() }
