package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcloud/customers/client"
	"github.com/xcloud/customers/internal/apitest"
)

const credentials = `{
  "svc-writer": {"secrets": ["writer-secret"], "scopes": ["customers:read", "customers:write"]},
  "svc-reader": {"secrets": ["reader-secret"], "scopes": ["customers:read"]}
}`

var (
	writer = client.Credentials{ServiceID: "svc-writer", Secret: "writer-secret"}
	reader = client.Credentials{ServiceID: "svc-reader", Secret: "reader-secret"}
)

// startAPI serves the whole local API on a fresh embedded table.
func startAPI(t *testing.T) string {
	t.Helper()
	return apitest.Start(t, "..", credentials).URL
}

func cid(n int) string { return "FST-1536316721808-C" + strconv.Itoa(10000+n) }

func minimal(id string, status client.Status) client.Document {
	return client.Document{
		CustomerID: id, CustomerName: "Customer " + id,
		ContactInfo: &client.ContactInfo{Email: "a@example.com"}, Status: status,
	}
}

func TestRegisterGetUpdate(t *testing.T) {
	ctx := context.Background()
	c := client.New(startAPI(t), writer)
	const id = "FST-1536316721808-NewCustomer"
	doc := client.Document{
		CustomerID:   id,
		CustomerName: "Dewatering Solutions Inc",
		Description:  client.Ptr("Pumps"),
		ContactInfo: &client.ContactInfo{
			Email: "contact@dewatering-solutions.com", Phone: client.Ptr("+1 (312) 555-0100"),
			Address: &client.Address{City: client.Ptr("Chicago"), Country: client.Ptr("US")},
		},
		BusinessInfo: &client.BusinessInfo{Timezone: client.Ptr("America/Chicago")},
		Settings:     &client.Settings{DataRetentionDays: client.Ptr(365), ReportingEnabled: client.Ptr(false)},
		Location:     &client.Location{Latitude: client.Ptr(41.88), Longitude: client.Ptr(-87.63)},
		Status:       client.StatusActive,
	}
	reg, err := c.Register(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if reg.CustomerID != id || reg.CustomerName != doc.CustomerName || reg.Status != client.StatusActive {
		t.Errorf("registered %+v", reg)
	}
	if reg.ETag == "" || reg.Location != "/xcloud/v1/customers/"+id || reg.CreatedAt.IsZero() {
		t.Errorf("ETag %q Location %q createdAt %v", reg.ETag, reg.Location, reg.CreatedAt)
	}
	if !strings.HasPrefix(reg.APIKeys.Primary, "xck_") || reg.APIKeys.Secondary == "" || reg.APIKeys.Primary == reg.APIKeys.Secondary {
		t.Errorf("api keys %+v", reg.APIKeys)
	}
	if reg.Limits != (client.Limits{MaxDevices: 100, MaxUsers: 50, MaxDataPoints: 1000000}) {
		t.Errorf("limits %+v", reg.Limits)
	}

	got, err := c.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != reg.ETag || !got.CreatedAt.Equal(reg.CreatedAt) || got.Limits != reg.Limits {
		t.Errorf("get: ETag %q createdAt %v limits %+v", got.ETag, got.CreatedAt, got.Limits)
	}
	if *got.Description != "Pumps" || *got.ContactInfo.Phone != "+1 (312) 555-0100" || *got.ContactInfo.Address.City != "Chicago" ||
		got.ContactInfo.Address.Street != nil || *got.Settings.DataRetentionDays != 365 || *got.Settings.ReportingEnabled ||
		*got.Location.Longitude != -87.63 || got.Settings.AlertFrequency != nil {
		t.Errorf("get: %+v", got)
	}

	// Without If-Match.
	up, err := c.Update(ctx, id, client.NewUpdate().Set("customerName", "Dewatering Solutions").Set("settings.dataRetentionDays", 730))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"customerName", "settings.dataRetentionDays"}; !slices.Equal(up.Changes, want) {
		t.Errorf("changes %v, want %v", up.Changes, want)
	}
	if up.ETag == "" || up.ETag == reg.ETag || up.CustomerName != "Dewatering Solutions" || up.UpdatedAt.IsZero() {
		t.Errorf("updated %+v", up)
	}

	// With the current ETag, built from a typed partial document.
	u, err := client.UpdateFrom(client.Document{Settings: &client.Settings{AlertFrequency: client.Ptr(client.AlertDaily)}})
	if err != nil {
		t.Fatal(err)
	}
	up2, err := c.Update(ctx, id, u, client.IfMatch(up.ETag))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(up2.Changes, []string{"settings.alertFrequency"}) {
		t.Errorf("changes %v", up2.Changes)
	}

	// A stale ETag: 412, nothing changed.
	_, err = c.Update(ctx, id, client.NewUpdate().Set("description", "stale"), client.IfMatch(up.ETag))
	if !client.IsPreconditionFailed(err) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if e := client.AsError(err); e.Code != client.CodePreconditionFailed || e.CustomerID != id || e.RequestID == "" {
		t.Errorf("412 error %+v", e)
	}
	if got, _ := c.Get(ctx, id); *got.Description != "Pumps" || got.ETag != up2.ETag {
		t.Errorf("a failed conditional update changed the customer: %+v", got)
	}

	// null clears: one leaf, and a whole object.
	up3, err := c.Update(ctx, id, client.NewUpdate().Clear("contactInfo.phone").Clear("location").Clear("description"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"description", "contactInfo.phone", "location.latitude", "location.longitude"}; !slices.Equal(up3.Changes, want) {
		t.Errorf("changes %v, want %v", up3.Changes, want)
	}
	got, err = c.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Description != nil || got.ContactInfo.Phone != nil || got.Location != nil || got.ContactInfo.Email == "" ||
		*got.ContactInfo.Address.City != "Chicago" || *got.Settings.AlertFrequency != "daily" {
		t.Errorf("after clearing: %+v %+v", got, got.ContactInfo)
	}

	// Nothing to change: [] and the same ETag? The version still moves on
	// every write, so only check the empty changes.
	up4, err := c.Update(ctx, id, client.NewUpdate().Set("status", "ACTIVE"))
	if err != nil {
		t.Fatal(err)
	}
	if up4.Changes == nil || len(up4.Changes) != 0 {
		t.Errorf("no-op changes %#v", up4.Changes)
	}
}

func TestUpdateBuilder(t *testing.T) {
	u := client.NewUpdate().
		Set("contactInfo", &client.ContactInfo{Email: "a@b.example", Phone: client.Ptr("+15555550100")}).
		Set("contactInfo.address.city", "Paris").
		Clear("contactInfo.phone").
		Set("settings.dataRetentionDays", 7)
	b, err := u.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"contactInfo":{"address":{"city":"Paris"},"email":"a@b.example","phone":null},"settings":{"dataRetentionDays":7}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if b, _ := client.NewUpdate().MarshalJSON(); string(b) != "{}" {
		t.Errorf("empty update %s", b)
	}
	p, err := client.ParseUpdate([]byte(`{"settings":{"dataRetentionDays":1e2},"description":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := p.MarshalJSON(); string(b) != `{"description":null,"settings":{"dataRetentionDays":1e2}}` {
		t.Errorf("parsed update re-encoded as %s", b)
	}
	if _, err := client.ParseUpdate([]byte(`[1]`)); err == nil {
		t.Error("an array parsed as an update")
	}
}

func TestPaginatorVisitsEveryCustomerOnce(t *testing.T) {
	ctx := context.Background()
	c := client.New(startAPI(t), writer)
	statuses := []client.Status{client.StatusActive, client.StatusInactive, client.StatusSuspended}
	want := map[client.Status][]string{}
	var all []string
	for i := range 25 {
		st := statuses[i%3]
		if i%5 == 0 {
			st = client.StatusActive
		}
		if _, err := c.Register(ctx, minimal(cid(i), st)); err != nil {
			t.Fatal(err)
		}
		want[st] = append(want[st], cid(i))
		all = append(all, cid(i))
	}
	for _, status := range []client.Status{"", client.StatusActive, client.StatusInactive, client.StatusSuspended} {
		t.Run("status="+string(status), func(t *testing.T) {
			expect := all
			if status != "" {
				expect = want[status]
			}
			pages := 0
			for page, err := range c.Pages(ctx, client.ListOptions{Status: status, Limit: 4}) {
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Customers) > 4 {
					t.Errorf("page of %d", len(page.Customers))
				}
				pages++
			}
			if pages < (len(expect)+3)/4 {
				t.Errorf("%d pages for %d customers", pages, len(expect))
			}
			seen := map[string]int{}
			var got []string
			for cust, err := range c.Customers(ctx, client.ListOptions{Status: status, Limit: 4}) {
				if err != nil {
					t.Fatal(err)
				}
				if status != "" && cust.Status != status {
					t.Errorf("%s has status %s", cust.CustomerID, cust.Status)
				}
				if cust.CreatedAt.IsZero() || cust.Limits.MaxUsers != 50 {
					t.Errorf("listed customer %+v", cust)
				}
				seen[cust.CustomerID]++
				got = append(got, cust.CustomerID)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s seen %d times", id, n)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, expect) {
				t.Errorf("listed %v\nwant   %v", got, expect)
			}
		})
	}

	// Breaking out of the loop stops the listing.
	n := 0
	for _, err := range c.Customers(ctx, client.ListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	// One page, with a nextToken to go on from.
	page, err := c.List(ctx, client.ListOptions{Limit: 10})
	if err != nil || len(page.Customers) != 10 || page.NextToken == "" {
		t.Fatalf("first page: %v %+v", err, page)
	}
	rest := 0
	for _, err := range c.Customers(ctx, client.ListOptions{Limit: 10, NextToken: page.NextToken}) {
		if err != nil {
			t.Fatal(err)
		}
		rest++
	}
	if rest != 15 {
		t.Errorf("%d customers after the first page of 10, want 15", rest)
	}

	// A bad option is the API's 400, yielded once.
	errs := 0
	for _, err := range c.Customers(ctx, client.ListOptions{Limit: 1000}) {
		if !client.IsValidation(err) || client.AsError(err).Fields[0].Field != "limit" {
			t.Errorf("limit 1000: %v", err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("%d errors yielded", errs)
	}
}

// countingTransport counts requests by method.
type countingTransport struct {
	mu    sync.Mutex
	count map[string]int
	paths []string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if c.count == nil {
		c.count = map[string]int{}
	}
	c.count[r.Method]++
	c.paths = append(c.paths, r.URL.Path)
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestExists(t *testing.T) {
	ctx := context.Background()
	ct := &countingTransport{}
	c := client.New(startAPI(t), writer, client.WithHTTPClient(&http.Client{Transport: ct}))
	var ids []string
	for i := range 5 {
		if _, err := c.Register(ctx, minimal(cid(i), client.StatusActive)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cid(i))
	}
	res, err := c.Exists(ctx, ids...)
	if err != nil || !res.AllExist || len(res.Missing) != 0 {
		t.Fatalf("all exist: %v %+v", err, res)
	}
	res, err = c.Exists(ctx, cid(1), cid(77), cid(2), cid(78))
	if err != nil || res.AllExist || !slices.Equal(res.Missing, []string{cid(77), cid(78)}) {
		t.Fatalf("some missing: %v %+v", err, res)
	}

	// 250 ids, two of them missing (one in the last chunk): three HEADs.
	many := []string{}
	for i := range 250 {
		many = append(many, ids[i%5])
	}
	many[17], many[230] = cid(500), cid(501)
	ct.mu.Lock()
	ct.count = nil
	ct.mu.Unlock()
	res, err = c.Exists(ctx, many...)
	if err != nil || res.AllExist || !slices.Equal(res.Missing, []string{cid(500), cid(501)}) {
		t.Fatalf("250 ids: %v %+v", err, res)
	}
	if ct.count[http.MethodHead] != 3 {
		t.Errorf("%d HEAD requests for 250 ids, want 3", ct.count[http.MethodHead])
	}

	// A malformed id is a 400 (with no body: HEAD).
	_, err = c.Exists(ctx, cid(1), "nope")
	if !client.IsValidation(err) || client.AsError(err).RequestID == "" {
		t.Errorf("malformed id: %v", err)
	}
	if _, err := c.Exists(ctx); err == nil {
		t.Error("no ids: no error")
	}
}

func TestTypedErrors(t *testing.T) {
	ctx := context.Background()
	base := startAPI(t)
	c := client.New(base, writer)
	if _, err := c.Register(ctx, minimal(cid(1), client.StatusActive)); err != nil {
		t.Fatal(err)
	}

	_, err := c.Get(ctx, cid(2))
	if !client.IsNotFound(err) || client.IsConflict(err) {
		t.Fatalf("get missing: %v", err)
	}
	e := client.AsError(err)
	if e.StatusCode != 404 || e.Code != client.CodeCustomerNotFound || e.CustomerID != cid(2) ||
		e.Message != "Customer with ID '"+cid(2)+"' not found" || e.RequestID == "" {
		t.Errorf("404 %+v", e)
	}
	if !strings.Contains(err.Error(), "CUSTOMER_NOT_FOUND") || !strings.Contains(err.Error(), e.RequestID) {
		t.Errorf("error text %q", err)
	}
	if _, err := c.Update(ctx, cid(3), client.NewUpdate().Set("customerName", "x")); !client.IsNotFound(err) {
		t.Errorf("update missing: %v", err)
	}

	_, err = c.Register(ctx, minimal(cid(1), client.StatusInactive))
	if e := client.AsError(err); !client.IsConflict(err) || e.Code != client.CodeCustomerExists || e.CustomerID != cid(1) {
		t.Errorf("409: %v", err)
	}

	bad := minimal(cid(4), "RETIRED")
	bad.ContactInfo.Email = "not an address"
	bad.Settings = &client.Settings{DataRetentionDays: client.Ptr(0)}
	_, err = c.Register(ctx, bad)
	e = client.AsError(err)
	if !client.IsValidation(err) || e.Code != client.CodeValidation {
		t.Fatalf("400: %v", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
	}
	if want := []string{"contactInfo.email", "settings.dataRetentionDays", "status"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if _, err := c.UpdateJSON(ctx, cid(1), []byte(`{"customerName":`)); client.AsError(err).Code != client.CodeInvalidJSON {
		t.Errorf("invalid JSON: %v", err)
	}

	wrong := client.New(base, client.Credentials{ServiceID: "svc-writer", Secret: "wrong"})
	_, err = wrong.Get(ctx, cid(1))
	if e := client.AsError(err); !client.IsUnauthenticated(err) || e.Code != client.CodeInvalidSignature {
		t.Errorf("wrong secret: %v", err)
	}
	_, err = wrong.Exists(ctx, cid(1))
	if !client.IsUnauthenticated(err) {
		t.Errorf("wrong secret, HEAD: %v", err)
	}
	skewed := client.New(base, writer, client.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }))
	if _, err := skewed.Get(ctx, cid(1)); client.AsError(err).Code != client.CodeRequestExpired {
		t.Errorf("an hour late: %v", err)
	}
	ro := client.New(base, reader)
	if _, err := ro.Get(ctx, cid(1)); err != nil {
		t.Errorf("reader get: %v", err)
	}
	_, err = ro.Register(ctx, minimal(cid(5), client.StatusActive))
	if e := client.AsError(err); !client.IsForbidden(err) || e.Code != client.CodeForbidden {
		t.Errorf("reader register: %v", err)
	}

	if _, err := client.New("not a url", writer).Get(ctx, cid(1)); err == nil || client.AsError(err) != nil {
		t.Errorf("bad base URL: %v", err)
	}
}

// fake is an API stand-in that answers from a script and records attempts.
type fake struct {
	mu       sync.Mutex
	attempts []attempt
	answer   func(n int, w http.ResponseWriter) // n counts from 1
}

type attempt struct {
	at                    time.Time
	timestamp, signature  string
	contentMD5, body, tag string
}

func newFake(t *testing.T, answer func(n int, w http.ResponseWriter)) (*fake, string) {
	f := &fake{answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.attempts = append(f.attempts, attempt{
			at: time.Now(), timestamp: r.Header.Get("X-XCloud-Timestamp"), signature: r.Header.Get("X-XCloud-Signature"),
			contentMD5: r.Header.Get("Content-MD5"), body: string(body), tag: r.Header.Get("If-Match"),
		})
		n := len(f.attempts)
		f.mu.Unlock()
		w.Header().Set("X-Request-Id", "req-"+strconv.Itoa(n))
		w.Header().Set("Content-Type", "application/json")
		f.answer(n, w)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.attempts)
}

const customerJSON = `{"customerId":"FST-1536316721808-C10001","customerName":"A","contactInfo":{"email":"a@example.com"},"status":"ACTIVE",
"limits":{"maxDevices":1,"maxUsers":2,"maxDataPoints":3},"createdAt":"2024-01-02T16:30:00Z","updatedAt":"2024-01-02T16:30:00Z"}`

func unavailableThenOK(status int, retryAfter string, failures int) func(int, http.ResponseWriter) {
	return func(n int, w http.ResponseWriter) {
		if n <= failures {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":"X","message":"busy","requestId":"req-%d"}`, n)
			return
		}
		w.Header().Set("ETag", `"7"`)
		switch status {
		case http.StatusTooManyRequests:
			w.Write([]byte(`{"customerId":"FST-1536316721808-C10001","customerName":"A","status":"ACTIVE","updatedAt":"2024-01-02T16:30:00Z","changes":["customerName"]}`))
		default:
			w.Write([]byte(customerJSON))
		}
	}
}

func TestRetry503HonoursRetryAfter(t *testing.T) {
	f, url := newFake(t, unavailableThenOK(http.StatusServiceUnavailable, "1", 1))
	c := client.New(url, writer)
	start := time.Now()
	got, err := c.Get(context.Background(), cid(1))
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if f.count() != 2 || got.ETag != `"7"` || got.Limits.MaxDataPoints != 3 {
		t.Errorf("%d attempts, %+v", f.count(), got)
	}
	gap := f.attempts[1].at.Sub(f.attempts[0].at)
	if gap < 950*time.Millisecond || gap > 1500*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("waited %v between attempts (elapsed %v), want Retry-After's 1s", gap, elapsed)
	}
}

