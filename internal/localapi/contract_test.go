package localapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/localapi"
)

// The template and the handlers must route the same requests: API Gateway
// routes by the template, each handler by its own pattern.
func TestTemplateRoutesMatchHandlerPatterns(t *testing.T) {
	routes, err := localapi.ReadRoutes("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]string{}
	for _, f := range functions.API() {
		handlers[f.ID] = f.Route
	}
	fromTemplate := map[string]string{}
	for _, r := range routes {
		if _, dup := fromTemplate[r.Function]; dup {
			t.Errorf("%s has more than one route", r.Function)
		}
		fromTemplate[r.Function] = r.Pattern()
	}
	for fn, pattern := range handlers {
		if fromTemplate[fn] != pattern {
			t.Errorf("%s: template routes %q, handler serves %q", fn, fromTemplate[fn], pattern)
		}
	}
	for fn := range fromTemplate {
		if _, ok := handlers[fn]; !ok {
			t.Errorf("template routes %s, which no handler serves", fn)
		}
	}
}

func TestUnknownRoutesAreAPIGatewaysNotFound(t *testing.T) {
	e := newEnv(t)
	for _, r := range []request{
		{method: http.MethodGet, path: "/"},
		{method: http.MethodGet, path: "/xcloud/v1/customer"},
		{method: http.MethodDelete, path: base + "/" + cid(1)},
		{method: http.MethodPost, path: base + "/" + cid(1), body: "{}"},
		{method: http.MethodPatch, path: base, body: "{}"},
		{method: http.MethodGet, path: base + "/" + cid(1) + "/extra"},
		{method: http.MethodHead, path: base}, // no HEAD route here, though ServeMux would serve GET's
		{method: http.MethodHead, path: base + "/"},
	} {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			got := e.do(r)
			wantBody := `{"message":"Not Found"}`
			if r.method == http.MethodHead {
				wantBody = ""
			}
			if got.status != http.StatusNotFound || string(got.body) != wantBody || got.header.Get("X-Request-Id") == "" {
				t.Errorf("got %d %v %s", got.status, got.header, got.body)
			}
		})
	}
}

var apiKeyPattern = regexp.MustCompile(`^xck_[A-Za-z0-9_-]{43}$`)

