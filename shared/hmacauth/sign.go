// Package hmacauth signs and verifies XCLOUD-HMAC-SHA256 requests as the
// contract describes: the string to sign, the checks in the contract's order
// and the signer that tests, tools and clients use.
package hmacauth

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the first line of every string to sign.
const Algorithm = "XCLOUD-HMAC-SHA256"

// The headers of the scheme.
const (
	HeaderServiceID      = "X-XCloud-Service-Id"
	HeaderTimestamp      = "X-XCloud-Timestamp"
	HeaderSignature      = "X-XCloud-Signature"
	HeaderContentMD5     = "Content-MD5"
	HeaderIfMatch        = "If-Match"
	HeaderIdempotencyKey = "Idempotency-Key"
)

// Request holds the parts of a request that the signature covers.
type Request struct {
	Timestamp  string // X-XCloud-Timestamp as sent
	ServiceID  string
	Method     string
	Path       string // percent-decoded, no stage prefix
	RawQuery   string // as sent; canonicalised by StringToSign
	ContentMD5 string // the header value, or "" when absent
	// IfMatch and IdempotencyKey are the headers' values, when the request
	// carries them (version 1.1): each signs as one more line.
	IfMatch, IdempotencyKey *string
}

// StringToSign joins the seven lines of the contract, then a line for each
// of If-Match and Idempotency-Key the request carries.
func StringToSign(r Request) (string, error) {
	query, err := CanonicalQuery(r.RawQuery)
	if err != nil {
		return "", err
	}
	lines := []string{Algorithm, r.Timestamp, r.ServiceID, strings.ToUpper(r.Method), r.Path, query, r.ContentMD5}
	if r.IfMatch != nil {
		lines = append(lines, "if-match:"+strings.TrimSpace(*r.IfMatch))
	}
	if r.IdempotencyKey != nil {
		lines = append(lines, "idempotency-key:"+strings.TrimSpace(*r.IdempotencyKey))
	}
	return strings.Join(lines, "\n"), nil
}

// SignedHeader is the value a header signs with, nil when the request does
// not carry it: a header sent more than once counts as its values joined by
// ',', as API Gateway joins them.
func SignedHeader(h http.Header, name string) *string {
	values := h.Values(name)
	if len(values) == 0 {
		return nil
	}
	v := strings.Join(values, ",")
	return &v
}

// Signature is the lowercase hex HMAC-SHA256 of the string to sign.
func Signature(secret string, r Request) (string, error) {
	sts, err := StringToSign(r)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(mac(secret, sts)), nil
}

// mac is HMAC-SHA256; a variable so that a test can count its uses.
var mac = func(secret, stringToSign string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return m.Sum(nil)
}

// CanonicalQuery decodes a raw query the way the handlers read it (url
// semantics: "+" is a space) and re-encodes every name and value with RFC 3986
// (space is %20), sorted by encoded name then encoded value, as SigV4 does.
func CanonicalQuery(rawQuery string) (string, error) {
	if rawQuery == "" {
		return "", nil
	}
	var pairs []string
	for piece := range strings.SplitSeq(rawQuery, "&") {
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		n, err := url.QueryUnescape(name)
		if err != nil {
			return "", fmt.Errorf("query parameter name %q: %w", name, err)
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return "", fmt.Errorf("query parameter %q value: %w", n, err)
		}
		pairs = append(pairs, Escape(n)+"="+Escape(v))
	}
	// "name=value" strings sort by name first only if "=" sorts below every
	// character an encoded name holds; it does not ('-' and '.' are lower), so
	// compare the parts.
	slices.SortFunc(pairs, func(a, b string) int {
		an, av, _ := strings.Cut(a, "=")
		bn, bv, _ := strings.Cut(b, "=")
		if c := strings.Compare(an, bn); c != 0 {
			return c
		}
		return strings.Compare(av, bv)
	})
	return strings.Join(pairs, "&"), nil
}

// Escape percent-encodes every byte but RFC 3986's unreserved characters
// (A-Z a-z 0-9 - . _ ~), in upper-case hex, as the signature defines it.
// url.QueryEscape leaves the same characters alone but writes a space as '+'
// (and a '+' as %2B), so its '+' become %20.
func Escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// ContentMD5 is the Content-MD5 header value for a body (RFC 1864).
func ContentMD5(body []byte) string {
	sum := md5.Sum(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Signer signs outgoing requests for one service.
type Signer struct {
	ServiceID string
	Secret    string
	Now       func() time.Time // nil means time.Now
}

// Sign sets the authentication headers on req, whose body is body; POST and
// PUT also get Content-MD5. Set If-Match and Idempotency-Key before signing:
// the signature covers them.
func (s Signer) Sign(req *http.Request, body []byte) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	r := Request{
		Timestamp: strconv.FormatInt(now().Unix(), 10),
		ServiceID: s.ServiceID,
		Method:    req.Method,
		Path:      req.URL.Path,
		RawQuery:  req.URL.RawQuery,

		IfMatch:        SignedHeader(req.Header, HeaderIfMatch),
		IdempotencyKey: SignedHeader(req.Header, HeaderIdempotencyKey),
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		r.ContentMD5 = ContentMD5(body)
		req.Header.Set(HeaderContentMD5, r.ContentMD5)
	}
	sig, err := Signature(s.Secret, r)
	if err != nil {
		return fmt.Errorf("sign %s %s: %w", req.Method, req.URL.Path, err)
	}
	req.Header.Set(HeaderServiceID, r.ServiceID)
	req.Header.Set(HeaderTimestamp, r.Timestamp)
	req.Header.Set(HeaderSignature, sig)
	return nil
}
