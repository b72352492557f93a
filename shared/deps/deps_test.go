package deps_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/deps"
	"github.com/xcloud/customers/shared/settings"
)

// A page token key too short to sign with stops the cold start, naming
// the variable and never the key.
func TestBuildRefusesShortPageTokenKey(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	for _, c := range []struct {
		key     string
		wantErr bool
	}{
		{"short-page-token-key", true},
		{strings.Repeat("k", 31), true},
		{strings.Repeat("k", 32), false},
		{"", false}, // a random key per process
	} {
		s := settings.Settings{
			Table:        "customers",
			Credentials:  `{"svc": {"secrets": ["s"], "scopes": ["customers:read"]}}`,
			PageTokenKey: c.key,
		}
		_, err := deps.Build(context.Background(), s, slog.New(slog.NewTextHandler(io.Discard, nil)), deps.Options{})
		switch {
		case c.wantErr && err == nil:
			t.Errorf("a %d-byte key: built; want an error", len(c.key))
		case c.wantErr && (!strings.Contains(err.Error(), settings.EnvPageTokenKey) || strings.Contains(err.Error(), c.key)):
			t.Errorf("a %d-byte key: %v; want the variable named and the key not shown", len(c.key), err)
		case !c.wantErr && err != nil:
			t.Errorf("a %d-byte key: %v", len(c.key), err)
		}
	}
}
