package hmacauth_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/hmacauth"
)

func TestSignerVerifierRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		url     string
		body    string
		service string
		secret  string
		scope   hmacauth.Scope
		wantMD5 bool
	}{
		{"GET with query", http.MethodGet,
			"https://api.example.com/xcloud/v1/customers?status=ACTIVE&limit=10&nextToken=a%2Bb.c-_", "", "reader", "reader-secret", hmacauth.ScopeRead, false},
		{"GET with a space and '+' in the query", http.MethodGet,
			"https://api.example.com/xcloud/v1/customers?q=a+b&q=a%20b&z=%E2%82%AC", "", "reader", "reader-secret", hmacauth.ScopeRead, false},
		{"GET one", http.MethodGet, "https://api.example.com" + customerID, "", "rotating", "new-secret", hmacauth.ScopeRead, false},
		{"GET with an encoded path", http.MethodGet, "https://api.example.com/xcloud/v1/customers/FST-12345678-a%20b", "", "reader", "reader-secret", hmacauth.ScopeRead, false},
		{"POST with body", http.MethodPost, "https://api.example.com/xcloud/v1/customers", kaPostBody, "writer", "writer-secret", hmacauth.ScopeWrite, true},
		{"POST with empty body", http.MethodPost, "https://api.example.com/xcloud/v1/customers", "", "writer", "writer-secret", hmacauth.ScopeWrite, true},
		{"PUT", http.MethodPut, "https://api.example.com" + customerID, `{"customerName":"Acme"}`, "rotating", "old-secret", hmacauth.ScopeWrite, true},
		{"HEAD", http.MethodHead, "https://api.example.com/xcloud/v1/customers/FST-12345678-a,FST-12345678-b", "", "reader", "reader-secret", hmacauth.ScopeRead, false},
	}
	v := hmacauth.NewVerifier(testCreds, fixedClock)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.body)
			req, err := http.NewRequest(tc.method, tc.url, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			signer := hmacauth.Signer{ServiceID: tc.service, Secret: tc.secret, Now: fixedClock}
			if err := signer.Sign(req, body); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got := req.Header.Get(hmacauth.HeaderServiceID); got != tc.service {
				t.Errorf("%s = %q, want %q", hmacauth.HeaderServiceID, got, tc.service)
			}
			if got := req.Header.Get(hmacauth.HeaderTimestamp); got != nowString {
				t.Errorf("%s = %q, want %q", hmacauth.HeaderTimestamp, got, nowString)
			}
			gotMD5 := req.Header.Values(hmacauth.HeaderContentMD5)
			switch {
			case tc.wantMD5 && (len(gotMD5) != 1 || gotMD5[0] != hmacauth.ContentMD5(body)):
				t.Errorf("Content-MD5 = %q, want [%q]", gotMD5, hmacauth.ContentMD5(body))
			case !tc.wantMD5 && len(gotMD5) != 0:
				t.Errorf("Content-MD5 = %q on a %s, want none", gotMD5, tc.method)
			}

			// Verify the request as sent, and again after a trip over the
			// wire, as a server reads it.
			if id, err := v.Verify(context.Background(), req, tc.scope); err != nil || id != tc.service {
				t.Fatalf("Verify(signed request) = %q, %v; want %q, nil", id, err, tc.service)
			}
			var wire bytes.Buffer
			if err := req.Write(&wire); err != nil {
				t.Fatal(err)
			}
			served, err := http.ReadRequest(bufio.NewReader(&wire))
			if err != nil {
				t.Fatal(err)
			}
			if id, err := v.Verify(context.Background(), served, tc.scope); err != nil || id != tc.service {
				t.Fatalf("Verify(request read from the wire) = %q, %v; want %q, nil", id, err, tc.service)
			}
			if tc.wantMD5 {
				want, err := hmacauth.ParseContentMD5(served.Header)
				if err != nil {
					t.Fatalf("ParseContentMD5: %v", err)
				}
				got, err := io.ReadAll(served.Body)
				if err != nil {
					t.Fatal(err)
				}
				if err := hmacauth.CheckContentMD5(want, md5.Sum(got)); err != nil {
					t.Fatalf("CheckContentMD5: %v", err)
				}
			}

			// The same request signed with a wrong secret, or a minute
			// later than the server allows, does not pass.
			bad := hmacauth.Signer{ServiceID: tc.service, Secret: tc.secret + "x", Now: fixedClock}
			if err := bad.Sign(req, body); err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), req, tc.scope); err == nil {
				t.Fatal("Verify accepted a request signed with the wrong secret")
			}
		})
	}
}

