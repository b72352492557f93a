package hmacauth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/hmacauth"
)

// Known-answer vectors. The strings to sign are written out by hand from the
// contract's seven lines; the hex signatures were computed outside Go with
//
//	printf '<string to sign>' | openssl dgst -sha256 -hmac 'test-secret'
//
// so a change of line order, joining or trailing newline breaks them.
const (
	kaSecret = "test-secret"

	kaGetStringToSign = "XCLOUD-HMAC-SHA256\n" +
		"1700000000\n" +
		"billing-svc\n" +
		"GET\n" +
		"/xcloud/v1/customers\n" +
		"limit=10&status=ACTIVE\n" + // the Content-MD5 line is empty: no trailing newline after it
		""
	kaGetSignature = "a480b7de096fa2f5146ce662c8d1ddfc56ce8e379d5e7baa05047a4645781ecd"

	kaPostBody         = `{"customerId":"FST-12345678-acme"}`
	kaPostContentMD5   = "ZUvzoa+2mv8OxUcsjUi/0A==" // printf '<body>' | openssl md5 -binary | base64
	kaPostStringToSign = "XCLOUD-HMAC-SHA256\n" +
		"1700000000\n" +
		"billing-svc\n" +
		"POST\n" +
		"/xcloud/v1/customers\n" +
		"\n" + // empty query line
		"ZUvzoa+2mv8OxUcsjUi/0A=="
	kaPostSignature = "d74619514f56097a5e8b4ffe1e23daa5f4af7c62d688a359dc3978b5fd5ca2d7"

	// Version 1.1: the If-Match and Idempotency-Key lines.
	kaPutContentMD5   = "iPn/Py8KwD0bOYTbUyWxXw==" // of {"status":"INACTIVE"}
	kaPutStringToSign = "XCLOUD-HMAC-SHA256\n" +
		"1700000000\n" +
		"billing-svc\n" +
		"PUT\n" +
		"/xcloud/v1/customers/FST-12345678-acme\n" +
		"\n" +
		"iPn/Py8KwD0bOYTbUyWxXw==\n" +
		`if-match:"1"`
	kaPutSignature           = "1fd5924535e8826273cdd637dfdb325a43e97860aa6ae217d4772b759a4c9cd7"
	kaIdempotentStringToSign = kaPostStringToSign + "\nidempotency-key:7d9f6c1e-register-acme"
	kaIdempotentSignature    = "5bfcb587ad9586f7bf7f1d12ed289f0fda742b48ba71282a21e7e1252f2f8566"
)

// handMAC is HMAC-SHA256 computed directly with crypto/hmac, independent of
// the package under test.
func handMAC(secret, s string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

func TestKnownAnswerVectorsAreSelfConsistent(t *testing.T) {
	// Guards the constants themselves: the openssl output must equal a
	// crypto/hmac computation over the literal strings.
	if got := handMAC(kaSecret, kaGetStringToSign); got != kaGetSignature {
		t.Fatalf("GET vector: crypto/hmac gives %s, constant is %s", got, kaGetSignature)
	}
	if got := handMAC(kaSecret, kaPostStringToSign); got != kaPostSignature {
		t.Fatalf("POST vector: crypto/hmac gives %s, constant is %s", got, kaPostSignature)
	}
	if got := handMAC(kaSecret, kaPutStringToSign); got != kaPutSignature {
		t.Fatalf("PUT vector: crypto/hmac gives %s, constant is %s", got, kaPutSignature)
	}
	if got := handMAC(kaSecret, kaIdempotentStringToSign); got != kaIdempotentSignature {
		t.Fatalf("idempotent POST vector: crypto/hmac gives %s, constant is %s", got, kaIdempotentSignature)
	}
	if got := hmacauth.ContentMD5([]byte(`{"status":"INACTIVE"}`)); got != kaPutContentMD5 {
		t.Fatalf("ContentMD5(PUT body) = %q, want %q", got, kaPutContentMD5)
	}
	if got := hmacauth.ContentMD5([]byte(kaPostBody)); got != kaPostContentMD5 {
		t.Fatalf("ContentMD5(POST body) = %q, want %q", got, kaPostContentMD5)
	}
}

func TestStringToSign(t *testing.T) {
	tests := []struct {
		name string
		req  hmacauth.Request
		want string
	}{
		{
			name: "GET with query, no Content-MD5: empty last line, no trailing newline",
			req: hmacauth.Request{
				Timestamp: "1700000000", ServiceID: "billing-svc", Method: "GET",
				Path: "/xcloud/v1/customers", RawQuery: "status=ACTIVE&limit=10",
			},
			want: kaGetStringToSign,
		},
		{
			name: "POST without query: empty query line",
			req: hmacauth.Request{
				Timestamp: "1700000000", ServiceID: "billing-svc", Method: "POST",
				Path: "/xcloud/v1/customers", ContentMD5: kaPostContentMD5,
			},
			want: kaPostStringToSign,
		},
		{
			name: "method is upper-cased",
			req: hmacauth.Request{
				Timestamp: "1", ServiceID: "s", Method: "head", Path: "/xcloud/v1/customers/FST-12345678-a,FST-12345678-b",
			},
			want: "XCLOUD-HMAC-SHA256\n1\ns\nHEAD\n/xcloud/v1/customers/FST-12345678-a,FST-12345678-b\n\n",
		},
		{
			name: "neither query nor Content-MD5: the last two lines are empty",
			req: hmacauth.Request{
				Timestamp: "1700000000", ServiceID: "svc.a_b-c", Method: "GET", Path: "/xcloud/v1/customers/FST-12345678-acme",
			},
			want: "XCLOUD-HMAC-SHA256\n1700000000\nsvc.a_b-c\nGET\n/xcloud/v1/customers/FST-12345678-acme\n\n",
		},
		{
			name: "path is used as given (already percent-decoded); query is canonicalised",
			req: hmacauth.Request{
				Timestamp: "1700000000", ServiceID: "s", Method: "PUT", Path: "/xcloud/v1/customers/a b",
				RawQuery: "z=1&a=x+y", ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==",
			},
			want: "XCLOUD-HMAC-SHA256\n1700000000\ns\nPUT\n/xcloud/v1/customers/a b\na=x%20y&z=1\n1B2M2Y8AsgTpgAmY7PhCfg==",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hmacauth.StringToSign(tc.req)
			if err != nil {
				t.Fatalf("StringToSign: %v", err)
			}
			if got != tc.want {
				t.Fatalf("StringToSign =\n%q\nwant\n%q", got, tc.want)
			}
			if n := strings.Count(got, "\n"); n != 6 {
				t.Fatalf("string to sign has %d newlines, want 6 (seven lines)", n)
			}
		})
	}
}

