package pagetoken_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/pagetoken"
)

var (
	key      = pagetoken.StaticKey("0123456789abcdef0123456789abcdef")
	otherKey = pagetoken.StaticKey("fedcba9876543210fedcba9876543210")
	b64      = base64.RawURLEncoding
)

func seal(t *testing.T, c *pagetoken.Codec, payload []byte) string {
	t.Helper()
	tok, err := c.Seal(context.Background(), payload)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return tok
}

func TestRoundTrip(t *testing.T) {
	c := pagetoken.New(key)
	for _, payload := range [][]byte{
		[]byte(`{"pk":"FST-12345678-acme","status":"ACTIVE"}`),
		[]byte("x"),
		{},
		{0, 0xff, '.', '=', '+', '/', '\n'},
		bytes.Repeat([]byte("k"), 1518), // the longest token Open takes: 2024+1+22 = 2047 characters
	} {
		tok := seal(t, c, payload)
		if strings.ContainsAny(tok, "+/=") {
			t.Errorf("token %q is not unpadded base64url", tok)
		}
		if strings.Count(tok, ".") != 1 {
			t.Errorf("token %q does not have exactly one dot", tok)
		}
		got, err := c.Open(context.Background(), tok)
		if err != nil {
			t.Fatalf("Open(Seal(%d bytes)) (token of %d characters): %v", len(payload), len(tok), err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("Open(Seal(%q)) = %q", payload, got)
		}
	}
	// Another Codec with the same key opens it: tokens survive a restart.
	tok := seal(t, c, []byte("cursor"))
	if got, err := pagetoken.New(key).Open(context.Background(), tok); err != nil || string(got) != "cursor" {
		t.Fatalf("Open with a new Codec = %q, %v", got, err)
	}
}

// TestKnownToken computes a token by hand: base64url(payload) "." base64url(the
// first 16 bytes of HMAC-SHA256(key, "xcloud-page-token\n" + payload)). A
// change of format would strand the tokens clients hold across a deploy.
func TestKnownToken(t *testing.T) {
	payload := []byte(`{"pk":"FST-12345678-acme"}`)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("xcloud-page-token\n" + string(payload)))
	want := b64.EncodeToString(payload) + "." + b64.EncodeToString(m.Sum(nil)[:16])

	c := pagetoken.New(key)
	if got := seal(t, c, payload); got != want {
		t.Fatalf("Seal = %q, want %q", got, want)
	}
	if got, err := c.Open(context.Background(), want); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("Open(hand-made token) = %q, %v", got, err)
	}
}

func TestOpenInvalid(t *testing.T) {
	c := pagetoken.New(key)
	payload := []byte(`{"pk":"FST-12345678-acme","status":"ACTIVE"}`)
	tok := seal(t, c, payload)
	body, tag, _ := strings.Cut(tok, ".")
	rawTag, err := b64.DecodeString(tag)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(rawTag)
	flipped[0] ^= 0x01
	altered := bytes.Replace(payload, []byte("ACTIVE"), []byte("ACTIVF"), 1)
	fromOtherKey := seal(t, pagetoken.New(otherKey), payload)
	tooLong := seal(t, c, bytes.Repeat([]byte("k"), 1519)) // 2026+1+22 = 2049 characters

	tests := []struct{ name, token string }{
		{"empty string", ""},
		{"no dot", body + tag},
		{"only a dot", "."},
		{"payload only", body + "."},
		{"tag only", "." + tag},
		{"altered payload, original tag", b64.EncodeToString(altered) + "." + tag},
		{"payload of another token", b64.EncodeToString([]byte("x")) + "." + tag},
		{"altered tag", body + "." + b64.EncodeToString(flipped)},
		{"tag with non-zero padding bits (decodes to the same bytes)", body + "." + paddingBitsSet(t, tag)},
		{"tag of the empty payload", body + "." + strings.SplitN(seal(t, c, nil), ".", 2)[1]},
		{"truncated by one character", tok[:len(tok)-1]},
		{"truncated by two characters (tag of 15 bytes)", tok[:len(tok)-2]},
		{"tag truncated to 8 bytes", body + "." + b64.EncodeToString(rawTag[:8])},
		{"full 32-byte HMAC as tag", body + "." + b64.EncodeToString(append(bytes.Clone(rawTag), make([]byte, 16)...))},
		{"payload truncated", body[:len(body)-4] + "." + tag},
		{"extra dot at the end", tok + "."},
		{"extra dot and part at the end", tok + ".x"},
		{"extra dot at the start", "." + tok},
		{"two dots in the middle", body + ".." + tag},
		{"non-base64 characters", "!!!!.####"},
		{"standard base64 alphabet", strings.ReplaceAll(strings.ReplaceAll(tok, "-", "+"), "_", "/") + "+/"},
		{"padded tag", tok + "=="},
		{"padded payload", body + "=." + tag},
		{"space inside", body + " ." + tag},
		{"sealed with another key", fromOtherKey},
		{"longer than 2048 characters though validly sealed", tooLong},
		{"longer than 2048 characters of junk", strings.Repeat("A", 2049) + "." + tag},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.token == tok {
				t.Fatal("test bug: the case does not change the token")
			}
			got, err := c.Open(context.Background(), tc.token)
			if !errors.Is(err, pagetoken.ErrInvalid) {
				t.Fatalf("Open(%.60q…) = %q, %v; want ErrInvalid", tc.token, got, err)
			}
			if got != nil {
				t.Errorf("Open returned payload %q with ErrInvalid", got)
			}
		})
	}
	if len(tooLong) != 2049 {
		t.Fatalf("test bug: the too-long token has %d characters, want 2049", len(tooLong))
	}
}

