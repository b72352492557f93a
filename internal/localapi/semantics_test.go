package localapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestGetAndUpdateOfMissingOrMalformedIDs(t *testing.T) {
	e := newEnv(t)
	e.register(cid(1), "ACTIVE")
	for _, id := range []string{cid(2), "FST-invalid-id", "FST-1536316721808-%2F..", "FST-1536316721808-Ｘ"} {
		t.Run(id, func(t *testing.T) {
			e.t = t
			m := expectError(t, e.do(request{method: http.MethodGet, path: base + "/" + id}), 404, "CUSTOMER_NOT_FOUND")
			want := strings.ReplaceAll(id, "%2F", "/")
			if m["customerId"] != want || m["message"] != "Customer with ID '"+want+"' not found" {
				t.Errorf("404 body %v", m)
			}
			e.unchanged(func() {
				expectError(t, e.do(request{method: http.MethodPut, path: base + "/" + id, body: `{"customerName":"x"}`}), 404, "CUSTOMER_NOT_FOUND")
			})
		})
	}
}

func TestRegisterConflict(t *testing.T) {
	e := newEnv(t)
	e.register(cid(1), "ACTIVE")
	e.unchanged(func() {
		m := expectError(t, e.do(request{method: http.MethodPost, path: base, body: minimal(cid(1), "SUSPENDED")}), 409, "CUSTOMER_EXISTS")
		if m["customerId"] != cid(1) || m["message"] != "Customer with ID '"+cid(1)+"' already exists" {
			t.Errorf("409 body %v", m)
		}
	})
}

func TestUpdateMergeNullAndIfMatch(t *testing.T) {
	e := newEnv(t)
	e.do(request{method: http.MethodPost, path: base, body: fixture(t, "register.json")})
	const id = "FST-1536316721808-NewCustomer"
	path := base + "/" + id

	for _, c := range []struct{ name, body, field string }{
		{"id differs from path", `{"customerId":"` + cid(9) + `"}`, "customerId"},
		{"null required", `{"customerName":null}`, "customerName"},
		{"null email", `{"contactInfo":{"email":null}}`, "contactInfo.email"},
		{"null contactInfo", `{"contactInfo":null}`, "contactInfo"},
		{"null status", `{"status":null}`, "status"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.unchanged(func() {
				m := expectError(t, e.do(request{method: http.MethodPut, path: path, body: c.body}), 400, "VALIDATION_ERROR")
				if got := fieldsOf(t, m); !slices.Equal(got, []string{c.field}) {
					t.Errorf("fields %v, want [%s]", got, c.field)
				}
			})
		})
	}
	e.t = t

	r := e.do(request{method: http.MethodPut, path: path, body: `{"customerId":"` + id + `","description":null,"businessInfo":null,
		"contactInfo":{"address":{"city":"Chicago"}},"location":{"latitude":null}}`})
	if r.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	var res struct{ Changes []string }
	json.Unmarshal(r.body, &res)
	want := []string{"description", "contactInfo.address.city", "businessInfo.industry", "businessInfo.sector", "businessInfo.timezone", "location.latitude"}
	if !slices.Equal(res.Changes, want) {
		t.Errorf("changes %v\nwant    %v", res.Changes, want)
	}
	got := e.do(request{method: http.MethodGet, path: path}).json(t)
	if _, ok := got["description"]; ok {
		t.Error("description not cleared")
	}
	if _, ok := got["businessInfo"]; ok {
		t.Errorf("businessInfo not cleared: %v", got["businessInfo"])
	}
	ci := got["contactInfo"].(map[string]any)
	addr := ci["address"].(map[string]any)
	if addr["city"] != "Chicago" || addr["street"] != "123 Industrial Drive" || ci["email"] != "contact@dewatering-solutions.com" {
		t.Errorf("merge lost fields: %v", ci)
	}
	if loc := got["location"].(map[string]any); loc["longitude"] != -89.6501 || loc["latitude"] != nil {
		t.Errorf("location %v", loc)
	}

	// If-Match: stale -> 412 and nothing changes; current -> 200; "*" -> 200.
	etag := e.do(request{method: http.MethodGet, path: path}).header.Get("ETag")
	if etag != `"2"` {
		t.Fatalf("ETag %q after one update", etag)
	}
	for _, stale := range []string{`"1"`, `W/"2"`, `2`, `"abc"`} {
		e.unchanged(func() {
			m := expectError(t, e.do(request{method: http.MethodPut, path: path, body: `{"status":"SUSPENDED"}`, header: map[string]string{"If-Match": stale}}), 412, "PRECONDITION_FAILED")
			if m["customerId"] != id {
				t.Errorf("412 body %v", m)
			}
		})
	}
	e.unchanged(func() {
		expectError(t, e.do(request{method: http.MethodPut, path: base + "/" + cid(5), body: `{}`, header: map[string]string{"If-Match": `"1"`}}), 404, "CUSTOMER_NOT_FOUND")
	})
	r = e.do(request{method: http.MethodPut, path: path, body: `{"status":"SUSPENDED"}`, header: map[string]string{"If-Match": etag}})
	if r.status != http.StatusOK || r.header.Get("ETag") != `"3"` {
		t.Errorf("matching If-Match: %d %v %s", r.status, r.header.Get("ETag"), r.body)
	}
	if r := e.do(request{method: http.MethodPut, path: path, body: `{}`, header: map[string]string{"If-Match": "*"}}); r.status != http.StatusOK {
		t.Errorf("If-Match *: %d %s", r.status, r.body)
	}
}