func TestStringToSignInvalidQuery(t *testing.T) {
	_, err := hmacauth.StringToSign(hmacauth.Request{Timestamp: "1", ServiceID: "s", Method: "GET", Path: "/", RawQuery: "a=%zz"})
	if err == nil {
		t.Fatal("StringToSign with an invalid escape in the query: no error")
	}
}

func TestSignatureKnownAnswer(t *testing.T) {
	tests := []struct {
		name string
		req  hmacauth.Request
		want string
	}{
		{"GET", hmacauth.Request{
			Timestamp: "1700000000", ServiceID: "billing-svc", Method: "GET",
			Path: "/xcloud/v1/customers", RawQuery: "status=ACTIVE&limit=10",
		}, kaGetSignature},
		{"GET with lower-case method and unsorted, +-encoded query", hmacauth.Request{
			Timestamp: "1700000000", ServiceID: "billing-svc", Method: "get",
			Path: "/xcloud/v1/customers", RawQuery: "limit=10&&status=ACTIVE",
		}, kaGetSignature},
		{"POST", hmacauth.Request{
			Timestamp: "1700000000", ServiceID: "billing-svc", Method: "POST",
			Path: "/xcloud/v1/customers", ContentMD5: kaPostContentMD5,
		}, kaPostSignature},
		{"PUT with If-Match (1.1)", hmacauth.Request{
			Timestamp: "1700000000", ServiceID: "billing-svc", Method: "PUT",
			Path: "/xcloud/v1/customers/FST-12345678-acme", ContentMD5: kaPutContentMD5, IfMatch: new(`"1"`),
		}, kaPutSignature},
		{"POST with an Idempotency-Key, trimmed (1.1)", hmacauth.Request{
			Timestamp: "1700000000", ServiceID: "billing-svc", Method: "POST",
			Path: "/xcloud/v1/customers", ContentMD5: kaPostContentMD5, IdempotencyKey: new(" 7d9f6c1e-register-acme "),
		}, kaIdempotentSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hmacauth.Signature(kaSecret, tc.req)
			if err != nil {
				t.Fatalf("Signature: %v", err)
			}
			if got != tc.want {
				t.Fatalf("Signature = %s, want %s", got, tc.want)
			}
		})
	}
	// The secret is used as its UTF-8 bytes.
	req := hmacauth.Request{Timestamp: "1", ServiceID: "s", Method: "GET", Path: "/"}
	got, err := hmacauth.Signature("clé-ünïcode", req)
	if err != nil {
		t.Fatal(err)
	}
	if want := handMAC("clé-ünïcode", "XCLOUD-HMAC-SHA256\n1\ns\nGET\n/\n\n"); got != want {
		t.Fatalf("Signature with a non-ASCII secret = %s, want %s", got, want)
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"empty", "", ""},
		{"single", "limit=10", "limit=10"},
		{"sorted by name", "status=ACTIVE&limit=10", "limit=10&status=ACTIVE"},
		{"repeated name sorted by value", "a=2&a=1", "a=1&a=2"},
		{"repeated name, three values", "a=c&a=a&a=b", "a=a&a=b&a=c"},
		{"value order is byte order (upper before lower)", "a=b&a=B", "a=B&a=b"},
		{"name before value: a prefix name sorts first even though '-' < '='", "a-b=1&a=2", "a=2&a-b=1"},
		{"name before value: '.' after a prefix", "a.b=1&a=2", "a=2&a.b=1"},
		{"name before value: '_' after a prefix", "a_b=1&a=2", "a=2&a_b=1"},
		{"name decides before value", "b=1&a=9", "a=9&b=1"},
		{"plus is a space, encoded %20", "q=a+b", "q=a%20b"},
		{"%20 stays %20", "q=a%20b", "q=a%20b"},
		{"plus in name", "a+b=1", "a%20b=1"},
		{"encoded plus stays encoded", "q=a%2Bb", "q=a%2Bb"},
		{"lower-case escapes become upper-case", "q=%2b%2f%3a", "q=%2B%2F%3A"},
		{"reserved characters encoded upper-case", "q=%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D",
			"q=%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D"},
		{"reserved characters sent raw are encoded", "q=!*'():@$,/?", "q=%21%2A%27%28%29%3A%40%24%2C%2F%3F"},
		{"unreserved kept", "q=-._~AZaz09", "q=-._~AZaz09"},
		{"encoded unreserved decoded", "q=%7E%2D%2E%5F%41", "q=~-._A"},
		{"UTF-8 encoded byte by byte", "name=%C3%A9", "name=%C3%A9"},
		{"raw UTF-8 encoded", "name=é", "name=%C3%A9"},
		{"percent sign itself", "q=100%25", "q=100%25"},
		{"name without '='", "a", "a="},
		{"name with empty value", "a=", "a="},
		{"name without '=' sorts with others", "b=1&a", "a=&b=1"},
		{"only the first '=' splits", "a=b=c", "a=b%3Dc"},
		{"semicolon is not a separator", "a=1;b=2", "a=1%3Bb%3D2"},
		{"empty pieces skipped", "a=1&&b=2", "a=1&b=2"},
		{"leading and trailing '&' skipped", "&a=1&", "a=1"},
		{"only separators", "&&", ""},
		{"empty name", "=1", "=1"},
		{"paging query", "nextToken=eyJrIjoiQSJ9.abc-_&limit=100&status=ACTIVE",
			"limit=100&nextToken=eyJrIjoiQSJ9.abc-_&status=ACTIVE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hmacauth.CanonicalQuery(tc.raw)
			if err != nil {
				t.Fatalf("CanonicalQuery(%q): %v", tc.raw, err)
			}
			if got != tc.want {
				t.Fatalf("CanonicalQuery(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

func TestCanonicalQueryErrors(t *testing.T) {
	for _, raw := range []string{"%zz", "a=%zz", "%zz=1", "a=1&b=%", "a=%4", "a=1&%=2"} {
		t.Run(raw, func(t *testing.T) {
			got, err := hmacauth.CanonicalQuery(raw)
			if err == nil {
				t.Fatalf("CanonicalQuery(%q) = %q, want an error", raw, got)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"AZaz09-._~", "AZaz09-._~"},
		{" ", "%20"},
		{"+", "%2B"},
		{"/", "%2F"},
		{"\x00\xff", "%00%FF"},
		{"é", "%C3%A9"},
	}
	for _, tc := range tests {
		if got := hmacauth.Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Every byte, alone and in random strings, against RFC 3986's definition.
	const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	rfc3986 := func(s []byte) string {
		var b strings.Builder
		for _, c := range s {
			if strings.IndexByte(unreserved, c) >= 0 {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		return b.String()
	}
	for c := range 256 {
		if s := []byte{byte(c)}; hmacauth.Escape(string(s)) != rfc3986(s) {
			t.Errorf("Escape(%q) = %q, want %q", s, hmacauth.Escape(string(s)), rfc3986(s))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		s := make([]byte, r.IntN(40))
		for i := range s {
			s[i] = byte(r.IntN(256))
		}
		if got, want := hmacauth.Escape(string(s)), rfc3986(s); got != want {
			t.Fatalf("Escape(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestContentMD5(t *testing.T) {
	tests := []struct{ body, want string }{
		{"", "1B2M2Y8AsgTpgAmY7PhCfg=="},
		{"hello", "XUFAKrxLKna5cZ2REBfFkg=="},
		{kaPostBody, kaPostContentMD5},
	}
	for _, tc := range tests {
		if got := hmacauth.ContentMD5([]byte(tc.body)); got != tc.want {
			t.Errorf("ContentMD5(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
	if got := hmacauth.ContentMD5(nil); got != "1B2M2Y8AsgTpgAmY7PhCfg==" {
		t.Errorf("ContentMD5(nil) = %q", got)
	}
}
