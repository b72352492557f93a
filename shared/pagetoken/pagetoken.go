// Package pagetoken seals listing cursors into opaque, tamper-evident
// nextToken strings: a client can hand one back, not forge or alter one.
package pagetoken

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is returned for a token that is garbled, forged or altered.
var ErrInvalid = errors.New("invalid page token")

// maxLen bounds the tokens Open looks at; real ones are a few hundred bytes.
const maxLen = 2048

// macSize is the length of the truncated HMAC-SHA256 tag, in bytes.
const macSize = 16

// KeySource yields the key that signs tokens.
type KeySource interface {
	Get(ctx context.Context) ([]byte, error)
}

// Codec seals and opens tokens.
type Codec struct{ key KeySource }

// New returns a Codec signing with the key from key.
func New(key KeySource) *Codec { return &Codec{key: key} }

// Seal makes a token carrying payload.
func (c *Codec) Seal(ctx context.Context, payload []byte) (string, error) {
	key, err := c.key.Get(ctx)
	if err != nil {
		return "", fmt.Errorf("seal page token: %w", err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(tag(key, payload)), nil
}

// Open returns the payload of a token that Seal made with the same key.
func (c *Codec) Open(ctx context.Context, token string) ([]byte, error) {
	key, err := c.key.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("open page token: %w", err)
	}
	body, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > maxLen {
		return nil, ErrInvalid
	}
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, tag(key, payload)) {
		return nil, ErrInvalid
	}
	return payload, nil
}

func tag(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("xcloud-page-token\n"))
	m.Write(payload)
	return m.Sum(nil)[:macSize]
}

// MinKeySize is the shortest key accepted: HMAC-SHA256's own strength needs
// 32 bytes, and a short key could be guessed from tokens offline.
const MinKeySize = 32

// CheckKey returns key, or an error when it is shorter than MinKeySize.
func CheckKey(key []byte) ([]byte, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("page token key is %d bytes; it must be at least %d", len(key), MinKeySize)
	}
	return key, nil
}

// StaticKey is a fixed key.
type StaticKey []byte

// Get returns the key.
func (k StaticKey) Get(context.Context) ([]byte, error) { return k, nil }