func TestListPagingAndQueryErrors(t *testing.T) {
	e := newEnv(t)
	want := map[string][]string{}
	for n := range 23 {
		status := []string{"ACTIVE", "INACTIVE", "SUSPENDED"}[n%3]
		e.register(cid(n), status)
		want[status] = append(want[status], cid(n))
		want[""] = append(want[""], cid(n))
	}
	page := func(query string) (ids []string, next string) {
		r := e.do(request{method: http.MethodGet, path: base, query: query})
		if r.status != http.StatusOK {
			t.Fatalf("GET ?%s: %d %s", query, r.status, r.body)
		}
		var p struct {
			Customers []struct{ CustomerID, Status string }
			NextToken *string
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(r.body), `"nextToken"`) && p.NextToken == nil {
			t.Errorf("nextToken present but null: %s", r.body)
		}
		for _, c := range p.Customers {
			ids = append(ids, c.CustomerID)
		}
		if p.NextToken != nil {
			next = *p.NextToken
		}
		return ids, next
	}
	for _, status := range []string{"", "ACTIVE", "SUSPENDED"} {
		for _, limit := range []int{1, 4, 100} {
			t.Run(fmt.Sprintf("status=%s&limit=%d", status, limit), func(t *testing.T) {
				e.t = t
				var all []string
				q := fmt.Sprintf("limit=%d", limit)
				if status != "" {
					q += "&status=" + status
				}
				for token := ""; ; {
					query := q
					if token != "" {
						query += "&nextToken=" + token
					}
					ids, next := page(query)
					if len(ids) > limit {
						t.Fatalf("%d customers on a page of %d", len(ids), limit)
					}
					all = append(all, ids...)
					if next == "" {
						break
					}
					token = next
				}
				slices.Sort(all)
				if !slices.Equal(all, want[status]) {
					t.Errorf("visited %v\nwant    %v", all, want[status])
				}
			})
		}
	}
	e.t = t
	if ids, _ := page(""); len(ids) != 23 {
		t.Errorf("default limit page has %d customers", len(ids))
	}

	_, activeToken := page("status=ACTIVE&limit=1")
	_, allToken := page("limit=1")
	tampered := []byte(allToken)
	tampered[2] ^= 1
	for _, c := range []struct{ query, field string }{
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"limit=abc", "limit"},
		{"limit=1.5", "limit"},
		{"limit=+5", "limit"},
		{"limit=", "limit"},
		{"limit=1&limit=2", "limit"},
		{"status=active", "status"},
		{"status=", "status"},
		{"sort=name", "sort"},
		{"nextToken=garbage", "nextToken"},
		{"nextToken=", "nextToken"},
		{"nextToken=" + string(tampered), "nextToken"},
		{"nextToken=" + activeToken, "nextToken"},                         // token of another listing
		{"status=SUSPENDED&nextToken=" + activeToken, "nextToken"},        // ditto
		{"nextToken=" + allToken + "&nextToken=" + allToken, "nextToken"}, // repeated
	} {
		t.Run(c.query, func(t *testing.T) {
			e.t = t
			m := expectError(t, e.do(request{method: http.MethodGet, path: base, query: c.query}), 400, "VALIDATION_ERROR")
			if got := fieldsOf(t, m); !slices.Equal(got, []string{c.field}) {
				t.Errorf("fields %v, want [%s]", got, c.field)
			}
		})
	}
}

