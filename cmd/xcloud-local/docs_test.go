package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcloud/customers/internal/apitest"
	"github.com/xcloud/customers/shared/hmacauth"
)

// docsFiles writes a page and a description to a fresh directory.
func docsFiles(t *testing.T) (page, spec string) {
	t.Helper()
	dir := t.TempDir()
	page, spec = filepath.Join(dir, "index.html"), filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(page, []byte("<!DOCTYPE html><title>XCloud customers API</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, []byte("openapi: 3.1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return page, spec
}

// apiStub stands for the API: it answers 299 and records the paths it got.
type apiStub struct{ got []string }

func (a *apiStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.got = append(a.got, r.Method+" "+r.URL.Path)
	w.WriteHeader(299)
}

func get(t *testing.T, h http.Handler, method, target string) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDocsServesThePageAndTheDescription(t *testing.T) {
	page, spec := docsFiles(t)
	api := &apiStub{}
	h := withDocs(api, page, spec)
	for _, c := range []struct{ path, contentType, body string }{
		{"/docs", "text/html; charset=utf-8", "<!DOCTYPE html><title>XCloud customers API</title>"},
		{"/openapi.yaml", "application/yaml", "openapi: 3.1.0\n"},
	} {
		resp := get(t, h, http.MethodGet, c.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", c.path, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); got != c.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, got, c.contentType)
		}
		if got := body(t, resp); got != c.body {
			t.Errorf("GET %s: body %q, want %q", c.path, got, c.body)
		}
		head := get(t, h, http.MethodHead, c.path)
		if head.StatusCode != http.StatusOK || head.Header.Get("Content-Type") != c.contentType || body(t, head) != "" {
			t.Errorf("HEAD %s: status %d, Content-Type %q, want 200, %q and no body", c.path, head.StatusCode, head.Header.Get("Content-Type"), c.contentType)
		}
	}
	if resp := get(t, h, http.MethodGet, "/docs/"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/docs" {
		t.Errorf("GET /docs/: status %d, Location %q, want a 301 to /docs", resp.StatusCode, resp.Header.Get("Location"))
	}
	if len(api.got) != 0 {
		t.Errorf("the API got %q, want nothing", api.got)
	}
}

// The files are read on each request: a make docs while the server runs shows.
func TestDocsRereadsThePage(t *testing.T) {
	page, spec := docsFiles(t)
	h := withDocs(&apiStub{}, page, spec)
	if err := os.WriteFile(page, []byte("rebuilt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := body(t, get(t, h, http.MethodGet, "/docs")); got != "rebuilt" {
		t.Errorf("GET /docs after a rebuild: %q, want %q", got, "rebuilt")
	}
}

func TestDocsMissingPageSaysToRunMakeDocs(t *testing.T) {
	_, spec := docsFiles(t)
	missing := filepath.Join(t.TempDir(), "docs", "index.html")
	api := &apiStub{}
	h := withDocs(api, missing, spec)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp := get(t, h, method, "/docs")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s /docs without the page: status %d, want 404", method, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
			t.Errorf("%s /docs without the page: Content-Type %q, want text/plain", method, got)
		}
		if b := body(t, resp); method == http.MethodGet && (!strings.Contains(b, "make docs") || !strings.Contains(b, missing)) {
			t.Errorf("GET /docs without the page: body %q, want the file and `make docs` named", b)
		}
	}
	// The description is still there, and nothing reached the API.
	if resp := get(t, h, http.MethodGet, "/openapi.yaml"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /openapi.yaml: status %d, want 200", resp.StatusCode)
	}
	if len(api.got) != 0 {
		t.Errorf("the API got %q, want nothing", api.got)
	}
}

// Everything else, other methods on /docs included, is the API's, as is every
// path when the flags are empty.
func TestDocsPassesEverythingElseToTheAPI(t *testing.T) {
	page, spec := docsFiles(t)
	requests := []string{
		"GET /xcloud/v1/customers",
		"GET /xcloud/v1/customers/FST-1536316721808-NewCustomer",
		"HEAD /xcloud/v1/customers/a,b",
		"POST /xcloud/v1/customers",
		"POST /docs",
		"PUT /openapi.yaml",
		"GET /docs/index.html",
		"GET /openapi.json",
		"GET /",
		"GET /DOCS",
	}
	for _, h := range []struct {
		name  string
		serve func(http.Handler) http.Handler
	}{
		{"with the files", func(api http.Handler) http.Handler { return withDocs(api, page, spec) }},
		{"with -docs '' -openapi ''", func(api http.Handler) http.Handler { return withDocs(api, "", "") }},
	} {
		api := &apiStub{}
		handler := h.serve(api)
		for _, r := range requests {
			method, path, _ := strings.Cut(r, " ")
			if resp := get(t, handler, method, path); resp.StatusCode != 299 {
				t.Errorf("%s: %s: status %d, want the API's 299", h.name, r, resp.StatusCode)
			}
		}
		if h.name != "with the files" {
			for _, r := range []string{"GET /docs", "GET /openapi.yaml"} {
				method, path, _ := strings.Cut(r, " ")
				if resp := get(t, handler, method, path); resp.StatusCode != 299 {
					t.Errorf("%s: %s: status %d, want the API's 299", h.name, r, resp.StatusCode)
				}
			}
		}
	}
}

// With the real local API: its routes answer as before, signed or not, and
// an unknown path is still API Gateway's 404.
func TestDocsInFrontOfTheLocalAPI(t *testing.T) {
	const service, secret = "docs-test", "docs-test-secret"
	api := apitest.Start(t, "../..", `{"`+service+`":{"secrets":["`+secret+`"],"scopes":["customers:read"]}}`)
	page, spec := docsFiles(t)
	srv := httptest.NewServer(withDocs(api.Handler, page, spec))
	defer srv.Close()

	call := func(method, path string, sign bool) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sign {
			if err := (hmacauth.Signer{ServiceID: service, Secret: secret}).Sign(req, nil); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, body(t, resp)
	}
	errorCode := func(b string) string {
		var e struct {
			Error, Message string
		}
		json.Unmarshal([]byte(b), &e)
		if e.Error != "" {
			return e.Error
		}
		return e.Message
	}
	for _, c := range []struct {
		method, path string
		sign         bool
		status       int
		code         string // the error code, or API Gateway's message
	}{
		{"GET", "/xcloud/v1/customers", false, 401, "MISSING_AUTHENTICATION"},
		{"GET", "/xcloud/v1/customers/FST-1536316721808-NewCustomer", true, 404, "CUSTOMER_NOT_FOUND"},
		{"GET", "/xcloud/v1/customers", true, 200, ""},
		{"POST", "/docs", false, 404, "Not Found"},
		{"GET", "/docs/more", false, 404, "Not Found"},
		{"GET", "/openapi.json", false, 404, "Not Found"},
	} {
		status, b := call(c.method, c.path, c.sign)
		if status != c.status || errorCode(b) != c.code {
			t.Errorf("%s %s: %d %s, want %d %q", c.method, c.path, status, b, c.status, c.code)
		}
	}
	if status, b := call("GET", "/docs", false); status != 200 || !strings.Contains(b, "XCloud customers API") {
		t.Errorf("GET /docs: %d %q, want the page", status, b)
	}
}