func TestRetry429ResignsEachAttempt(t *testing.T) {
	f, url := newFake(t, unavailableThenOK(http.StatusTooManyRequests, "1", 2))
	var tick atomic.Int64
	clock := func() time.Time { return time.Unix(1700000000+tick.Add(1), 0) }
	c := client.New(url, writer, client.WithClock(clock))
	start := time.Now()
	up, err := c.Update(context.Background(), cid(1), client.NewUpdate().Set("customerName", "A"), client.IfMatch(`"6"`))
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 1900*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("two Retry-After: 1 took %v", elapsed)
	}
	if f.count() != 3 || up.ETag != `"7"` || !slices.Equal(up.Changes, []string{"customerName"}) {
		t.Fatalf("%d attempts, %+v", f.count(), up)
	}
	seen := map[string]bool{}
	for i, a := range f.attempts {
		if a.body != `{"customerName":"A"}` || a.contentMD5 == "" || a.tag != `"6"` {
			t.Errorf("attempt %d: %+v", i+1, a)
		}
		if seen[a.timestamp] || seen[a.signature] {
			t.Errorf("attempt %d reuses a timestamp or signature: %+v", i+1, a)
		}
		seen[a.timestamp], seen[a.signature] = true, true
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	f, url := newFake(t, unavailableThenOK(http.StatusServiceUnavailable, "", 100))
	c := client.New(url, writer, client.WithRetry(client.RetryPolicy{MaxAttempts: 3, BaseBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}))
	_, err := c.Get(context.Background(), cid(1))
	if e := client.AsError(err); !client.IsUnavailable(err) || e.RequestID != "req-3" {
		t.Errorf("after 3 attempts: %v", err)
	}
	if f.count() != 3 {
		t.Errorf("%d attempts, want 3", f.count())
	}
	f2, url2 := newFake(t, unavailableThenOK(http.StatusServiceUnavailable, "", 100))
	if _, err := client.New(url2, writer, client.WithRetry(client.NoRetry)).Get(context.Background(), cid(1)); !client.IsUnavailable(err) || f2.count() != 1 {
		t.Errorf("NoRetry: %d attempts, %v", f2.count(), err)
	}
}

