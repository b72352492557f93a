// Package client is a typed Go client for the XCloud customers API: register,
// update, get, list and check customers, with XCLOUD-HMAC-SHA256 signing,
// typed errors and retries built in.
//
//	c := client.New("https://api.example.com", client.Credentials{ServiceID: "svc", Secret: "s"})
//	reg, err := c.Register(ctx, client.Document{
//		CustomerID: "FST-1536316721808-NewCustomer", CustomerName: "Dewatering Solutions Inc",
//		ContactInfo: &client.ContactInfo{Email: "contact@dewatering-solutions.com"},
//		Status:      client.StatusActive,
//	})
//	_, err = c.Update(ctx, reg.CustomerID, client.NewUpdate().Set("settings.dataRetentionDays", 730),
//		client.IfMatch(reg.ETag))
//	for cust, err := range c.Customers(ctx, client.ListOptions{Status: client.StatusActive}) { ... }
//
// Every error response is an *Error; IsNotFound, IsConflict,
// IsPreconditionFailed and the other helpers classify it.
//
// Retries: 429 and 503 are retried for every method (the contract promises a
// 503 wrote nothing); network errors and other 5xx for the calls that are
// safe to repeat: GET and HEAD, a registration (Register sends an
// Idempotency-Key, so a repeat whose first attempt did register answers 201
// again, with new keys), and a key regeneration (a repeat issues the key
// the lost answer held anew). Nothing else is retried. The wait is the
// response's Retry-After when given, else a jittered exponential backoff;
// each attempt is signed afresh, the Idempotency-Key and If-Match kept. The
// context bounds it all.
package client

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xcloud/customers/shared/hmacauth"
)

// Paths of the API.
const (
	customersPath = "/xcloud/v1/customers"
	// MaxExistsIDs is how many ids one HEAD request may name; Exists splits
	// longer lists.
	MaxExistsIDs = 100
	// maxResponse bounds how much of a response body is read.
	maxResponse = 32 << 20
)

// Credentials identify the calling service.
type Credentials struct {
	ServiceID string `json:"serviceId"`
	Secret    string `json:"secret"`
}

// RetryPolicy says how often and how long to retry 429, 503 and (GET and
// HEAD only) network errors. Attempt n (from 1) that fails waits the
// response's Retry-After, or else a random time in [d/2, d] where
// d = min(MaxBackoff, BaseBackoff·2^(n-1)).
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, including the first; 1 disables retries
	BaseBackoff time.Duration // the first backoff
	MaxBackoff  time.Duration // the longest backoff (not applied to Retry-After)
}

// DefaultRetryPolicy is the policy of a Client made without WithRetry.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second}

// NoRetry makes exactly one attempt.
var NoRetry = RetryPolicy{MaxAttempts: 1}

// Client calls the API. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	creds  Credentials
	hc     *http.Client
	retry  RetryPolicy
	now    func() time.Time
	agent  string
	jitter func(n int64) int64 // random in [0, n)
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests with hc instead of a client with a 30 s
// timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithRetry sets the retry policy; zero fields take DefaultRetryPolicy's.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) {
		if p.MaxAttempts <= 0 {
			p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
		}
		if p.BaseBackoff <= 0 {
			p.BaseBackoff = DefaultRetryPolicy.BaseBackoff
		}
		if p.MaxBackoff <= 0 {
			p.MaxBackoff = max(DefaultRetryPolicy.MaxBackoff, p.BaseBackoff)
		}
		c.retry = p
	}
}

// WithClock sets the clock that signs requests (the X-XCloud-Timestamp) and
// dates a Retry-After given as an HTTP date.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.agent = ua } }