func TestRegisterReadUpdateListExists(t *testing.T) {
	e := newEnv(t)
	const id = "FST-1536316721808-NewCustomer"
	start := time.Now().UTC().Truncate(time.Second)

	// POST
	r := e.do(request{method: http.MethodPost, path: base, body: fixture(t, "register.json")})
	if r.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	if got := r.header.Get("Location"); got != base+"/"+id {
		t.Errorf("Location %q", got)
	}
	if r.header.Get("ETag") != `"1"` || r.header.Get("X-Request-Id") == "" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.header)
	}
	var created struct {
		CustomerID, CustomerName, Status, CreatedAt string
		APIKeys                                     struct{ Primary, Secondary string }
		Limits                                      map[string]int64
	}
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	if created.CustomerID != id || created.CustomerName != "Dewatering Solutions Inc" || created.Status != "ACTIVE" {
		t.Errorf("created %+v", created)
	}
	if !apiKeyPattern.MatchString(created.APIKeys.Primary) || !apiKeyPattern.MatchString(created.APIKeys.Secondary) ||
		created.APIKeys.Primary == created.APIKeys.Secondary {
		t.Errorf("api keys %+v", created.APIKeys)
	}
	if want := map[string]int64{"maxDevices": 100, "maxUsers": 50, "maxDataPoints": 1000000}; !mapsEqual(created.Limits, want) {
		t.Errorf("limits %v", created.Limits)
	}
	createdAt, err := time.Parse(time.RFC3339, created.CreatedAt)
	if err != nil || !strings.HasSuffix(created.CreatedAt, "Z") || createdAt.Before(start) || createdAt.After(time.Now().Add(time.Second)) {
		t.Errorf("createdAt %q", created.CreatedAt)
	}
	wantOrder := `{"customerId":`
	if !strings.HasPrefix(string(r.body), wantOrder) {
		t.Errorf("body does not start with customerId: %s", r.body)
	}
	// Only hashes of the keys are stored.
	snapshot := fmt.Sprint(e.db.Snapshot(t))
	if strings.Contains(snapshot, created.APIKeys.Primary) || strings.Contains(snapshot, created.APIKeys.Secondary) {
		t.Error("an API key is stored in clear")
	}

	// GET one: the whole customer, as posted, plus limits and times.
	r = e.do(request{method: http.MethodGet, path: base + "/" + id})
	if r.status != http.StatusOK || r.header.Get("ETag") != `"1"` {
		t.Fatalf("GET: %d %v %s", r.status, r.header, r.body)
	}
	got := r.json(t)
	want := map[string]any{}
	json.Unmarshal([]byte(fixture(t, "register.json")), &want)
	want["limits"] = map[string]any{"maxDevices": 100.0, "maxUsers": 50.0, "maxDataPoints": 1000000.0}
	want["createdAt"], want["updatedAt"] = created.CreatedAt, created.CreatedAt
	if g, w := canonical(got), canonical(want); g != w {
		t.Errorf("GET body\n got %s\nwant %s", g, w)
	}
	if strings.Contains(string(r.body), "apiKey") {
		t.Errorf("GET shows API keys: %s", r.body)
	}

	// PUT: the example update, testdata/update.json.
	r = e.do(request{method: http.MethodPut, path: base + "/" + id, body: fixture(t, "update.json")})
	if r.status != http.StatusOK || r.header.Get("ETag") != `"2"` {
		t.Fatalf("PUT: %d %v %s", r.status, r.header, r.body)
	}
	var updated struct {
		CustomerID, CustomerName, Status, UpdatedAt string
		Changes                                     []string
	}
	if err := json.Unmarshal(r.body, &updated); err != nil {
		t.Fatal(err)
	}
	wantChanges := []string{"customerName", "description", "contactInfo.email", "contactInfo.phone",
		"contactInfo.address.street", "settings.dataRetentionDays", "settings.alertFrequency"}
	if !slices.Equal(updated.Changes, wantChanges) {
		t.Errorf("changes %q\nwant    %q", updated.Changes, wantChanges)
	}
	if updated.CustomerID != id || updated.CustomerName != "Updated Dewatering Solutions Inc" || updated.Status != "ACTIVE" {
		t.Errorf("updated %+v", updated)
	}
	if _, err := time.Parse(time.RFC3339, updated.UpdatedAt); err != nil {
		t.Errorf("updatedAt %q", updated.UpdatedAt)
	}
	// The same PUT again changes nothing.
	r = e.do(request{method: http.MethodPut, path: base + "/" + id, body: fixture(t, "update.json")})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"changes":[]`) {
		t.Errorf("repeated PUT: %d %s", r.status, r.body)
	}

	// GET list and HEAD.
	r = e.do(request{method: http.MethodGet, path: base})
	if r.status != http.StatusOK {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var page struct {
		Customers []map[string]any
		NextToken *string
	}
	json.Unmarshal(r.body, &page)
	if len(page.Customers) != 1 || page.Customers[0]["customerName"] != "Updated Dewatering Solutions Inc" || page.NextToken != nil {
		t.Errorf("list %s", r.body)
	}
	r = e.do(request{method: http.MethodHead, path: base + "/" + id})
	if r.status != http.StatusOK || len(r.body) != 0 {
		t.Errorf("HEAD: %d %q", r.status, r.body)
	}
	r = e.do(request{method: http.MethodHead, path: base + "/" + id + "," + cid(1) + "," + cid(2)})
	if r.status != http.StatusNotFound || r.header.Get("X-XCloud-Missing-Ids") != cid(1)+","+cid(2) || len(r.body) != 0 {
		t.Errorf("HEAD with missing: %d %v %q", r.status, r.header, r.body)
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// canonical re-encodes a decoded JSON value with sorted keys.
func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
