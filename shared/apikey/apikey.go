// Package apikey makes customers' API keys: 256 random bits, shown once to
// the caller, and stored only as a hash.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// Prefix marks an XCloud API key, so that a leaked one is recognisable.
const Prefix = "xck_"

// New returns a fresh key: 256 random bits, URL-safe.
func New() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails on supported platforms (crypto/rand docs)
	return Prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Hash is what is stored of a key: its SHA-256, in hex.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