// New returns a client of the API at baseURL, its root
// ("https://api.example.com", "http://127.0.0.1:3000"), signing as creds.
// A baseURL that does not parse makes every call fail.
func New(baseURL string, creds Credentials, opts ...Option) *Client {
	c := &Client{
		creds:  creds,
		hc:     &http.Client{Timeout: 30 * time.Second},
		retry:  DefaultRetryPolicy,
		now:    time.Now,
		agent:  "xcloud-go-client/1",
		jitter: rand.Int64N,
	}
	if u, err := url.Parse(strings.TrimRight(baseURL, "/")); err == nil && u.Scheme != "" && u.Host != "" {
		c.base = u
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// request is one call, before signing.
type request struct {
	method string
	path   string // escaped, below the base URL
	query  url.Values
	body   []byte
	header http.Header
	// repeatable: sending it twice does what sending it once does, so a
	// network error or a 5xx may be retried.
	repeatable bool
}

// response is a successful answer.
type response struct {
	url    *url.URL
	status int
	header http.Header
	body   []byte
}

func (c *Client) url(r request) (*url.URL, error) {
	if c.base == nil {
		return nil, errors.New("xcloud: the client's base URL is not an absolute http(s) URL")
	}
	u, err := url.Parse(c.base.String() + r.path)
	if err != nil {
		return nil, fmt.Errorf("xcloud: %w", err)
	}
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	return u, nil
}

// do sends r with retries and returns the response when its status is one of
// ok; any other status is an *Error.
func (c *Client) do(ctx context.Context, r request, ok ...int) (*response, error) {
	u, err := c.url(r)
	if err != nil {
		return nil, err
	}
	repeatable := r.repeatable || r.method == http.MethodGet || r.method == http.MethodHead
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, u, r)
		var wait time.Duration
		switch {
		case err == nil && slices.Contains(ok, resp.status):
			return resp, nil
		case err == nil:
			apiErr := newError(&http.Response{StatusCode: resp.status, Header: resp.header,
				Request: &http.Request{Method: r.method, URL: u}}, resp.body)
			apiErr.RetryAfter = c.retryAfter(resp.header)
			err = apiErr
			retry := resp.status == http.StatusTooManyRequests || resp.status == http.StatusServiceUnavailable ||
				repeatable && resp.status >= 500
			if !retry {
				return nil, err
			}
			wait = apiErr.RetryAfter
		case ctx.Err() != nil || !repeatable:
			return nil, err
		}
		if attempt >= c.retry.MaxAttempts {
			return nil, err
		}
		if wait <= 0 {
			wait = c.backoff(attempt)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, err // the retry could not start in time
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (retry abandoned: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// attempt signs and sends r once. An error is a network or context error.
func (c *Client) attempt(ctx context.Context, u *url.URL, r request) (*response, error) {
	var body io.Reader = http.NoBody
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("xcloud: %w", err)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	if c.agent != "" {
		req.Header.Set("User-Agent", c.agent)
	}
	if r.method == http.MethodPost || r.method == http.MethodPut {
		req.Header.Set("Content-Type", "application/json")
	}
	signer := hmacauth.Signer{ServiceID: c.creds.ServiceID, Secret: c.creds.Secret, Now: c.now}
	if err := signer.Sign(req, r.body); err != nil {
		return nil, fmt.Errorf("xcloud: %w", err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("xcloud: %s %s: %w", r.method, u.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("xcloud: %s %s: reading the response: %w", r.method, u.Path, err)
	}
	return &response{url: u, status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// backoff is the wait after failed attempt n when no Retry-After was given.
func (c *Client) backoff(n int) time.Duration {
	d := c.retry.BaseBackoff
	for i := 1; i < n && d < c.retry.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.retry.MaxBackoff)
	half := int64(d / 2)
	return time.Duration(half + c.jitter(half+1))
}

// retryAfter reads Retry-After: delay seconds or an HTTP date.
func (c *Client) retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(c.now()), 0)
	}
	return 0
}

func decode(resp *response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return fmt.Errorf("xcloud: decoding the %d response: %w", resp.status, err)
	}
	return nil
}

func customerPath(id string) string { return customersPath + "/" + url.PathEscape(id) }

// RegisterOption qualifies a Register.
type RegisterOption func(*request)

// IdempotencyKey registers with key as the Idempotency-Key (1 to 255
// printable ASCII characters), instead of a random one: a client that must
// resume a registration after restarting sends the key it sent before. With
// the same body and within 24 hours, the API answers the same registration,
// with new keys (Registered.Replayed).
func IdempotencyKey(key string) RegisterOption {
	return func(r *request) { r.header.Set(hmacauth.HeaderIdempotencyKey, key) }
}

// Register registers a new customer (POST). doc must hold customerId,
// customerName, contactInfo.email and status. A taken id is a 409
// (IsConflict). It sends a random Idempotency-Key, so that its retries after
// a network error or a 5xx are safe: if the first attempt did register, the
// retry gets the registration again, with new keys, not a 409.
func (c *Client) Register(ctx context.Context, doc Document, opts ...RegisterOption) (*Registered, error) {
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("xcloud: %w", err)
	}
	return c.RegisterJSON(ctx, body, opts...)
}

// RegisterJSON is Register with a body sent byte for byte, for tools that
// pass on a document they did not build; the API validates it.
func (c *Client) RegisterJSON(ctx context.Context, body []byte, opts ...RegisterOption) (*Registered, error) {
	r := request{method: http.MethodPost, path: customersPath, body: body, repeatable: true,
		header: http.Header{hmacauth.HeaderIdempotencyKey: {newIdempotencyKey()}}}
	for _, o := range opts {
		o(&r)
	}
	resp, err := c.do(ctx, r, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	var out Registered
	if err := decode(resp, &out); err != nil {
		return nil, err
	}
	out.ETag = resp.header.Get("ETag")
	out.Location = resp.header.Get("Location")
	out.Replayed = resp.header.Get("Idempotent-Replayed") == "true"
	return &out, nil
}

// newIdempotencyKey is 128 random bits, as a UUID would hold.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	cryptorand.Read(b) // never fails on supported platforms (crypto/rand docs)
	return "xcloud-go-" + hex.EncodeToString(b)
}

// RegenerateKey replaces one of customer id's two API keys with a fresh one
// and returns it; the other key goes on working. A missing customer is a 404
// (IsNotFound). It is retried like a registration: a retry issues the key
// the lost answer held anew.
func (c *Client) RegenerateKey(ctx context.Context, id string, name KeyName) (*Regenerated, error) {
	body, err := json.Marshal(map[string]KeyName{"key": name})
	if err != nil {
		return nil, fmt.Errorf("xcloud: %w", err)
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: customerPath(id) + "/apiKeys", body: body, repeatable: true}, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var out Regenerated
	if err := decode(resp, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateOption qualifies an Update.
type UpdateOption func(*request)

// IfMatch makes the update conditional: it applies only while the customer's
// ETag is etag (from Register, Update or Get), else the call fails with 412
// (IsPreconditionFailed) and changes nothing. An empty etag is ignored.
func IfMatch(etag string) UpdateOption {
	return func(r *request) {
		if etag != "" {
			r.header.Set("If-Match", etag)
		}
	}
}

// Update merges u into customer id (PUT). A missing customer is a 404
// (IsNotFound).
func (c *Client) Update(ctx context.Context, id string, u *Update, opts ...UpdateOption) (*Updated, error) {
	body, err := u.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("xcloud: %w", err)
	}
	return c.UpdateJSON(ctx, id, body, opts...)
}

// UpdateJSON is Update with a body sent byte for byte.
func (c *Client) UpdateJSON(ctx context.Context, id string, body []byte, opts ...UpdateOption) (*Updated, error) {
	r := request{method: http.MethodPut, path: customerPath(id), body: body, header: http.Header{}}
	for _, o := range opts {
		o(&r)
	}
	resp, err := c.do(ctx, r, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var out Updated
	if err := decode(resp, &out); err != nil {
		return nil, err
	}
	out.ETag = resp.header.Get("ETag")
	return &out, nil
}

// Get reads one customer. A missing customer is a 404 (IsNotFound).
func (c *Client) Get(ctx context.Context, id string) (*Customer, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, path: customerPath(id)}, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var out Customer
	if err := decode(resp, &out); err != nil {
		return nil, err
	}
	out.ETag = resp.header.Get("ETag")
	return &out, nil
}

// List reads one page, starting at opts.NextToken.
func (c *Client) List(ctx context.Context, opts ListOptions) (*Page, error) {
	q := url.Values{}
	if opts.Status != "" {
		q.Set("status", string(opts.Status))
	}
	if opts.Limit != 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.NextToken != "" {
		q.Set("nextToken", opts.NextToken)
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: customersPath, query: q}, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var out Page
	if err := decode(resp, &out); err != nil {
		return nil, err
	}
	if out.Customers == nil {
		out.Customers = []Customer{}
	}
	return &out, nil
}

// Pages yields the pages of a listing from opts.NextToken on, following
// nextToken until it is absent. Pages may be short or empty before the last.
// After an error it yields nothing more.
func (c *Client) Pages(ctx context.Context, opts ListOptions) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		for {
			page, err := c.List(ctx, opts)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || page.NextToken == "" {
				return
			}
			if page.NextToken == opts.NextToken {
				yield(nil, fmt.Errorf("xcloud: the API returned the same nextToken twice"))
				return
			}
			opts.NextToken = page.NextToken
		}
	}
}

// Customers yields every customer of a listing, once each, following
// nextToken until it is absent. An error is yielded last, with a zero
// Customer.
//
//	for cust, err := range c.Customers(ctx, client.ListOptions{Status: client.StatusActive, Limit: 100}) {
//		if err != nil { return err }
//		...
//	}
func (c *Client) Customers(ctx context.Context, opts ListOptions) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		for page, err := range c.Pages(ctx, opts) {
			if err != nil {
				yield(Customer{}, err)
				return
			}
			for _, cust := range page.Customers {
				if !yield(cust, nil) {
					return
				}
			}
		}
	}
}

