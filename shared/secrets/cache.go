// Package secrets keeps a parsed secret in memory, refreshing it on a timer
// and keeping the last good value, for a while, when a refresh fails.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/xcloud/customers/shared/apierror"
)

// DefaultTTL is how long a fetched secret is used before it is fetched again.
const DefaultTTL = 5 * time.Minute

// RetryAfterFailure is how long after a failed fetch the next one waits, so
// that an outage costs each instance a call every few seconds, not one a
// request: in between the last good value serves, or the failure answers.
const RetryAfterFailure = 5 * time.Second

// MaxStale is how long after its time the last good value still serves
// while fetches fail; after that the cache answers unavailable (503), so
// that no instance goes on with credentials revoked an hour ago.
const MaxStale = time.Hour

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

	mu        sync.Mutex
	value     T
	loaded    bool
	expires   time.Time // when value must be fetched again
	nextFetch time.Time // no fetch before, after a failure
	lastErr   error     // that failure
}

// NewCache returns a cache of the secret called name (for logs), read with
// fetch and parsed with parse, kept for ttl by the clock now.
func NewCache[T any](name string, fetch Fetch, parse func([]byte) (T, error), ttl time.Duration, now func() time.Time, log *slog.Logger) *Cache[T] {
	return &Cache[T]{name: name, fetch: fetch, parse: parse, ttl: ttl, now: now, log: log}
}

// Get returns the secret's value, fetching it when it is missing or old.
// When a fetch fails, the last good value serves until MaxStale past its
// time, and the next fetch waits RetryAfterFailure; with no value to serve,
// the failure is the answer: an error wrapping apierror.ErrUnavailable if the
// fetch failed, the parse error if the secret does not parse.
func (c *Cache[T]) Get(ctx context.Context) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	usable := c.loaded && now.Before(c.expires.Add(MaxStale))
	switch {
	case c.loaded && now.Before(c.expires):
		return c.value, nil
	case now.Before(c.nextFetch) && usable:
		return c.value, nil
	case now.Before(c.nextFetch):
		var zero T
		return zero, c.lastErr
	}
	v, err := c.load(ctx)
	if err == nil {
		c.value, c.loaded, c.expires, c.nextFetch, c.lastErr = v, true, now.Add(c.ttl), time.Time{}, nil
		return v, nil
	}
	c.nextFetch, c.lastErr = now.Add(RetryAfterFailure), err
	if usable {
		c.log.WarnContext(ctx, "secret refresh failed; keeping the last good value",
			"secret", c.name, "error", err.Error(), "staleSince", c.expires.UTC().Format(time.RFC3339))
		return c.value, nil
	}
	if c.loaded {
		c.log.ErrorContext(ctx, "secret refresh failed, and the last good value is too old to use",
			"secret", c.name, "error", err.Error(), "staleSince", c.expires.UTC().Format(time.RFC3339))
		err = fmt.Errorf("%w (the last good value expired at %s)", err, c.expires.UTC().Format(time.RFC3339))
		if !errors.Is(err, apierror.ErrUnavailable) {
			err = fmt.Errorf("%w: %w", err, apierror.ErrUnavailable)
		}
		c.lastErr = err
	}
	var zero T
	return zero, err
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