// paddingBitsSet changes the last character of an unpadded base64url string
// of 16 bytes (22 characters: 2 data bits and 4 padding bits in the last) so
// that a lenient decoder still yields the same bytes.
func paddingBitsSet(t *testing.T, s string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(s) != 22 {
		t.Fatalf("test bug: tag %q is not 22 characters", s)
	}
	i := strings.IndexByte(alphabet, s[21])
	if i < 0 || i&0x0f != 0 {
		t.Fatalf("test bug: %q does not end in a canonical character", s)
	}
	changed := s[:21] + string(alphabet[i|0x01])
	lenient, err := base64.RawURLEncoding.DecodeString(changed)
	strict, _ := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !bytes.Equal(lenient, strict) {
		t.Fatalf("test bug: %q does not decode leniently to the same bytes", changed)
	}
	return changed
}

type failingKey struct{ err error }

func (k failingKey) Get(context.Context) ([]byte, error) { return nil, k.err }

func TestKeySourceErrorPropagates(t *testing.T) {
	keyErr := errors.New("fetch secret page token key: ThrottlingException")
	tok := seal(t, pagetoken.New(key), []byte("cursor"))
	c := pagetoken.New(failingKey{keyErr})

	got, err := c.Seal(context.Background(), []byte("cursor"))
	if !errors.Is(err, keyErr) || errors.Is(err, pagetoken.ErrInvalid) || got != "" {
		t.Fatalf("Seal = %q, %v; want the key error, not ErrInvalid", got, err)
	}
	payload, err := c.Open(context.Background(), tok)
	if !errors.Is(err, keyErr) || errors.Is(err, pagetoken.ErrInvalid) || payload != nil {
		t.Fatalf("Open = %q, %v; want the key error, not ErrInvalid", payload, err)
	}
}

func TestCheckKey(t *testing.T) {
	for _, c := range []struct {
		key string
		ok  bool
	}{
		{"", false},
		{"local-page-token-key", false},
		{strings.Repeat("k", pagetoken.MinKeySize-1), false},
		{strings.Repeat("k", pagetoken.MinKeySize), true},
		{strings.Repeat("k", 64), true},
	} {
		got, err := pagetoken.CheckKey([]byte(c.key))
		if c.ok && (err != nil || string(got) != c.key) {
			t.Errorf("CheckKey(%d bytes) = %q, %v; want the key", len(c.key), got, err)
		}
		if !c.ok && (err == nil || got != nil || strings.Contains(err.Error(), c.key) && c.key != "") {
			t.Errorf("CheckKey(%d bytes) = %q, %v; want an error that does not show the key", len(c.key), got, err)
		}
	}
}
