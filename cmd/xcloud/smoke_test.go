package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The smoke test passes against a healthy API, read-only and writing, run
// after run; it fails, naming each check, against a broken one or with a
// credential that cannot do what it is asked.
func TestSmoke(t *testing.T) {
	url := startAPI(t)
	writer := map[string]string{envEndpoint: url, envServiceID: "svc-writer", envSecret: "writer-secret"}
	reader := map[string]string{envEndpoint: url, envServiceID: "svc-reader", envSecret: "reader-secret"}

	// Read-only before the smoke customer exists: 404 is an answer.
	if r := xcloud([]string{"smoke"}, "", reader); r.code != 0 || !strings.Contains(r.stdout, "smoke: all 5 checks passed") {
		t.Errorf("read-only, nothing registered: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for run := 1; run <= 2; run++ { // the second run finds the customer registered
		r := xcloud([]string{"smoke", "--write"}, "", writer)
		if r.code != 0 || !strings.Contains(r.stdout, "smoke: all 10 checks passed") || strings.Contains(r.stdout, "FAIL") {
			t.Errorf("--write, run %d: exit %d\n%s%s", run, r.code, r.stdout, r.stderr)
		}
	}
	if r := xcloud([]string{"smoke"}, "", reader); r.code != 0 {
		t.Errorf("read-only: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	got := xcloud([]string{"customers", "get", SmokeCustomer}, "", reader)
	if !strings.Contains(got.stdout, `"description":"smoke test of `) {
		t.Errorf("the smoke customer after --write: %s", got.stdout)
	}

	// A read-only credential cannot write: each write check fails, by name.
	r := xcloud([]string{"smoke", "--write"}, "", reader)
	if r.code != exitOther || !strings.Contains(r.stdout, "FAIL  register the smoke customer") || !strings.Contains(r.stdout, "403 FORBIDDEN") ||
		!strings.Contains(r.stderr, "checks failed against "+url) {
		t.Errorf("--write with a reader: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// An API that fails everything.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":"INTERNAL_ERROR","message":"broken","requestId":"r1"}`))
	}))
	defer broken.Close()
	r = xcloud([]string{"smoke", "--endpoint", broken.URL}, "", reader)
	if r.code != exitOther || strings.Count(r.stdout, "FAIL") != 5 || !strings.Contains(r.stdout, `500 INTERNAL_ERROR "broken" (request id r1)`) {
		t.Errorf("broken API: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