func TestExistsLists(t *testing.T) {
	e := newEnv(t)
	e.register(cid(1), "ACTIVE")
	e.register(cid(2), "INACTIVE")
	var hundred []string
	for n := range 100 {
		hundred = append(hundred, cid(n%2+1))
	}
	var hundredOne []string
	for n := range 101 {
		hundredOne = append(hundredOne, cid(n))
	}
	for _, c := range []struct {
		name, list string
		status     int
		missing    string
	}{
		{"one", cid(1), 200, ""},
		{"two with a repeat", cid(1) + "," + cid(2) + "," + cid(1), 200, ""},
		{"100 ids", strings.Join(hundred, ","), 200, ""},
		{"missing ones", cid(3) + "," + cid(1) + "," + cid(4), 404, cid(3) + "," + cid(4)},
		{"101 ids", strings.Join(hundredOne, ","), 400, ""},
		{"empty entries", ",", 400, ""},
		{"trailing comma", cid(1) + ",", 400, ""},
		{"malformed id", cid(1) + ",FST-1-x", 400, ""},
		{"encoded slash", cid(1) + "%2F..", 400, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			r := e.do(request{method: http.MethodHead, path: base + "/" + c.list})
			if r.status != c.status || len(r.body) != 0 {
				t.Errorf("got %d %q, want %d and no body", r.status, r.body, c.status)
			}
			if got := r.header.Get("X-XCloud-Missing-Ids"); got != c.missing {
				t.Errorf("missing ids %q, want %q", got, c.missing)
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
}

func TestConcurrentWrites(t *testing.T) {
	e := newEnv(t)
	count := func(rs []response) map[int]int {
		n := map[int]int{}
		for _, r := range rs {
			n[r.status]++
		}
		return n
	}
	parallel := func(n int, f func(i int) request) []response {
		out := make([]response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { out[i] = e.do(f(i)) })
		}
		wg.Wait()
		return out
	}

	t.Run("100 POSTs of one id", func(t *testing.T) {
		rs := parallel(100, func(i int) request {
			return request{method: http.MethodPost, path: base, body: minimal(cid(1), []string{"ACTIVE", "SUSPENDED"}[i%2])}
		})
		n := count(rs)
		if n[201] != 1 || n[409] != 99 {
			t.Errorf("statuses %v, want one 201 and 99 409", n)
		}
		t.Logf("100 concurrent POSTs of one id: %v", n)
	})
	t.Run("If-Match PUTs", func(t *testing.T) {
		etag := e.do(request{method: http.MethodGet, path: base + "/" + cid(1)}).header.Get("ETag")
		rs := parallel(50, func(i int) request {
			return request{method: http.MethodPut, path: base + "/" + cid(1), body: fmt.Sprintf(`{"description":"writer %d"}`, i),
				header: map[string]string{"If-Match": etag}}
		})
		n := count(rs)
		if n[200] != 1 || n[412] != 49 {
			t.Errorf("statuses %v, want one 200 and 49 412", n)
		}
		t.Logf("50 concurrent PUTs with one If-Match: %v", n)
	})
	t.Run("PUTs of different fields", func(t *testing.T) {
		bodies := []string{`{"customerName":"Renamed"}`, `{"contactInfo":{"phone":"+44 20 7946 0958"}}`,
			`{"contactInfo":{"address":{"country":"UK"}}}`, `{"businessInfo":{"sector":"Utilities"}}`,
			`{"settings":{"alertFrequency":"weekly"}}`, `{"settings":{"dataRetentionDays":90}}`,
			`{"location":{"longitude":0.1276}}`, `{"status":"INACTIVE"}`}
		rs := parallel(len(bodies), func(i int) request {
			return request{method: http.MethodPut, path: base + "/" + cid(1), body: bodies[i]}
		})
		n := count(rs)
		if n[200] != len(bodies) {
			t.Fatalf("statuses %v", n)
		}
		t.Logf("%d concurrent PUTs of different fields: %v, none lost", len(bodies), n)
		got := string(e.do(request{method: http.MethodGet, path: base + "/" + cid(1)}).body)
		for _, want := range []string{`"customerName":"Renamed"`, `"phone":"+44 20 7946 0958"`, `"country":"UK"`, `"sector":"Utilities"`,
			`"alertFrequency":"weekly"`, `"dataRetentionDays":90`, `"longitude":0.1276`, `"status":"INACTIVE"`} {
			if !strings.Contains(got, want) {
				t.Errorf("lost %s: %s", want, got)
			}
		}
	})
}

// Paging while customers are registered and updated concurrently: no
// customer appears twice, and every customer that existed before paging
// began is seen.
func TestPagingWhileWritingReturnsNoDuplicates(t *testing.T) {
	e := newEnv(t)
	var before []string
	for n := range 30 {
		e.register(cid(n), []string{"ACTIVE", "INACTIVE"}[n%2])
		before = append(before, cid(n))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := 100; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			e.do(request{method: http.MethodPost, path: base, body: minimal(cid(n), "ACTIVE")})
			e.do(request{method: http.MethodPut, path: base + "/" + cid(n%30), body: `{"status":"ACTIVE"}`})
		}
	})
	for _, status := range []string{"", "ACTIVE"} {
		seen := map[string]int{}
		for token := ""; ; {
			q := "limit=7"
			if status != "" {
				q += "&status=" + status
			}
			if token != "" {
				q += "&nextToken=" + token
			}
			r := e.do(request{method: http.MethodGet, path: base, query: q})
			if r.status != http.StatusOK {
				t.Fatalf("list: %d %s", r.status, r.body)
			}
			var p struct {
				Customers []struct{ CustomerID string }
				NextToken string
			}
			json.Unmarshal(r.body, &p)
			for _, c := range p.Customers {
				seen[c.CustomerID]++
			}
			if p.NextToken == "" {
				break
			}
			token = p.NextToken
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("status=%q: %s listed %d times", status, id, n)
			}
		}
		if status == "" {
			for _, id := range before {
				if seen[id] != 1 {
					t.Errorf("%s, there before paging began, listed %d times", id, seen[id])
				}
			}
		}
	}
	close(stop)
	wg.Wait()
}