// Exists checks that every id exists (HEAD), in requests of up to
// MaxExistsIDs ids. Missing ids are a result, not an error; a malformed id is
// a 400 (IsValidation). It needs at least one id.
func (c *Client) Exists(ctx context.Context, ids ...string) (*ExistsResult, error) {
	if len(ids) == 0 {
		return nil, errors.New("xcloud: Exists needs at least one customer id")
	}
	res := &ExistsResult{AllExist: true, Missing: []string{}}
	missing := map[string]bool{}
	for start := 0; start < len(ids); start += MaxExistsIDs {
		chunk := ids[start:min(start+MaxExistsIDs, len(ids))]
		escaped := make([]string, len(chunk))
		for i, id := range chunk {
			escaped[i] = url.PathEscape(id)
		}
		resp, err := c.do(ctx, request{method: http.MethodHead, path: customersPath + "/" + strings.Join(escaped, ",")},
			http.StatusOK, http.StatusNotFound)
		if err != nil {
			return nil, err
		}
		if resp.status == http.StatusOK {
			continue
		}
		header := resp.header.Get("X-XCloud-Missing-Ids")
		if header == "" {
			// A 404 that names no missing id is not the API's answer
			// (API Gateway's unknown route, say).
			return nil, newError(&http.Response{StatusCode: resp.status, Header: resp.header,
				Request: &http.Request{Method: http.MethodHead, URL: resp.url}}, resp.body)
		}
		res.AllExist = false
		for id := range strings.SplitSeq(header, ",") {
			missing[strings.TrimSpace(id)] = true
		}
	}
	for _, id := range ids { // in the order asked, once each
		if missing[id] {
			delete(missing, id)
			res.Missing = append(res.Missing, id)
		}
	}
	return res, nil
}
