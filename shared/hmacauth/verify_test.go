package hmacauth_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/hmacauth"
)

const (
	nowUnix    = 1700000000
	nowString  = "1700000000"
	customerID = "/xcloud/v1/customers/FST-12345678-acme"

	msgMissing      = "Requests must carry the X-XCloud-Service-Id, X-XCloud-Timestamp and X-XCloud-Signature headers"
	msgBadSignature = "The signature does not match, or the service is unknown"
)

var (
	fixedNow = time.Unix(nowUnix, 0)
	id64     = strings.Repeat("a", 64)

	read  = []hmacauth.Scope{hmacauth.ScopeRead}
	write = []hmacauth.Scope{hmacauth.ScopeWrite}
	both  = []hmacauth.Scope{hmacauth.ScopeRead, hmacauth.ScopeWrite}

	testCreds = hmacauth.Credentials{
		"reader":    {Secrets: []string{"reader-secret"}, Scopes: read},
		"writer":    {Secrets: []string{"writer-secret"}, Scopes: write},
		"rotating":  {Secrets: []string{"old-secret", "new-secret"}, Scopes: both},
		"noscope":   {Secrets: []string{"noscope-secret"}},
		"svc.A_b-9": {Secrets: []string{"punct-secret"}, Scopes: read},
		id64:        {Secrets: []string{"long-secret"}, Scopes: read},
	}
)

func fixedClock() time.Time { return fixedNow }

// authCase builds one request: signed by service with secret over what is
// sent (changed by signOver), then its headers changed by edit.
type authCase struct {
	name       string
	method     string // default GET
	target     string // default customerID
	scope      hmacauth.Scope
	service    string // default "reader"
	secret     string // default the service's first secret
	offset     int64  // timestamp = server time + offset
	contentMD5 string // Content-MD5 sent and signed, when set
	signOver   func(r *hmacauth.Request)
	edit       func(h http.Header)

	wantID     string // success: the service id; default service
	wantStatus int
	wantCode   string
	wantMsg    string   // exact message, when set
	msgHas     []string // substrings of the message
}

func (tc authCase) build(t *testing.T) *http.Request {
	t.Helper()
	method, target, service := tc.method, tc.target, tc.service
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = customerID
	}
	if service == "" {
		service = "reader"
	}
	secret := tc.secret
	if secret == "" {
		if svc, ok := testCreds[service]; ok {
			secret = svc.Secrets[0]
		} else {
			secret = "no-such-secret"
		}
	}
	req := httptest.NewRequest(method, target, nil)
	ts := strconv.FormatInt(nowUnix+tc.offset, 10)
	if tc.contentMD5 != "" {
		req.Header.Set(hmacauth.HeaderContentMD5, tc.contentMD5)
	}
	signed := hmacauth.Request{
		Timestamp: ts, ServiceID: service, Method: method,
		Path: req.URL.Path, RawQuery: req.URL.RawQuery, ContentMD5: tc.contentMD5,
	}
	if tc.signOver != nil {
		tc.signOver(&signed)
	}
	sig, err := hmacauth.Signature(secret, signed)
	if err != nil {
		t.Fatalf("test setup: sign: %v", err)
	}
	req.Header.Set(hmacauth.HeaderServiceID, service)
	req.Header.Set(hmacauth.HeaderTimestamp, ts)
	req.Header.Set(hmacauth.HeaderSignature, sig)
	if tc.edit != nil {
		tc.edit(req.Header)
	}
	return req
}

