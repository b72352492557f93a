package hmacauth

import (
	"context"
	"errors"
	"github.com/xcloud/customers/internal/matchtest"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/apierror"
)

// The rules the hand-written matchers replace, compiled here only, to check
// that the matchers accept exactly the same strings.
var (
	serviceIDRegexp = regexp.MustCompile(serviceIDRule)
	timestampRegexp = regexp.MustCompile(`^[0-9]+$`)
	signatureRegexp = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

type matchCase struct {
	name string
	in   string
	want bool
}

func (c matchCase) Case() matchtest.Case { return matchtest.Case{Name: c.name, In: c.in, Want: c.want} }

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

func TestValidServiceIDMatchesRule(t *testing.T) {
	matchtest.Check(t, ValidServiceID, serviceIDRegexp, matchtest.Cases(serviceIDCases), func(r *rand.Rand) string {
		return run(r, alnumChars+"._-", 0, 66)
	})
}

func TestValidTimestampMatchesRule(t *testing.T) {
	matchtest.Check(t, validTimestamp, timestampRegexp, matchtest.Cases(timestampCases), func(r *rand.Rand) string {
		return pick(r, "", "", "", "", "+", "-", " ") + run(r, digitChars, 0, 12) + pick(r, "", "", "", "", "\n", " ")
	})
}

func TestValidSignatureMatchesRule(t *testing.T) {
	matchtest.Check(t, validSignature, signatureRegexp, matchtest.Cases(signatureCases), func(r *rand.Rand) string {
		return run(r, hexChars, 62, 66)
	})
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

// strays are characters that no rule allows, or that only some do: space and
// control characters, upper-case and non-hex letters, non-ASCII letters and
// digits (the Kelvin sign folds to 'k' under (?i) only), invalid UTF-8, and
// punctuation.
var strays = []string{" ", "\n", "\t", "\x00", "\xff", "A", "F", "g", "z", "\u00e9", "\u0660", "\uff11", "\u212a", "/", ":", "+", ".", "_", "-"}

// run returns lo to hi characters from good, with the odd stray.
func run(r *rand.Rand, good string, lo, hi int) string {
	return matchtest.Run(r, good, strays, lo, hi)
}

var pick = matchtest.Pick

const (
	digitChars = "0123456789"
	hexChars   = digitChars + "abcdef"
	alnumChars = digitChars + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