func TestRetryBoundedByContext(t *testing.T) {
	// Retry-After beyond the deadline: give up at once with the 503.
	f, url := newFake(t, unavailableThenOK(http.StatusServiceUnavailable, "5", 1))
	c := client.New(url, writer)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Get(ctx, cid(1))
	if !client.IsUnavailable(err) || time.Since(start) > 1500*time.Millisecond || f.count() != 1 {
		t.Errorf("deadline before Retry-After: %v after %v, %d attempts", err, time.Since(start), f.count())
	}
	if e := client.AsError(err); e.RetryAfter != 5*time.Second {
		t.Errorf("RetryAfter %v", e.RetryAfter)
	}

	// Cancelled while waiting.
	f, url = newFake(t, unavailableThenOK(http.StatusServiceUnavailable, "2", 1))
	c = client.New(url, writer)
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start = time.Now()
	_, err = c.Get(ctx, cid(1))
	if !errors.Is(err, context.Canceled) || !client.IsUnavailable(err) || time.Since(start) > time.Second || f.count() != 1 {
		t.Errorf("cancelled while waiting: %v after %v, %d attempts", err, time.Since(start), f.count())
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	for _, status := range []int{400, 401, 404, 409, 412, 422} {
		f, url := newFake(t, func(n int, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(status)
			w.Write([]byte(`{"error":"E","message":"no","fields":[{"field":"x","message":"bad"}]}`))
		})
		_, err := client.New(url, writer).Register(context.Background(), minimal(cid(1), client.StatusActive))
		if client.StatusCode(err) != status || f.count() != 1 {
			t.Errorf("%d: %d attempts, %v", status, f.count(), err)
		}
		if e := client.AsError(err); e.RequestID != "req-1" || len(e.Fields) != 1 || e.Fields[0].Field != "x" {
			t.Errorf("%d: %+v", status, e)
		}
	}
}

// A 500 is retried for the calls that are safe to repeat (a registration,
// with its Idempotency-Key), not for an update.
func TestServerErrorsRetriedForRepeatableCalls(t *testing.T) {
	fast := client.WithRetry(client.RetryPolicy{MaxAttempts: 3, BaseBackoff: time.Millisecond})
	for _, call := range []struct {
		name     string
		attempts int
		do       func(c *client.Client) error
	}{
		{"register", 3, func(c *client.Client) error {
			_, err := c.Register(context.Background(), minimal(cid(1), client.StatusActive))
			return err
		}},
		{"regenerate a key", 3, func(c *client.Client) error {
			_, err := c.RegenerateKey(context.Background(), cid(1), client.PrimaryKey)
			return err
		}},
		{"update", 1, func(c *client.Client) error {
			_, err := c.Update(context.Background(), cid(1), client.NewUpdate().Set("description", "x"))
			return err
		}},
	} {
		f, url := newFake(t, func(n int, w http.ResponseWriter) {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error":"INTERNAL_ERROR","message":"An internal error occurred"}`))
		})
		if err := call.do(client.New(url, writer, fast)); client.StatusCode(err) != 500 || f.count() != call.attempts {
			t.Errorf("%s: %d attempts, want %d; %v", call.name, f.count(), call.attempts, err)
		}
	}
}

func TestNetworkErrorsRetriedForRepeatableCalls(t *testing.T) {
	// The first connection is dropped without an answer, then the API answers.
	var conns atomic.Int32
	var keys []string
	var mu sync.Mutex
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		if conns.Add(1) == 1 {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"customerId":"` + cid(1) + `","apiKeys":{"primary":"xck_a","secondary":"xck_b"}}`))
			return
		}
		w.Write([]byte(customerJSON))
	}))
	srv.Start()
	defer srv.Close()
	fast := client.WithRetry(client.RetryPolicy{MaxAttempts: 3, BaseBackoff: 10 * time.Millisecond})
	if _, err := client.New(srv.URL, writer, fast).Get(context.Background(), cid(1)); err != nil || conns.Load() != 2 {
		t.Errorf("GET after a dropped connection: %v, %d requests", err, conns.Load())
	}
	conns.Store(0)
	keys = nil
	reg, err := client.New(srv.URL, writer, fast).Register(context.Background(), minimal(cid(1), client.StatusActive))
	if err != nil || conns.Load() != 2 || !reg.Replayed {
		t.Errorf("POST after a dropped connection: %+v, %v, %d requests", reg, err, conns.Load())
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("Idempotency-Keys sent %q: want the same random key on each attempt", keys)
	}
	conns.Store(0)
	_, err = client.New(srv.URL, writer, fast).Update(context.Background(), cid(1), client.NewUpdate().Set("description", "x"))
	if err == nil || client.AsError(err) != nil || conns.Load() != 1 {
		t.Errorf("PUT after a dropped connection: %v, %d requests", err, conns.Load())
	}

	// Nothing listening: GET tries MaxAttempts times, then fails.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := client.New("http://"+addr, writer, fast).Get(context.Background(), cid(1)); err == nil || client.StatusCode(err) != 0 {
		t.Errorf("no server: %v", err)
	}
}

// Against the API: a registration with a chosen key answers again, replayed
// and with new keys; a key regenerated is fresh and leaves the other; a bad
// signature's error holds the string the server signed.
func TestIdempotencyKeysAndRegeneration(t *testing.T) {
	ctx := context.Background()
	url := startAPI(t)
	c := client.New(url, writer)
	first, err := c.Register(ctx, minimal(cid(1), client.StatusActive), client.IdempotencyKey("resume-7"))
	if err != nil || first.Replayed {
		t.Fatalf("first: %+v, %v", first, err)
	}
	again, err := c.Register(ctx, minimal(cid(1), client.StatusActive), client.IdempotencyKey("resume-7"))
	if err != nil || !again.Replayed || again.APIKeys == first.APIKeys || !again.CreatedAt.Equal(first.CreatedAt) || again.ETag != first.ETag {
		t.Fatalf("again: %+v, %v", again, err)
	}
	if _, err := c.Register(ctx, minimal(cid(1), client.StatusSuspended), client.IdempotencyKey("resume-7")); client.AsError(err).Code != client.CodeIdempotencyKeyReused {
		t.Errorf("another body: %v", err)
	}
	if _, err := c.Register(ctx, minimal(cid(1), client.StatusActive)); !client.IsConflict(err) {
		t.Errorf("a random key: %v, want 409", err)
	}

	reg, err := c.RegenerateKey(ctx, cid(1), client.SecondaryKey)
	if err != nil || reg.CustomerID != cid(1) || len(reg.APIKeys) != 1 || !strings.HasPrefix(reg.APIKeys[client.SecondaryKey], "xck_") ||
		reg.APIKeys[client.SecondaryKey] == again.APIKeys.Secondary || reg.RegeneratedAt.IsZero() {
		t.Errorf("regenerated %+v, %v", reg, err)
	}
	if _, err := c.RegenerateKey(ctx, cid(2), client.PrimaryKey); !client.IsNotFound(err) {
		t.Errorf("missing customer: %v", err)
	}

	_, err = client.New(url, client.Credentials{ServiceID: writer.ServiceID, Secret: "wrong"}).Get(ctx, cid(1))
	if e := client.AsError(err); e == nil || e.Code != client.CodeInvalidSignature ||
		!strings.HasPrefix(e.StringToSign, "XCLOUD-HMAC-SHA256\n") || !strings.Contains(e.StringToSign, "\nsvc-writer\nGET\n/xcloud/v1/customers/"+cid(1)+"\n") {
		t.Errorf("bad signature: %+v", e)
	}
}
