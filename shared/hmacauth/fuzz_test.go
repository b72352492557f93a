package hmacauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/hmacauth"
)

// FuzzVerify feeds arbitrary header values, methods, paths and queries to
// the verifier, half of them signed correctly. It must never panic, every
// refusal must be a 4xx of the contract, and what it accepts must carry the
// signature of a known secret.
func FuzzVerify(f *testing.F) {
	f.Add("rotating", strconv.FormatInt(nowUnix, 10), "", "GET", "/xcloud/v1/customers", "limit=5&status=ACTIVE", "", true)
	f.Add("writer", strconv.FormatInt(nowUnix, 10), "", "POST", "/xcloud/v1/customers", "", "1B2M2Y8AsgTpgAmY7PhCfg==", true)
	f.Add("svc.A_b-9", "0017", "deadbeef", "HEAD", "/xcloud/v1/customers/a,b", "%zz", "", false)
	f.Add("", "", "", "", "", "", "", false)
	f.Add("reader", "99999999999999999999999", "x", "GET", "/a b/%2F", "a=1&&b&=c&a=%20+", "==", true)
	v := hmacauth.NewVerifier(testCreds, fixedClock)
	f.Fuzz(func(t *testing.T, service, timestamp, signature, method, path, rawQuery, contentMD5 string, signIt bool) {
		r := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{}}
		if signIt {
			if sig, err := hmacauth.Signature(firstSecret(service), hmacauth.Request{
				Timestamp: timestamp, ServiceID: service, Method: method, Path: path, RawQuery: rawQuery, ContentMD5: contentMD5,
			}); err == nil {
				signature = sig
			}
		}
		for name, value := range map[string]string{hmacauth.HeaderServiceID: service, hmacauth.HeaderTimestamp: timestamp,
			hmacauth.HeaderSignature: signature, hmacauth.HeaderContentMD5: contentMD5} {
			if value != "" {
				r.Header.Set(name, value)
			}
		}
		for _, scope := range []hmacauth.Scope{hmacauth.ScopeRead, hmacauth.ScopeWrite} {
			id, err := v.Verify(context.Background(), r, scope)
			if err == nil {
				svc, ok := testCreds[id]
				if !ok || id != service {
					t.Fatalf("accepted service %q (sent %q)", id, service)
				}
				want, _ := hmacauth.Signature(svc.Secrets[0], hmacauth.Request{Timestamp: timestamp, ServiceID: service,
					Method: method, Path: path, RawQuery: rawQuery, ContentMD5: contentMD5})
				alt := ""
				if len(svc.Secrets) > 1 {
					alt, _ = hmacauth.Signature(svc.Secrets[1], hmacauth.Request{Timestamp: timestamp, ServiceID: service,
						Method: method, Path: path, RawQuery: rawQuery, ContentMD5: contentMD5})
				}
				if signature != want && signature != alt {
					t.Fatalf("accepted a signature of no secret: %q", signature)
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
