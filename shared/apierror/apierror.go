// Package apierror defines the API's error responses: a status, one of the
// contract's error codes, a readable message and the context the contract adds.
package apierror

import (
	"errors"
	"fmt"
	"net/http"
)

// The contract's error codes.
const (
	CodeMissingAuthentication = "MISSING_AUTHENTICATION"
	CodeInvalidAuthentication = "INVALID_AUTHENTICATION"
	CodeRequestExpired        = "REQUEST_EXPIRED"
	CodeInvalidSignature      = "INVALID_SIGNATURE"
	CodeForbidden             = "FORBIDDEN"
	CodeMissingContentMD5     = "MISSING_CONTENT_MD5"
	CodeInvalidContentMD5     = "INVALID_CONTENT_MD5"
	CodeContentMD5Mismatch    = "CONTENT_MD5_MISMATCH"
	CodeInvalidJSON           = "INVALID_JSON"
	CodeValidation            = "VALIDATION_ERROR"
	CodePayloadTooLarge       = "PAYLOAD_TOO_LARGE"
	CodeUnsupportedMediaType  = "UNSUPPORTED_MEDIA_TYPE"
	CodeCustomerExists        = "CUSTOMER_EXISTS"
	CodeCustomerNotFound      = "CUSTOMER_NOT_FOUND"
	CodePreconditionFailed    = "PRECONDITION_FAILED"
	CodeInvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY"
	CodeIdempotencyKeyReused  = "IDEMPOTENCY_KEY_REUSED"
	CodeServiceUnavailable    = "SERVICE_UNAVAILABLE"
	CodeInternal              = "INTERNAL_ERROR"
)

// FieldError names one invalid field by its dot path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error the API answers with. It is safe to show to clients:
// nothing internal goes into it.
type Error struct {
	Status     int
	Code       string
	Message    string
	CustomerID string       // set for 404 and 409 on a customer
	Fields     []FieldError // set for VALIDATION_ERROR
	// StringToSign is the string the server signed, set for
	// INVALID_SIGNATURE so that a client can find its mistake.
	StringToSign string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// New returns an error with a status, a code and a message.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Validation reports every invalid field at once.
func Validation(fields []FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeValidation, Message: "The request has invalid fields", Fields: fields}
}

// NotFound is the 404 for a customer id, worded as docs/API.md gives it.
func NotFound(customerID string) *Error {
	return &Error{
		Status: http.StatusNotFound, Code: CodeCustomerNotFound,
		Message: fmt.Sprintf("Customer with ID '%s' not found", customerID), CustomerID: customerID,
	}
}

// Exists is the 409 for a customer id that is already registered.
func Exists(customerID string) *Error {
	return &Error{
		Status: http.StatusConflict, Code: CodeCustomerExists,
		Message: fmt.Sprintf("Customer with ID '%s' already exists", customerID), CustomerID: customerID,
	}
}

// PreconditionFailed is the 412 for an If-Match that is not the current ETag.
func PreconditionFailed(customerID string) *Error {
	return &Error{
		Status: http.StatusPreconditionFailed, Code: CodePreconditionFailed,
		Message: fmt.Sprintf("Customer with ID '%s' has changed: If-Match is not its current ETag", customerID), CustomerID: customerID,
	}
}

// Unavailable is the 503 for storage that is throttled or unreachable.
func Unavailable() *Error {
	return New(http.StatusServiceUnavailable, CodeServiceUnavailable, "The service is temporarily unavailable; retry later")
}

// Internal is the 500 for anything else; its message says nothing internal.
func Internal() *Error {
	return New(http.StatusInternalServerError, CodeInternal, "An internal error occurred")
}

// ErrUnavailable marks a failure of a dependency (storage, the credentials
// secret) that is throttled or unreachable after retries: the API answers 503.
var ErrUnavailable = errors.New("dependency unavailable")
