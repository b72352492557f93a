package hmacauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/hmacauth"
)

// FuzzVerify feeds arbitrary header values, methods, paths and queries to
// the verifier, half of them signed correctly, with If-Match and
// Idempotency-Key sent when not empty and signed or not. It must never
// panic, every refusal must be a 4xx of the contract, and what it accepts
// must carry the signature of a known secret over every line the request
// sends, the 1.1 lines included.
func FuzzVerify(f *testing.F) {
	f.Add("rotating", strconv.FormatInt(nowUnix, 10), "", "GET", "/xcloud/v1/customers", "limit=5&status=ACTIVE", "", true, "", "", false)
	f.Add("writer", strconv.FormatInt(nowUnix, 10), "", "POST", "/xcloud/v1/customers", "", "1B2M2Y8AsgTpgAmY7PhCfg==", true, "", "retry-1", true)
	f.Add("writer", strconv.FormatInt(nowUnix, 10), "", "PUT", "/xcloud/v1/customers/x", "", "1B2M2Y8AsgTpgAmY7PhCfg==", true, `"3"`, "", false)
	f.Add("svc.A_b-9", "0017", "deadbeef", "HEAD", "/xcloud/v1/customers/a,b", "%zz", "", false, "*", " k ", true)
	f.Add("", "", "", "", "", "", "", false, "", "", false)
	f.Add("reader", "99999999999999999999999", "x", "GET", "/a b/%2F", "a=1&&b&=c&a=%20+", "==", true, "\x00", "\xff", true)
	v := hmacauth.NewVerifier(testCreds, fixedClock)
	f.Fuzz(func(t *testing.T, service, timestamp, signature, method, path, rawQuery, contentMD5 string, signIt bool, ifMatch, idemKey string, signHeaders bool) {
		r := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{}}
		for name, value := range map[string]string{hmacauth.HeaderServiceID: service, hmacauth.HeaderTimestamp: timestamp,
			hmacauth.HeaderSignature: signature, hmacauth.HeaderContentMD5: contentMD5,
			hmacauth.HeaderIfMatch: ifMatch, hmacauth.HeaderIdempotencyKey: idemKey} {
			if value != "" {
				r.Header.Set(name, value)
			}
		}
		// What the request sends, as the server reads it.
		sent := hmacauth.Request{Timestamp: timestamp, ServiceID: service, Method: method, Path: path, RawQuery: rawQuery,
			ContentMD5: contentMD5, IfMatch: hmacauth.SignedHeader(r.Header, hmacauth.HeaderIfMatch),
			IdempotencyKey: hmacauth.SignedHeader(r.Header, hmacauth.HeaderIdempotencyKey)}
		if signIt {
			signed := sent
			if !signHeaders {
				signed.IfMatch, signed.IdempotencyKey = nil, nil
			}
			if sig, err := hmacauth.Signature(firstSecret(service), signed); err == nil {
				r.Header.Set(hmacauth.HeaderSignature, sig)
				signature = sig
			}
		}
		for _, scope := range []hmacauth.Scope{hmacauth.ScopeRead, hmacauth.ScopeWrite} {
			id, err := v.Verify(context.Background(), r, scope)
			if err == nil {
				svc, ok := testCreds[id]
				if !ok || id != service {
					t.Fatalf("accepted service %q (sent %q)", id, service)
				}
				var valid []string
				for _, secret := range svc.Secrets {
					sig, _ := hmacauth.Signature(secret, sent)
					valid = append(valid, sig)
				}
				if !slices.Contains(valid, signature) {
					t.Fatalf("accepted a signature that does not cover what was sent: %q", signature)
				}
				continue
			}
			var e *apierror.Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 403 {
				t.Fatalf("refusal %v is not a 400, 401 or 403", err)
			}
		}
	})
}

// FuzzCanonicalQuery: no panic, and canonicalising twice changes nothing.
func FuzzCanonicalQuery(f *testing.F) {
	for _, q := range []string{"", "b=2&a=1", "a=%20+&a=~", "x", "%zz", "a=1&&b=", "é=ü&Z=%41"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		c, err := hmacauth.CanonicalQuery(q)
		if err != nil {
			return
		}
		again, err := hmacauth.CanonicalQuery(c)
		if err != nil || again != c {
			t.Fatalf("canonical %q gives %q, %v", c, again, err)
		}
	})
}

// firstSecret is a known service's first secret, or a made-up one.
func firstSecret(service string) string {
	if svc, ok := testCreds[service]; ok && len(svc.Secrets) > 0 {
		return svc.Secrets[0]
	}
	return "not-a-secret"
}