func (tc authCase) check(t *testing.T, gotID string, err error) {
	t.Helper()
	if tc.wantCode == "" {
		if err != nil {
			t.Fatalf("Verify: unexpected error %v", err)
		}
		want := tc.wantID
		if want == "" {
			want = tc.service
		}
		if want == "" {
			want = "reader"
		}
		if gotID != want {
			t.Fatalf("Verify returned service id %q, want %q", gotID, want)
		}
		return
	}
	if err == nil {
		t.Fatalf("Verify succeeded (service %q), want %d %s", gotID, tc.wantStatus, tc.wantCode)
	}
	if gotID != "" {
		t.Errorf("Verify returned service id %q with an error", gotID)
	}
	var apiErr *apierror.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("Verify error %v (%T) is not an *apierror.Error", err, err)
	}
	if apiErr.Status != tc.wantStatus || apiErr.Code != tc.wantCode {
		t.Fatalf("Verify = %d %s (%q), want %d %s", apiErr.Status, apiErr.Code, apiErr.Message, tc.wantStatus, tc.wantCode)
	}
	if tc.wantMsg != "" && apiErr.Message != tc.wantMsg {
		t.Errorf("message = %q, want %q", apiErr.Message, tc.wantMsg)
	}
	for _, s := range tc.msgHas {
		if !strings.Contains(apiErr.Message, s) {
			t.Errorf("message %q does not contain %q", apiErr.Message, s)
		}
	}
}

func del(names ...string) func(http.Header) {
	return func(h http.Header) {
		for _, n := range names {
			h.Del(n)
		}
	}
}

func set(name, value string) func(http.Header) {
	return func(h http.Header) { h.Set(name, value) }
}

// repeat sends the header's value a second time.
func repeat(name string) func(http.Header) {
	return func(h http.Header) { h.Add(name, h.Get(name)) }
}

func edits(fs ...func(http.Header)) func(http.Header) {
	return func(h http.Header) {
		for _, f := range fs {
			f(h)
		}
	}
}

func changeSig(f func(string) string) func(http.Header) {
	return func(h http.Header) { h.Set(hmacauth.HeaderSignature, f(h.Get(hmacauth.HeaderSignature))) }
}

const (
	hID  = hmacauth.HeaderServiceID
	hTS  = hmacauth.HeaderTimestamp
	hSig = hmacauth.HeaderSignature
	hMD5 = hmacauth.HeaderContentMD5
)

func missing(name string, edit func(http.Header)) authCase {
	return authCase{name: name, edit: edit, wantStatus: 401, wantCode: "MISSING_AUTHENTICATION", wantMsg: msgMissing}
}

func malformed(name string, c authCase) authCase {
	c.name, c.wantStatus, c.wantCode = name, 401, "INVALID_AUTHENTICATION"
	return c
}

func expired(name string, c authCase) authCase {
	c.name, c.wantStatus, c.wantCode = name, 401, "REQUEST_EXPIRED"
	c.msgHas = []string{nowString}
	return c
}

func badSignature(name string, c authCase) authCase {
	c.name, c.wantStatus, c.wantCode, c.wantMsg = name, 401, "INVALID_SIGNATURE", msgBadSignature
	return c
}

func forbidden(name string, c authCase, msg string) authCase {
	c.name, c.wantStatus, c.wantCode, c.wantMsg = name, 403, "FORBIDDEN", msg
	return c
}

func ok(name string, c authCase) authCase {
	c.name = name
	return c
}

