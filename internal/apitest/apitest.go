// Package apitest serves the whole local API for tests: a fresh table on the
// test DynamoDB (internal/dynamotest), the routes of template.yaml, a given
// credentials document, and the functions' log captured.
package apitest

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xcloud/customers/internal/dynamotest"
	"github.com/xcloud/customers/internal/localapi"
	"github.com/xcloud/customers/shared/settings"
)

// API is the local API under test.
type API struct {
	URL  string
	DB   *dynamotest.DB // its table, to inspect directly
	Logs *SyncBuffer    // every log line of the functions
	*localapi.API
}

// Start serves the API until the test ends. root is the repository (for
// template.yaml); edits change the settings before the API is built.
func Start(t testing.TB, root, credentials string, edits ...func(*settings.Settings)) *API {
	t.Helper()
	return Serve(t, root, credentials, nil, edits...)
}

// Serve is Start with options for the functions' dependencies.
func Serve(t testing.TB, root, credentials string, options localapi.Options, edits ...func(*settings.Settings)) *API {
	t.Helper()
	db := dynamotest.New(t)
	s := db.Settings()
	s.Credentials = credentials
	for _, edit := range edits {
		edit(&s)
	}
	logs := &SyncBuffer{}
	api, err := localapi.New(context.Background(), filepath.Join(root, "template.yaml"), s, slog.New(slog.NewJSONHandler(logs, nil)), options)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	srv := httptest.NewServer(api.Handler)
	t.Cleanup(srv.Close)
	return &API{URL: srv.URL, DB: db, Logs: logs, API: api}
}

// SyncBuffer is a bytes.Buffer that many goroutines may write.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
