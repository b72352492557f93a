package hmacauth

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xcloud/customers/shared/apierror"
)

// MaxSkew is how far a request's timestamp may be from the server's clock.
const MaxSkew = 300 * time.Second

// The shapes of the timestamp and signature headers. strconv.ParseInt alone
// would also take a sign, and hex.DecodeString upper case.
var (
	timestampShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]+$`) })
	signatureShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{64}$`) })
)

// CredentialSource yields the current credentials document.
type CredentialSource interface {
	Get(ctx context.Context) (Credentials, error)
}

// Verifier checks XCLOUD-HMAC-SHA256 signatures.
type Verifier struct {
	source CredentialSource
	now    func() time.Time
}

// NewVerifier returns a Verifier that reads credentials from source and the
// time from now (nil means time.Now).
func NewVerifier(source CredentialSource, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{source: source, now: now}
}

// Verify runs the contract's header, time, signature and scope checks, in
// the contract's order, and returns the calling service's id. A failure is an
// *apierror.Error, or an error wrapping apierror.ErrUnavailable when the
// credentials cannot be loaded. Content-MD5 against the body is checked
// separately, by CheckContentMD5, once the body is read.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, scope Scope) (string, error) {
	serviceID, okID, presentID := single(r.Header, HeaderServiceID)
	timestamp, okTS, presentTS := single(r.Header, HeaderTimestamp)
	signature, okSig, presentSig := single(r.Header, HeaderSignature)
	if !presentID || !presentTS || !presentSig {
		return "", apierror.New(http.StatusUnauthorized, apierror.CodeMissingAuthentication,
			fmt.Sprintf("Requests must carry the %s, %s and %s headers", HeaderServiceID, HeaderTimestamp, HeaderSignature))
	}
	switch {
	case !okID || !okTS || !okSig:
		return "", invalidAuth("An authentication header is repeated")
	case !ValidServiceID(serviceID):
		return "", invalidAuth(HeaderServiceID + " must match " + serviceIDRule)
	case !timestampShape().MatchString(timestamp):
		return "", invalidAuth(HeaderTimestamp + " must be Unix time in whole seconds, decimal digits only")
	case !signatureShape().MatchString(signature):
		return "", invalidAuth(HeaderSignature + " must be 64 lowercase hex digits")
	}
	// Content-MD5 is checked after the signature and the scope, in the
	// contract's order. A repeated one is signed as payload 2.0 carries it:
	// the values joined with commas.
	contentMD5 := strings.Join(r.Header.Values(HeaderContentMD5), ",")

	now := v.now()
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ts < now.Add(-MaxSkew).Unix() || ts > now.Add(MaxSkew).Unix() {
		return "", apierror.New(http.StatusUnauthorized, apierror.CodeRequestExpired, fmt.Sprintf(
			"Request timestamp is more than %d seconds from the server time %d (%s)",
			int(MaxSkew.Seconds()), now.Unix(), now.UTC().Format(time.RFC3339)))
	}

	creds, err := v.source.Get(ctx)
	if err != nil {
		return "", fmt.Errorf("load service credentials: %w", err)
	}
	want, err := hex.DecodeString(signature)
	if err != nil { // unreachable after validSignature; kept for safety
		return "", invalidAuth(HeaderSignature + " must be 64 lowercase hex digits")
	}
	sts, err := StringToSign(Request{
		Timestamp: timestamp, ServiceID: serviceID, Method: r.Method,
		Path: r.URL.Path, RawQuery: r.URL.RawQuery, ContentMD5: contentMD5,
		IfMatch:        SignedHeader(r.Header, HeaderIfMatch),
		IdempotencyKey: SignedHeader(r.Header, HeaderIdempotencyKey),
	})
	if err != nil {
		return "", invalidAuth("The query string is not valid percent-encoding")
	}
	svc, known := creds[serviceID]
	if !matchesAny(svc.Secrets, known, sts, want) {
		e := apierror.New(http.StatusUnauthorized, apierror.CodeInvalidSignature,
			"The signature does not match, or the service is unknown")
		e.StringToSign = sts
		return "", e
	}
	if !svc.has(scope) {
		return "", apierror.New(http.StatusForbidden, apierror.CodeForbidden,
			fmt.Sprintf("Service '%s' lacks the %s scope", serviceID, scope))
	}
	return serviceID, nil
}

// maxSecrets is how many secrets a service may have at once (rotation).
const maxSecrets = 2

// unknownServiceSecret stands in for the secrets a service does not have,
// so that response timing does not tell which ids exist or how many
// secrets each has.
const unknownServiceSecret = "xcloud-unknown-service"

// matchesAny computes maxSecrets HMACs whatever the service, and compares
// every one, not stopping at the first match.
func matchesAny(secrets []string, known bool, stringToSign string, want []byte) bool {
	match := false
	for i := range maxSecrets {
		secret, real := unknownServiceSecret, known && i < len(secrets)
		if real {
			secret = secrets[i]
		}
		if hmac.Equal(mac(secret, stringToSign), want) && real {
			match = true
		}
	}
	return match
}

func invalidAuth(msg string) *apierror.Error {
	return apierror.New(http.StatusUnauthorized, apierror.CodeInvalidAuthentication, msg)
}

// single returns a header's one value; ok is false when it is repeated.
func single(h http.Header, name string) (value string, ok, present bool) {
	vs := h.Values(name)
	switch len(vs) {
	case 0:
		return "", true, false
	case 1:
		return vs[0], true, true
	default:
		return "", false, true
	}
}

// ParseContentMD5 checks the Content-MD5 header of a POST or PUT and returns
// the digest it names.
func ParseContentMD5(h http.Header) ([md5.Size]byte, error) {
	var digest [md5.Size]byte
	value, ok, present := single(h, HeaderContentMD5)
	if !present {
		return digest, apierror.New(http.StatusBadRequest, apierror.CodeMissingContentMD5,
			"POST and PUT requests must carry Content-MD5: the base64 of the MD5 of the body")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(value)
	if !ok || err != nil || len(raw) != md5.Size {
		return digest, apierror.New(http.StatusBadRequest, apierror.CodeInvalidContentMD5,
			"Content-MD5 must be the standard base64, with padding, of 16 bytes")
	}
	copy(digest[:], raw)
	return digest, nil
}

// CheckContentMD5 compares the digest the header named with the body's.
func CheckContentMD5(want, got [md5.Size]byte) error {
	if !hmac.Equal(want[:], got[:]) {
		return apierror.New(http.StatusBadRequest, apierror.CodeContentMD5Mismatch,
			"Content-MD5 does not match the body")
	}
	return nil
}
