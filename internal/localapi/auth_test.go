package localapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every row of the contract's authentication table, on a read and on a
// write route, in the contract's order of checks; none may write.
func TestAuthenticationFailures(t *testing.T) {
	e := newEnv(t)
	e.register(cid(1), "ACTIVE")
	now := time.Now().Unix()
	good := sign(http.MethodGet, base, "", nil, writer, secret, now)

	type tc struct {
		name   string
		req    request
		status int
		code   string
	}
	get := func(r request) request { r.method, r.path = http.MethodGet, base+"/"+cid(1); return r }
	post := func(r request) request {
		r.method, r.path, r.body = http.MethodPost, base, minimal(cid(2), "ACTIVE")
		return r
	}
	cases := []tc{
		{"no headers", get(request{unsigned: true}), 401, "MISSING_AUTHENTICATION"},
		{"no service id", get(request{header: map[string]string{"X-XCloud-Service-Id": ""}}), 401, "MISSING_AUTHENTICATION"},
		{"no timestamp", get(request{header: map[string]string{"X-XCloud-Timestamp": ""}}), 401, "MISSING_AUTHENTICATION"},
		{"no signature", get(request{header: map[string]string{"X-XCloud-Signature": ""}}), 401, "MISSING_AUTHENTICATION"},
		{"missing beats malformed", get(request{header: map[string]string{"X-XCloud-Signature": "", "X-XCloud-Timestamp": "soon"}}), 401, "MISSING_AUTHENTICATION"},
		{"bad service id", get(request{header: map[string]string{"X-XCloud-Service-Id": "svc writer"}}), 401, "INVALID_AUTHENTICATION"},
		{"long service id", get(request{header: map[string]string{"X-XCloud-Service-Id": strings.Repeat("s", 65)}}), 401, "INVALID_AUTHENTICATION"},
		{"timestamp not digits", get(request{header: map[string]string{"X-XCloud-Timestamp": "1700000000.5"}}), 401, "INVALID_AUTHENTICATION"},
		{"timestamp negative", get(request{header: map[string]string{"X-XCloud-Timestamp": "-1"}}), 401, "INVALID_AUTHENTICATION"},
		{"signature upper case", get(request{header: map[string]string{"X-XCloud-Signature": strings.ToUpper(good["X-XCloud-Signature"])}}), 401, "INVALID_AUTHENTICATION"},
		{"signature short", get(request{header: map[string]string{"X-XCloud-Signature": good["X-XCloud-Signature"][:63]}}), 401, "INVALID_AUTHENTICATION"},
		{"repeated timestamp", get(request{addHeader: [][2]string{{"X-XCloud-Timestamp", strconv.FormatInt(now, 10)}}}), 401, "INVALID_AUTHENTICATION"},
		{"repeated service id", get(request{addHeader: [][2]string{{"X-XCloud-Service-Id", writer}}}), 401, "INVALID_AUTHENTICATION"},
		{"repeated signature", get(request{addHeader: [][2]string{{"X-XCloud-Signature", good["X-XCloud-Signature"]}}}), 401, "INVALID_AUTHENTICATION"},
		{"malformed beats expired", get(request{skew: -1000, header: map[string]string{"X-XCloud-Service-Id": "a b"}}), 401, "INVALID_AUTHENTICATION"},
		{"301 s old", get(request{skew: -301}), 401, "REQUEST_EXPIRED"},
		{"301 s ahead", get(request{skew: 301}), 401, "REQUEST_EXPIRED"},
		{"expired beats bad signature", get(request{skew: -1000, secret: "wrong", service: writer}), 401, "REQUEST_EXPIRED"},
		{"unknown service", get(request{service: "svc-unknown", secret: secret}), 401, "INVALID_SIGNATURE"},
		{"wrong secret", get(request{service: writer, secret: "wrong"}), 401, "INVALID_SIGNATURE"},
		{"signature of another path", get(request{header: map[string]string{"X-XCloud-Signature": good["X-XCloud-Signature"]}}), 401, "INVALID_SIGNATURE"},
		{"bad signature beats scope", get(request{service: writeOnly, secret: "wrong"}), 401, "INVALID_SIGNATURE"},
		{"read without read scope", get(request{service: writeOnly, secret: woSecret}), 403, "FORBIDDEN"},
		{"write without write scope", post(request{service: reader, secret: readSecret}), 403, "FORBIDDEN"},
		{"scope beats Content-MD5", post(request{unsigned: true, header: signLines(reader, readSecret, http.MethodPost, base, "", now)}), 403, "FORBIDDEN"},
		{"POST unsigned", post(request{unsigned: true}), 401, "MISSING_AUTHENTICATION"},
		{"POST body altered", post(request{header: map[string]string{"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}}), 401, "INVALID_SIGNATURE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.unchanged(func() {
				m := expectError(t, e.do(c.req), c.status, c.code)
				if c.code == "REQUEST_EXPIRED" && !strings.Contains(m["message"].(string), "server time") {
					t.Errorf("message does not give the server time: %v", m["message"])
				}
			})
		})
	}
}

// Content-MD5 checks follow authentication: the header is signed, so these
// requests sign the bad header values themselves.
func TestContentMD5Failures(t *testing.T) {
	e := newEnv(t)
	body := minimal(cid(1), "ACTIVE")
	for _, c := range []struct {
		name, md5, code string
	}{
		{"missing", "", "MISSING_CONTENT_MD5"},
		{"not base64", "not base64!", "INVALID_CONTENT_MD5"},
		{"unpadded", "1B2M2Y8AsgTpgAmY7PhCfg", "INVALID_CONTENT_MD5"},
		{"15 bytes", "AAAAAAAAAAAAAAAAAAAA", "INVALID_CONTENT_MD5"},
		{"hex instead of base64", "d41d8cd98f00b204e9800998ecf8427e", "INVALID_CONTENT_MD5"},
		{"another body's", "1B2M2Y8AsgTpgAmY7PhCfg==", "CONTENT_MD5_MISMATCH"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			ts := time.Now().Unix()
			h := signLines(writer, secret, http.MethodPost, base, c.md5, ts)
			e.unchanged(func() {
				expectError(t, e.do(request{method: http.MethodPost, path: base, body: body, unsigned: true, header: h}), 400, c.code)
			})
		})
	}
}

// signLines signs a request with a chosen Content-MD5 line, sending that
// value as the header unless it is empty.
func signLines(service, key, method, path, md5 string, ts int64) map[string]string {
	h := map[string]string{"X-XCloud-Service-Id": service, "X-XCloud-Timestamp": strconv.FormatInt(ts, 10),
		"X-XCloud-Signature": hmacHex(key, strings.Join([]string{"XCLOUD-HMAC-SHA256", strconv.FormatInt(ts, 10), service, method, path, "", md5}, "\n"))}
	if md5 != "" {
		h["Content-MD5"] = md5
	}
	return h
}

func TestRotationAcceptsEitherSecretAndQueryIsSigned(t *testing.T) {
	e := newEnv(t)
	for i, s := range []string{secret, nextSecret} {
		r := e.do(request{method: http.MethodPost, path: base, body: minimal(cid(i), "ACTIVE"), secret: s, service: writer})
		if r.status != http.StatusCreated {
			t.Errorf("secret %s: %d %s", s, r.status, r.body)
		}
	}
	r := e.do(request{method: http.MethodGet, path: base, query: "status=ACTIVE&limit=10"})
	if r.status != http.StatusOK {
		t.Errorf("signed query: %d %s", r.status, r.body)
	}
	// The query is covered: a signature over another query fails.
	h := sign(http.MethodGet, base, "limit=10", nil, writer, secret, time.Now().Unix())
	expectError(t, e.do(request{method: http.MethodGet, path: base, query: "limit=11", unsigned: true, header: h}), 401, "INVALID_SIGNATURE")
	// Header names are case-insensitive.
	h = sign(http.MethodGet, base, "", nil, writer, secret, time.Now().Unix())
	lower := map[string]string{}
	for k, v := range h {
		lower[strings.ToLower(k)] = v
	}
	if r := e.do(request{method: http.MethodGet, path: base, unsigned: true, header: lower}); r.status != http.StatusOK {
		t.Errorf("lower-case header names: %d %s", r.status, r.body)
	}
}
