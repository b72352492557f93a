package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/xcloud/customers/shared/apierror"
)

// The contract's error codes, as Error.Code holds them.
const (
	CodeMissingAuthentication = apierror.CodeMissingAuthentication
	CodeInvalidAuthentication = apierror.CodeInvalidAuthentication
	CodeRequestExpired        = apierror.CodeRequestExpired
	CodeInvalidSignature      = apierror.CodeInvalidSignature
	CodeForbidden             = apierror.CodeForbidden
	CodeMissingContentMD5     = apierror.CodeMissingContentMD5
	CodeInvalidContentMD5     = apierror.CodeInvalidContentMD5
	CodeContentMD5Mismatch    = apierror.CodeContentMD5Mismatch
	CodeInvalidJSON           = apierror.CodeInvalidJSON
	CodeValidation            = apierror.CodeValidation
	CodePayloadTooLarge       = apierror.CodePayloadTooLarge
	CodeUnsupportedMediaType  = apierror.CodeUnsupportedMediaType
	CodeCustomerExists        = apierror.CodeCustomerExists
	CodeCustomerNotFound      = apierror.CodeCustomerNotFound
	CodePreconditionFailed    = apierror.CodePreconditionFailed
	CodeInvalidIdempotencyKey = apierror.CodeInvalidIdempotencyKey
	CodeIdempotencyKeyReused  = apierror.CodeIdempotencyKeyReused
	CodeServiceUnavailable    = apierror.CodeServiceUnavailable
	CodeInternal              = apierror.CodeInternal
)

// FieldError names one invalid field of a VALIDATION_ERROR by its dot path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error response of the API. Code is empty when the response
// had no contract error body: a HEAD response (which has no body), or an
// answer of API Gateway itself such as {"message":"Not Found"} for an
// unknown route.
type Error struct {
	StatusCode int          `json:"status"`
	Code       string       `json:"error,omitempty"`
	Message    string       `json:"message"`
	RequestID  string       `json:"requestId,omitempty"`
	CustomerID string       `json:"customerId,omitempty"`
	Fields     []FieldError `json:"fields,omitempty"`
	// StringToSign is, for INVALID_SIGNATURE, the string the server signed:
	// compare it with the one the client signed (StringToSign of package
	// hmacauth) to find the difference.
	StringToSign string `json:"stringToSign,omitempty"`
	// RetryAfter is the response's Retry-After, zero when absent.
	RetryAfter time.Duration `json:"-"`
	// Method and Path name the request that failed.
	Method string `json:"-"`
	Path   string `json:"-"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "xcloud: %s %s: %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(":")
		} else {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s %s", f.Field, f.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// newError reads an error response whose body (possibly empty) is body.
func newError(resp *http.Response, body []byte) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("X-Request-Id"),
		Method:     resp.Request.Method,
		Path:       resp.Request.URL.Path,
	}
	var wire struct {
		Error        string       `json:"error"`
		Message      string       `json:"message"`
		RequestID    string       `json:"requestId"`
		CustomerID   string       `json:"customerId"`
		Fields       []FieldError `json:"fields"`
		StringToSign string       `json:"stringToSign"`
	}
	if len(body) > 0 && json.Unmarshal(body, &wire) == nil {
		e.Code, e.Message, e.CustomerID, e.Fields = wire.Error, wire.Message, wire.CustomerID, wire.Fields
		e.StringToSign = wire.StringToSign
		if wire.RequestID != "" {
			e.RequestID = wire.RequestID
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// StatusCode is the HTTP status of the *Error in err's chain, 0 when there is
// none (a network error, a cancelled context).
func StatusCode(err error) int {
	if e := AsError(err); e != nil {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports a 404: the customer does not exist.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports a 409: the customer id is already registered.
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsPreconditionFailed reports a 412: If-Match was not the current ETag.
func IsPreconditionFailed(err error) bool {
	return StatusCode(err) == http.StatusPreconditionFailed
}

// IsValidation reports a 400, 413 or 415: the request itself was wrong (bad
// JSON, invalid fields, bad query, too large, not JSON). Error.Fields names
// every invalid field of a VALIDATION_ERROR.
func IsValidation(err error) bool {
	switch StatusCode(err) {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return true
	}
	return false
}

// IsUnauthenticated reports a 401: missing, malformed, expired or wrong
// signature (a wrong secret or unknown service id).
func IsUnauthenticated(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsForbidden reports a 403: the service lacks the route's scope.
func IsForbidden(err error) bool { return StatusCode(err) == http.StatusForbidden }

// IsUnavailable reports a 429 or 503 that outlasted the retries.
func IsUnavailable(err error) bool {
	s := StatusCode(err)
	return s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable
}