func TestSignerMatchesKnownAnswer(t *testing.T) {
	req, err := http.NewRequest(http.MethodPost, "https://api.example.com/xcloud/v1/customers", bytes.NewReader([]byte(kaPostBody)))
	if err != nil {
		t.Fatal(err)
	}
	s := hmacauth.Signer{ServiceID: "billing-svc", Secret: kaSecret, Now: fixedClock}
	if err := s.Sign(req, []byte(kaPostBody)); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get(hmacauth.HeaderSignature); got != kaPostSignature {
		t.Fatalf("signature = %s, want %s", got, kaPostSignature)
	}
	if got := req.Header.Get(hmacauth.HeaderContentMD5); got != kaPostContentMD5 {
		t.Fatalf("Content-MD5 = %s, want %s", got, kaPostContentMD5)
	}

	req, err = http.NewRequest(http.MethodGet, "https://api.example.com/xcloud/v1/customers?status=ACTIVE&limit=10", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get(hmacauth.HeaderSignature); got != kaGetSignature {
		t.Fatalf("signature = %s, want %s", got, kaGetSignature)
	}
}

func TestSignerInvalidQuery(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://api.example.com/xcloud/v1/customers", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = "a=%zz"
	if err := (hmacauth.Signer{ServiceID: "s", Secret: "k", Now: fixedClock}).Sign(req, nil); err == nil {
		t.Fatal("Sign with an invalid query escape: no error")
	}
	if req.Header.Get(hmacauth.HeaderSignature) != "" {
		t.Fatal("Sign set a signature despite the error")
	}
}

// The signer signs If-Match and Idempotency-Key when the request carries
// them, and the verifier accepts what it signed; without them it signs the
// seven lines of 1.0.
func TestSignerSignsTheOptionalHeaders(t *testing.T) {
	v := hmacauth.NewVerifier(testCreds, fixedClock)
	s := hmacauth.Signer{ServiceID: "writer", Secret: "writer-secret", Now: fixedClock}
	for _, headers := range []map[string]string{
		{},
		{"If-Match": `"7"`},
		{"Idempotency-Key": "7d9f6c1e-register-acme"},
		{"If-Match": "*", "Idempotency-Key": "k"},
	} {
		req := httptest.NewRequest(http.MethodPost, "/xcloud/v1/customers", nil)
		for k, val := range headers {
			req.Header.Set(k, val)
		}
		if err := s.Sign(req, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), req, hmacauth.ScopeWrite); err != nil {
			t.Errorf("%v: the verifier refuses what the signer signed: %v", headers, err)
		}
		sts, _ := hmacauth.StringToSign(hmacauth.Request{Timestamp: nowString, ServiceID: "writer", Method: "POST", Path: "/xcloud/v1/customers",
			ContentMD5: hmacauth.ContentMD5([]byte(`{}`)), IfMatch: hmacauth.SignedHeader(req.Header, "If-Match"),
			IdempotencyKey: hmacauth.SignedHeader(req.Header, "Idempotency-Key")})
		lines := strings.Split(sts, "\n")
		if want := 7 + len(headers); len(lines) != want {
			t.Errorf("%v: %d lines to sign, want %d:\n%s", headers, len(lines), want, sts)
		}
		if key, ok := headers["Idempotency-Key"]; ok && lines[len(lines)-1] != "idempotency-key:"+key {
			t.Errorf("%v: last line %q", headers, lines[len(lines)-1])
		}
	}
}
