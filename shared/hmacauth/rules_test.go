package hmacauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/apierror"
)

type matchCase struct {
	name string
	in   string
	want bool
}

var sig64 = strings.Repeat("0123456789abcdef", 4)

var serviceIDCases = []matchCase{
	{"1 character", "a", true},
	{"64 characters", strings.Repeat("a", 64), true},
	{"65 characters", strings.Repeat("a", 65), false},
	{"63 characters and a space", strings.Repeat("a", 63) + " ", false},
	{"every class", "svc.A_b-9", true},
	{"dot only", ".", true},
	{"dots", "..", true},
	{"dash only", "-", true},
	{"underscore only", "_", true},
	{"empty", "", false},
	{"inner space", "svc writer", false},
	{"leading space", " svc", false},
	{"trailing space", "svc ", false},
	{"trailing newline", "svc\n", false},
	{"64 characters and a newline", strings.Repeat("a", 64) + "\n", false},
	{"slash", "a/b", false},
	{"colon", "svc:x", false},
	{"plus", "svc+x", false},
	{"bang", "b!", false},
	{"NUL", "svc\x00", false},
	{"non-ASCII letter", "sv\u00e7", false},
	{"Kelvin sign", "\u212a", false},
	{"full-width letter", "\uff21", false},
	{"invalid UTF-8", "svc\xff", false},
}

var timestampCases = []matchCase{
	{"zero", "0", true},
	{"now", "1700000000", true},
	{"leading zeros", "0001700000000", true},
	{"longer than int64", strings.Repeat("9", 30), true},
	{"empty", "", false},
	{"negative", "-1", false},
	{"plus sign", "+1", false},
	{"leading space", " 1700000000", false},
	{"trailing space", "1700000000 ", false},
	{"trailing newline", "1700000000\n", false},
	{"decimal point", "1700000000.0", false},
	{"exponent", "1.7e9", false},
	{"hex", "0x1", false},
	{"underscore", "1_700_000_000", false},
	{"Arabic-Indic digit", "\u0660", false},
	{"full-width digit", "\uff11", false},
	{"invalid UTF-8", "1\xff", false},
}

var signatureCases = []matchCase{
	{"64 hex digits", sig64, true},
	{"all zero", strings.Repeat("0", 64), true},
	{"all f", strings.Repeat("f", 64), true},
	{"63 hex digits", sig64[:63], false},
	{"65 hex digits", sig64 + "0", false},
	{"empty", "", false},
	{"upper case", strings.ToUpper(sig64), false},
	{"one upper-case digit", sig64[:63] + "A", false},
	{"g", sig64[:63] + "g", false},
	{"trailing newline", sig64 + "\n", false},
	{"63 and a newline", sig64[:63] + "\n", false},
	{"leading space", " " + sig64[1:], false},
	{"trailing space", sig64[:63] + " ", false},
	{"0x prefix", "0x" + sig64[:62], false},
	{"non-ASCII", sig64[:62] + "\u00e9", false},
	{"full-width digit", sig64[:61] + "\uff11", false},
	{"invalid UTF-8", sig64[:63] + "\xff", false},
}

// The edge cases of the header rules: lengths at and past each bound, signs,
// case, white space and characters that only look allowed.
func TestRules(t *testing.T) {
	for _, rule := range []struct {
		name  string
		match func(string) bool
		cases []matchCase
	}{{"ValidServiceID", ValidServiceID, serviceIDCases}, {"timestamp", timestampShape().MatchString, timestampCases}, {"signature", signatureShape().MatchString, signatureCases}} {
		for _, c := range rule.cases {
			if got := rule.match(c.in); got != c.want {
				t.Errorf("%s(%q) (%s) = %v, want %v", rule.name, c.in, c.name, got, c.want)
			}
		}
	}
}

// TestServiceIDRuleMessages pins the messages that quote serviceIDRule: they
// used to be built from the compiled pattern and a literal.
func TestServiceIDRuleMessages(t *testing.T) {
	_, err := ParseCredentials([]byte(`{"bad id":{"secrets":["s"],"scopes":[]}}`))
	const wantParse = `credentials: service id "bad id" does not match ^[A-Za-z0-9._-]{1,64}$`
	if err == nil || err.Error() != wantParse {
		t.Errorf("ParseCredentials error = %v, want %q", err, wantParse)
	}

	r := httptest.NewRequest(http.MethodGet, "/xcloud/v1/customers", nil)
	r.Header.Set(HeaderServiceID, "bad id")
	r.Header.Set(HeaderTimestamp, "1700000000")
	r.Header.Set(HeaderSignature, sig64)
	_, err = NewVerifier(Credentials{}, nil).Verify(context.Background(), r, ScopeRead)
	const wantVerify = "X-XCloud-Service-Id must match ^[A-Za-z0-9._-]{1,64}$"
	var e *apierror.Error
	if !errors.As(err, &e) || e.Code != apierror.CodeInvalidAuthentication || e.Message != wantVerify {
		t.Errorf("Verify error = %v, want %s with message %q", err, apierror.CodeInvalidAuthentication, wantVerify)
	}
}