// verifyCases follows the rows of the contract's check table, in order.
var verifyCases = []authCase{
	// Row 1: any of the three headers missing -> 401 MISSING_AUTHENTICATION.
	missing("service id missing", del(hID)),
	missing("timestamp missing", del(hTS)),
	missing("signature missing", del(hSig)),
	missing("service id and signature missing", del(hID, hSig)),
	missing("all three missing", del(hID, hTS, hSig)),
	missing("missing beats malformed: signature missing, service id malformed", edits(del(hSig), set(hID, "bad id"))),
	missing("missing beats repeated: timestamp missing, signature repeated", edits(del(hTS), repeat(hSig))),
	missing("missing beats malformed: service id missing, timestamp not digits", edits(del(hID), set(hTS, "soon"))),
	{name: "missing beats expired: signature missing, timestamp an hour old", offset: -3600, edit: del(hSig),
		wantStatus: 401, wantCode: "MISSING_AUTHENTICATION", wantMsg: msgMissing},
	{name: "all missing on a POST with Content-MD5", method: http.MethodPost, scope: hmacauth.ScopeWrite,
		contentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==", edit: del(hID, hTS, hSig),
		wantStatus: 401, wantCode: "MISSING_AUTHENTICATION", wantMsg: msgMissing},

	// Row 2: a header malformed -> 401 INVALID_AUTHENTICATION.
	malformed("service id with a space", authCase{service: "bad id"}),
	malformed("service id with '!'", authCase{service: "svc!"}),
	malformed("service id with '/'", authCase{service: "a/b"}),
	malformed("service id with ':'", authCase{service: "svc:1"}),
	malformed("service id non-ASCII", authCase{service: "sérvice"}),
	malformed("service id 65 characters", authCase{service: strings.Repeat("a", 65)}),
	malformed("service id empty", authCase{edit: set(hID, "")}),
	malformed("service id with trailing newline", authCase{edit: set(hID, "reader\n")}),
	malformed("timestamp with non-digits", authCase{edit: set(hTS, "17000000x0")}),
	malformed("timestamp negative", authCase{edit: set(hTS, "-1700000000")}),
	malformed("timestamp with plus sign", authCase{edit: set(hTS, "+1700000000")}),
	malformed("timestamp empty", authCase{edit: set(hTS, "")}),
	malformed("timestamp with a leading space", authCase{edit: set(hTS, " 1700000000")}),
	malformed("timestamp with a fraction", authCase{edit: set(hTS, "1700000000.5")}),
	malformed("timestamp in exponent form", authCase{edit: set(hTS, "1.7e9")}),
	malformed("timestamp in RFC 3339", authCase{edit: set(hTS, "2023-11-14T22:13:20Z")}),
	malformed("timestamp with non-ASCII digits", authCase{edit: set(hTS, "١٧٠٠٠٠٠٠٠٠")}),
	malformed("signature upper-case hex", authCase{edit: changeSig(strings.ToUpper)}),
	malformed("signature one upper-case digit", authCase{edit: changeSig(func(s string) string { return "A" + s[1:] })}),
	malformed("signature 63 characters", authCase{edit: changeSig(func(s string) string { return s[:63] })}),
	malformed("signature 65 characters", authCase{edit: changeSig(func(s string) string { return s + "0" })}),
	malformed("signature non-hex", authCase{edit: set(hSig, strings.Repeat("g", 64))}),
	malformed("signature base64", authCase{edit: set(hSig, "pIC33glvovUUbOZiyNHd/FbOjjedXnuqBQR6RkV4Hs0=")}),
	malformed("signature empty", authCase{edit: set(hSig, "")}),
	malformed("signature with 0x prefix", authCase{edit: changeSig(func(s string) string { return "0x" + s[2:] })}),
	malformed("service id repeated (same value twice)", authCase{edit: repeat(hID)}),
	malformed("timestamp repeated (same value twice)", authCase{edit: repeat(hTS)}),
	malformed("signature repeated (same value twice)", authCase{edit: repeat(hSig)}),
	malformed("service id repeated with two values", authCase{edit: func(h http.Header) { h.Add(hID, "writer") }}),
	malformed("malformed beats expired", authCase{offset: -301, service: "bad id"}),
	malformed("malformed signature beats expired", authCase{offset: 3600, edit: changeSig(strings.ToUpper)}),
	malformed("repeated beats expired", authCase{offset: -301, edit: repeat(hTS)}),
	malformed("malformed beats unknown service", authCase{service: "ghost", edit: set(hSig, "xyz")}),

	// Row 3: timestamp more than 300 s from the server's clock -> 401 REQUEST_EXPIRED.
	expired("301 s early", authCase{offset: -301}),
	expired("301 s late", authCase{offset: 301}),
	expired("an hour early", authCase{offset: -3600}),
	expired("timestamp zero", authCase{signOver: func(r *hmacauth.Request) { r.Timestamp = "0" }, edit: set(hTS, "0")}),
	expired("timestamp in milliseconds", authCase{
		signOver: func(r *hmacauth.Request) { r.Timestamp = nowString + "000" }, edit: set(hTS, nowString+"000")}),
	expired("timestamp digits beyond int64", authCase{edit: set(hTS, "99999999999999999999")}),
	expired("expired beats bad signature", authCase{offset: -301, secret: "wrong"}),
	expired("expired beats unknown service", authCase{offset: 301, service: "ghost"}),
	expired("expired beats missing scope", authCase{offset: -301, scope: hmacauth.ScopeWrite}),
	expired("expired beats repeated Content-MD5", authCase{offset: -301, method: http.MethodPost,
		service: "writer", scope: hmacauth.ScopeWrite, contentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==", edit: repeat(hMD5)}),
	expired("expired beats invalid query", authCase{offset: 301, target: customerID + "?a=%zz",
		signOver: func(r *hmacauth.Request) { r.RawQuery = "" }}),
	ok("300 s early accepted", authCase{offset: -300}),
	ok("300 s late accepted", authCase{offset: 300}),
	ok("leading zeros: digits only, signed as sent", authCase{
		signOver: func(r *hmacauth.Request) { r.Timestamp = "0" + nowString }, edit: set(hTS, "0"+nowString)}),

	// Row 4: unknown service id or signature mismatch -> 401 INVALID_SIGNATURE,
	// the same message for both.
	badSignature("unknown service id", authCase{service: "ghost", secret: "ghost-secret"}),
	badSignature("unknown service id signed with a known secret", authCase{service: "ghost", secret: "reader-secret"}),
	badSignature("unknown service id that differs only in case", authCase{service: "Reader", secret: "reader-secret"}),
	badSignature("wrong secret", authCase{secret: "not-the-secret"}),
	badSignature("another service's secret", authCase{secret: "writer-secret"}),
	badSignature("secret with different case", authCase{secret: "READER-SECRET"}),
	badSignature("signature over a different path", authCase{
		signOver: func(r *hmacauth.Request) { r.Path = "/xcloud/v1/customers/FST-12345678-other" }}),
	badSignature("signature over the percent-encoded path", authCase{target: "/xcloud/v1/customers/FST-12345678-a%2Cb",
		signOver: func(r *hmacauth.Request) { r.Path = "/xcloud/v1/customers/FST-12345678-a%2Cb" }}),
	badSignature("signature over a stage-prefixed path", authCase{
		signOver: func(r *hmacauth.Request) { r.Path = "/prod" + r.Path }}),
	badSignature("signature over a different method", authCase{
		signOver: func(r *hmacauth.Request) { r.Method = http.MethodHead }}),
	badSignature("signature over a different query", authCase{target: "/xcloud/v1/customers?status=ACTIVE",
		signOver: func(r *hmacauth.Request) { r.RawQuery = "status=INACTIVE" }}),
	badSignature("signature without the query", authCase{target: "/xcloud/v1/customers?limit=10",
		signOver: func(r *hmacauth.Request) { r.RawQuery = "" }}),
	badSignature("signature with a query not sent", authCase{target: "/xcloud/v1/customers",
		signOver: func(r *hmacauth.Request) { r.RawQuery = "limit=10" }}),
	badSignature("signature over a different Content-MD5", authCase{method: http.MethodPost, service: "writer",
		scope: hmacauth.ScopeWrite, contentMD5: "XUFAKrxLKna5cZ2REBfFkg==",
		signOver: func(r *hmacauth.Request) { r.ContentMD5 = "1B2M2Y8AsgTpgAmY7PhCfg==" }}),
	badSignature("Content-MD5 removed after signing", authCase{method: http.MethodPut, service: "writer",
		scope: hmacauth.ScopeWrite, contentMD5: "XUFAKrxLKna5cZ2REBfFkg==", edit: del(hMD5)}),
	badSignature("Content-MD5 added after signing", authCase{edit: set(hMD5, "1B2M2Y8AsgTpgAmY7PhCfg==")}),
	badSignature("timestamp changed after signing", authCase{edit: set(hTS, strconv.Itoa(nowUnix+1))}),
	badSignature("one hex digit flipped", authCase{edit: changeSig(func(s string) string {
		if s[63] == '0' {
			return s[:63] + "1"
		}
		return s[:63] + "0"
	})}),
	badSignature("signature for the other service id", authCase{service: "writer", secret: "writer-secret",
		scope: hmacauth.ScopeWrite, edit: set(hID, "reader")}),
	badSignature("bad signature beats missing scope", authCase{secret: "wrong", scope: hmacauth.ScopeWrite}),
	badSignature("unknown service beats missing scope", authCase{service: "ghost", scope: hmacauth.ScopeWrite}),
	badSignature("bad signature beats repeated Content-MD5", authCase{method: http.MethodPost, service: "writer",
		scope: hmacauth.ScopeWrite, secret: "wrong", contentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==", edit: repeat(hMD5)}),
	ok("first secret of a rotating service", authCase{service: "rotating", secret: "old-secret"}),
	ok("second secret of a rotating service", authCase{service: "rotating", secret: "new-secret"}),
	ok("second secret of a rotating service on a write", authCase{method: http.MethodPut, service: "rotating",
		secret: "new-secret", scope: hmacauth.ScopeWrite, contentMD5: "XUFAKrxLKna5cZ2REBfFkg=="}),
	badSignature("a retired secret of a rotating service", authCase{service: "rotating", secret: "older-secret"}),
	ok("service id of 64 characters", authCase{service: id64}),
	ok("service id with every allowed punctuation", authCase{service: "svc.A_b-9"}),
	ok("query signed canonically, sent unsorted with '+'", authCase{target: "/xcloud/v1/customers?status=ACTIVE&q=a+b&limit=10",
		signOver: func(r *hmacauth.Request) { r.RawQuery = "limit=10&q=a%20b&status=ACTIVE" }}),
	ok("path signed percent-decoded", authCase{target: "/xcloud/v1/customers/FST-12345678-a%2Cb",
		signOver: func(r *hmacauth.Request) { r.Path = "/xcloud/v1/customers/FST-12345678-a,b" }}),
	ok("HEAD with a list of ids", authCase{method: http.MethodHead, target: "/xcloud/v1/customers/FST-12345678-a,FST-12345678-b"}),
	ok("method signed in lower case", authCase{signOver: func(r *hmacauth.Request) { r.Method = "get" }}),
	ok("POST without Content-MD5 passes Verify (the body check answers it)", authCase{method: http.MethodPost,
		service: "writer", scope: hmacauth.ScopeWrite}),
	{name: "invalid query escape", target: customerID + "?a=%zz", signOver: func(r *hmacauth.Request) { r.RawQuery = "" },
		wantStatus: 401, wantCode: "INVALID_AUTHENTICATION"},

	// Row 5: scope -> 403 FORBIDDEN.
	forbidden("read-only service on a write route", authCase{method: http.MethodPost, scope: hmacauth.ScopeWrite,
		contentMD5: "1B2M2Y8AsgTpgAmY7PhCfg=="}, "Service 'reader' lacks the customers:write scope"),
	forbidden("write-only service on a read route", authCase{service: "writer"},
		"Service 'writer' lacks the customers:read scope"),
	forbidden("write-only service on HEAD", authCase{method: http.MethodHead, service: "writer"},
		"Service 'writer' lacks the customers:read scope"),
	forbidden("service without scopes, read", authCase{service: "noscope"}, "Service 'noscope' lacks the customers:read scope"),
	forbidden("service without scopes, write", authCase{service: "noscope", scope: hmacauth.ScopeWrite},
		"Service 'noscope' lacks the customers:write scope"),
	forbidden("missing scope beats repeated Content-MD5", authCase{method: http.MethodPost, scope: hmacauth.ScopeWrite,
		contentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==",
		signOver:   func(r *hmacauth.Request) { r.ContentMD5 = "1B2M2Y8AsgTpgAmY7PhCfg==,1B2M2Y8AsgTpgAmY7PhCfg==" },
		edit:       repeat(hMD5)}, "Service 'reader' lacks the customers:write scope"),
}

func TestVerify(t *testing.T) {
	v := hmacauth.NewVerifier(testCreds, fixedClock)
	for _, tc := range verifyCases {
		t.Run(tc.name, func(t *testing.T) {
			scope := tc.scope
			if scope == "" {
				scope = hmacauth.ScopeRead
			}
			id, err := v.Verify(context.Background(), tc.build(t), scope)
			tc.check(t, id, err)
		})
	}
}

func TestVerifyExpiredMessageGivesServerTime(t *testing.T) {
	for _, now := range []time.Time{time.Unix(nowUnix, 0), time.Unix(1234567890, 0).In(time.FixedZone("X", 3600))} {
		v := hmacauth.NewVerifier(testCreds, func() time.Time { return now })
		c := authCase{offset: now.Unix() - nowUnix - 301}
		_, err := v.Verify(context.Background(), c.build(t), hmacauth.ScopeRead)
		var apiErr *apierror.Error
		if !errors.As(err, &apiErr) || apiErr.Code != "REQUEST_EXPIRED" || apiErr.Status != 401 {
			t.Fatalf("now %d: Verify = %v, want 401 REQUEST_EXPIRED", now.Unix(), err)
		}
		if want := strconv.FormatInt(now.Unix(), 10); !strings.Contains(apiErr.Message, want) {
			t.Errorf("message %q does not give the server time %s", apiErr.Message, want)
		}
	}
}

func TestVerifyUnknownServiceAndBadSignatureLookAlike(t *testing.T) {
	v := hmacauth.NewVerifier(testCreds, fixedClock)
	_, errUnknown := v.Verify(context.Background(), authCase{service: "ghost"}.build(t), hmacauth.ScopeRead)
	_, errWrong := v.Verify(context.Background(), authCase{secret: "wrong"}.build(t), hmacauth.ScopeRead)
	var a, b *apierror.Error
	if !errors.As(errUnknown, &a) || !errors.As(errWrong, &b) {
		t.Fatalf("errors %v, %v are not *apierror.Error", errUnknown, errWrong)
	}
	// The string to sign names the service each claimed; the rest is alike.
	for _, c := range []struct {
		e       *apierror.Error
		service string
	}{{a, "ghost"}, {b, "reader"}} {
		want, err := hmacauth.StringToSign(hmacauth.Request{Timestamp: nowString, ServiceID: c.service, Method: "GET", Path: customerID})
		if err != nil || c.e.StringToSign != want {
			t.Errorf("%s: stringToSign %q, want the client's own %q (%v)", c.service, c.e.StringToSign, want, err)
		}
	}
	a.StringToSign, b.StringToSign = "", ""
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("unknown service answered %+v, wrong signature %+v: they must be identical", *a, *b)
	}
}

// Every signature check computes two HMACs, whether the service is unknown
// or has one secret or two, so that timing tells nothing.
func TestVerifyCostsTheSameForEveryService(t *testing.T) {
	v := hmacauth.NewVerifier(testCreds, fixedClock)
	for _, service := range []string{"ghost", "reader", "rotating"} {
		r := authCase{service: service, secret: "wrong"}.build(t)
		count, stop := hmacauth.CountMACs()
		v.Verify(context.Background(), r, hmacauth.ScopeRead)
		n := count()
		stop()
		if n != 2 {
			t.Errorf("%s: %d HMACs, want 2", service, n)
		}
	}
}

// Version 1.1: If-Match and Idempotency-Key are signed when sent; a request
// whose signature does not cover them as sent is refused.
func TestVerifySignedHeaders(t *testing.T) {
	str := func(s string) *string { return &s }
	set := func(name, value string) func(h http.Header) { return func(h http.Header) { h.Set(name, value) } }
	sign := func(ifMatch, key *string) func(r *hmacauth.Request) {
		return func(r *hmacauth.Request) { r.IfMatch, r.IdempotencyKey = ifMatch, key }
	}
	bad := func(name string, signOver func(*hmacauth.Request), edit func(http.Header)) authCase {
		return authCase{name: name, service: "writer", method: http.MethodPut, scope: hmacauth.ScopeWrite, signOver: signOver, edit: edit,
			wantStatus: 401, wantCode: "INVALID_SIGNATURE", wantMsg: msgBadSignature}
	}
	good := func(name string, signOver func(*hmacauth.Request), edit func(http.Header)) authCase {
		return authCase{name: name, service: "writer", method: http.MethodPut, scope: hmacauth.ScopeWrite, signOver: signOver, edit: edit}
	}
	for _, c := range []authCase{
		good("If-Match signed", sign(str(`"3"`), nil), set("If-Match", `"3"`)),
		good("Idempotency-Key signed", sign(nil, str("key-1")), set("Idempotency-Key", "key-1")),
		good("both signed", sign(str("*"), str("key-1")), func(h http.Header) { h.Set("If-Match", "*"); h.Set("Idempotency-Key", "key-1") }),
		good("a value signed trimmed", sign(str(`"3"`), nil), set("If-Match", ` "3"  `)),
		good("an empty If-Match signed", sign(str(""), nil), set("If-Match", "")),
		good("a repeated If-Match signed joined", sign(str(`"1","2"`), nil), func(h http.Header) { h.Add("If-Match", `"1"`); h.Add("If-Match", `"2"`) }),
		bad("If-Match sent, not signed", nil, set("If-Match", `"3"`)),
		bad("If-Match signed, removed", sign(str(`"3"`), nil), nil),
		bad("If-Match signed, set to *", sign(str(`"3"`), nil), set("If-Match", "*")),
		bad("If-Match signed, set to another tag", sign(str(`"3"`), nil), set("If-Match", `"4"`)),
		bad("an empty If-Match not signed", nil, set("If-Match", "")),
		bad("Idempotency-Key sent, not signed", nil, set("Idempotency-Key", "key-1")),
		bad("Idempotency-Key signed, removed", sign(nil, str("key-1")), nil),
		bad("Idempotency-Key signed, changed", sign(nil, str("key-1")), set("Idempotency-Key", "key-2")),
		bad("the headers' lines swapped", sign(str("key-1"), str(`"3"`)), func(h http.Header) { h.Set("If-Match", `"3"`); h.Set("Idempotency-Key", "key-1") }),
	} {
		t.Run(c.name, func(t *testing.T) {
			v := hmacauth.NewVerifier(testCreds, fixedClock)
			r := c.build(t)
			id, err := v.Verify(context.Background(), r, c.scope)
			c.check(t, id, err)
			var e *apierror.Error
			if errors.As(err, &e) {
				want, _ := hmacauth.StringToSign(hmacauth.Request{Timestamp: nowString, ServiceID: "writer", Method: http.MethodPut, Path: customerID,
					IfMatch: hmacauth.SignedHeader(r.Header, "If-Match"), IdempotencyKey: hmacauth.SignedHeader(r.Header, "Idempotency-Key")})
				if e.StringToSign != want {
					t.Errorf("stringToSign %q, want the string of what was sent %q", e.StringToSign, want)
				}
			}
		})
	}
}

func TestVerifyHeaderNamesCaseInsensitive(t *testing.T) {
	v := hmacauth.NewVerifier(testCreds, fixedClock)
	body := []byte(kaPostBody)
	md5 := hmacauth.ContentMD5(body)
	sig, err := hmacauth.Signature("writer-secret", hmacauth.Request{
		Timestamp: nowString, ServiceID: "writer", Method: "POST", Path: "/xcloud/v1/customers", ContentMD5: md5,
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Header.Set with lower-case names", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/xcloud/v1/customers", strings.NewReader(kaPostBody))
		req.Header.Set("x-xcloud-service-id", "writer")
		req.Header.Set("x-xcloud-timestamp", nowString)
		req.Header.Set("x-xcloud-signature", sig)
		req.Header.Set("content-md5", md5)
		if id, err := v.Verify(context.Background(), req, hmacauth.ScopeWrite); err != nil || id != "writer" {
			t.Fatalf("Verify = %q, %v; want writer, nil", id, err)
		}
	})
	t.Run("Header.Set with upper-case names", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/xcloud/v1/customers", strings.NewReader(kaPostBody))
		req.Header.Set("X-XCLOUD-SERVICE-ID", "writer")
		req.Header.Set("X-XCLOUD-TIMESTAMP", nowString)
		req.Header.Set("X-XCLOUD-SIGNATURE", sig)
		req.Header.Set("CONTENT-MD5", md5)
		if id, err := v.Verify(context.Background(), req, hmacauth.ScopeWrite); err != nil || id != "writer" {
			t.Fatalf("Verify = %q, %v; want writer, nil", id, err)
		}
	})
	t.Run("lower-case names on the wire", func(t *testing.T) {
		raw := "POST /xcloud/v1/customers HTTP/1.1\r\nHost: api\r\n" +
			"x-xcloud-service-id: writer\r\nx-xcloud-timestamp: " + nowString + "\r\n" +
			"x-xcloud-signature: " + sig + "\r\ncontent-md5: " + md5 + "\r\n" +
			"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + kaPostBody
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if id, err := v.Verify(context.Background(), req, hmacauth.ScopeWrite); err != nil || id != "writer" {
			t.Fatalf("Verify = %q, %v; want writer, nil", id, err)
		}
	})
	t.Run("the same header in two cases on the wire is repeated", func(t *testing.T) {
		raw := "GET /xcloud/v1/customers HTTP/1.1\r\nHost: api\r\n" +
			"X-XCloud-Service-Id: reader\r\nx-xcloud-service-id: reader\r\nx-xcloud-timestamp: " + nowString + "\r\n" +
			"x-xcloud-signature: " + sig + "\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(context.Background(), req, hmacauth.ScopeRead)
		var apiErr *apierror.Error
		if !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Code != "INVALID_AUTHENTICATION" {
			t.Fatalf("Verify = %v, want 401 INVALID_AUTHENTICATION", err)
		}
	})
}

// countingSource is a CredentialSource that counts calls and may fail.
type countingSource struct {
	calls atomic.Int32
	err   error
}

func (s *countingSource) Get(context.Context) (hmacauth.Credentials, error) {
	s.calls.Add(1)
	if s.err != nil {
		return nil, s.err
	}
	return testCreds, nil
}

func TestVerifyCredentialSourceError(t *testing.T) {
	t.Run("unavailable source", func(t *testing.T) {
		src := &countingSource{err: wrapUnavailable("fetch secret credentials: throttled")}
		v := hmacauth.NewVerifier(src, fixedClock)
		id, err := v.Verify(context.Background(), authCase{}.build(t), hmacauth.ScopeRead)
		if err == nil || id != "" {
			t.Fatalf("Verify = %q, %v; want an error", id, err)
		}
		if !errors.Is(err, apierror.ErrUnavailable) {
			t.Fatalf("error %v does not wrap apierror.ErrUnavailable", err)
		}
		var apiErr *apierror.Error
		if errors.As(err, &apiErr) {
			t.Fatalf("a credentials failure became a client error %+v", *apiErr)
		}
		if src.calls.Load() != 1 {
			t.Fatalf("source called %d times, want 1", src.calls.Load())
		}
	})
	t.Run("other source error is wrapped, not a client error", func(t *testing.T) {
		boom := errors.New("boom")
		v := hmacauth.NewVerifier(&countingSource{err: boom}, fixedClock)
		_, err := v.Verify(context.Background(), authCase{}.build(t), hmacauth.ScopeRead)
		if !errors.Is(err, boom) {
			t.Fatalf("error %v does not wrap the source's error", err)
		}
		if errors.Is(err, apierror.ErrUnavailable) {
			t.Fatalf("error %v claims ErrUnavailable", err)
		}
		var apiErr *apierror.Error
		if errors.As(err, &apiErr) {
			t.Fatalf("a credentials failure became a client error %+v", *apiErr)
		}
	})
	// The checks before the signature need no credentials: a failing source
	// must not turn a 401 into a 503.
	for _, tc := range []authCase{
		missing("missing header, source down", del(hSig)),
		malformed("malformed header, source down", authCase{service: "bad id"}),
		expired("expired, source down", authCase{offset: -301}),
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := hmacauth.NewVerifier(&countingSource{err: wrapUnavailable("down")}, fixedClock)
			id, err := v.Verify(context.Background(), tc.build(t), hmacauth.ScopeRead)
			tc.check(t, id, err)
		})
	}
}

func wrapUnavailable(msg string) error {
	return &wrapped{msg: msg, err: apierror.ErrUnavailable}
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg + ": " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestNewVerifierNilClockUsesTimeNow(t *testing.T) {
	v := hmacauth.NewVerifier(testCreds, nil)
	req := httptest.NewRequest(http.MethodGet, customerID, nil)
	if err := (hmacauth.Signer{ServiceID: "reader", Secret: "reader-secret"}).Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	if id, err := v.Verify(context.Background(), req, hmacauth.ScopeRead); err != nil || id != "reader" {
		t.Fatalf("Verify = %q, %v; want reader, nil", id, err)
	}
}
