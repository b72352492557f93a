// Package secrets keeps a parsed secret in memory, refreshing it on a timer
// and keeping the last good value when a refresh fails.
package secrets

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/xcloud/customers/shared/apierror"
)

// DefaultTTL is how long a fetched secret is used before it is fetched again.
const DefaultTTL = 5 * time.Minute

// retryAfterFailure is how long the last good value serves after a failed
// refresh before the next try, so an outage does not add a call per request.
const retryAfterFailure = 30 * time.Second

// Fetch reads a secret's current raw value.
type Fetch func(ctx context.Context) ([]byte, error)

// Cache holds the parsed value of one secret.
type Cache[T any] struct {
	name  string
	fetch Fetch
	parse func([]byte) (T, error)
	ttl   time.Duration
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	value   T
	loaded  bool
	expires time.Time
}

// NewCache returns a cache of the secret called name (for logs), read with
// fetch and parsed with parse, kept for ttl.
func NewCache[T any](name string, fetch Fetch, parse func([]byte) (T, error), ttl time.Duration, log *slog.Logger) *Cache[T] {
	return &Cache[T]{name: name, fetch: fetch, parse: parse, ttl: ttl, now: time.Now, log: log}
}

// Get returns the secret's value, fetching it when it is missing or old. When
// a refresh fails the last good value is returned; with none, the error wraps
// apierror.ErrUnavailable if the fetch failed.
func (c *Cache[T]) Get(ctx context.Context) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.loaded && now.Before(c.expires) {
		return c.value, nil
	}
	v, err := c.load(ctx)
	if err != nil {
		if c.loaded {
			c.log.WarnContext(ctx, "secret refresh failed; keeping the last good value",
				"secret", c.name, "error", err.Error())
			c.expires = now.Add(retryAfterFailure)
			return c.value, nil
		}
		var zero T
		return zero, err
	}
	c.value, c.loaded, c.expires = v, true, now.Add(c.ttl)
	return v, nil
}

func (c *Cache[T]) load(ctx context.Context) (T, error) {
	var zero T
	raw, err := c.fetch(ctx)
	if err != nil {
		return zero, fmt.Errorf("fetch secret %s: %w: %w", c.name, err, apierror.ErrUnavailable)
	}
	v, err := c.parse(raw)
	if err != nil {
		return zero, fmt.Errorf("parse secret %s: %w", c.name, err)
	}
	return v, nil
}
