// Package httpapi is the HTTP plumbing every endpoint shares: routing with
// API Gateway's 404, request ids, XCLOUD-HMAC-SHA256 checks, body limits,
// JSON responses and errors, and one log line per request.
package httpapi

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/requestlog"
)

// MaxBody is the largest request body the API accepts.
const MaxBody = 64 << 10

// maxRead bounds how much of a larger body is read to check its Content-MD5:
// API Gateway's own payload limit.
const maxRead = 10 << 20

// Header names the API sets.
const (
	HeaderRequestID  = "X-Request-Id"
	HeaderRetryAfter = "Retry-After"
)

// Verifier checks a request's signature and scope.
type Verifier interface {
	Verify(ctx context.Context, r *http.Request, scope hmacauth.Scope) (string, error)
}

// Serve handles a request that passed every check. It writes the success
// response itself and returns any error to be answered.
type Serve func(w http.ResponseWriter, r *http.Request, body []byte) error

// Endpoint is one route of the API.
type Endpoint struct {
	// Pattern is the route, "METHOD /path/{var}" (see Route); it must equal
	// the route of the function in template.yaml.
	Pattern string
	Scope   hmacauth.Scope
	Serve   Serve
}

// hasBody tells the methods whose requests carry a body: for them
// Content-MD5, media type and size are checked and the body goes to Serve.
func hasBody(method string) bool { return method == http.MethodPost || method == http.MethodPut }

// New returns the handler of one endpoint: it serves e.Pattern and answers
// every other route as API Gateway does, with 404 {"message":"Not Found"}.
func New(e Endpoint, auth Verifier, log *slog.Logger) http.Handler {
	rt, err := ParseRoute(e.Pattern)
	if err != nil {
		panic(err) // a programming error, caught by every test
	}
	ep := &endpoint{Endpoint: e, body: hasBody(rt.method), auth: auth}
	return &logged{log: log, next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.Match(r) {
			notFound(w, r)
			return
		}
		ep.ServeHTTP(w, r)
	})}
}

// notFound is API Gateway's answer to a route it does not know.
func notFound(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, r, http.StatusNotFound, []byte(`{"message":"Not Found"}`))
}

type endpoint struct {
	Endpoint
	body bool
	auth Verifier
}

type serviceIDKey struct{}

// ServiceID is the id of the service that signed r, once verified.
func ServiceID(r *http.Request) string {
	id, _ := r.Context().Value(serviceIDKey{}).(string)
	return id
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := w.(*recorder)
	serviceID, err := e.auth.Verify(r.Context(), r, e.Scope)
	rec.serviceID = serviceID
	if err == nil {
		r = r.WithContext(context.WithValue(r.Context(), serviceIDKey{}, serviceID))
	}
	var body []byte
	if err == nil && e.body {
		body, err = readBody(r)
	}
	if err == nil {
		err = e.Serve(w, r, body)
	}
	if err != nil {
		rec.err = err
		WriteError(w, r, err)
	}
}

// readBody runs the body checks after authentication, in the contract's
// order: Content-MD5 present and well-formed, Content-MD5 matching, then
// media type and size.
func readBody(r *http.Request) ([]byte, error) {
	want, err := hmacauth.ParseContentMD5(r.Header)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRead+1))
	if err != nil {
		return nil, apierror.New(http.StatusBadRequest, apierror.CodeInvalidJSON, "The body could not be read")
	}
	n := len(body)
	if n > maxRead {
		return nil, tooLarge()
	}
	if err := hmacauth.CheckContentMD5(want, md5.Sum(body)); err != nil {
		return nil, err
	}
	if !isJSON(r.Header.Values("Content-Type")) {
		return nil, apierror.New(http.StatusUnsupportedMediaType, apierror.CodeUnsupportedMediaType,
			"The body must be application/json (charset=utf-8 is allowed)")
	}
	if n > MaxBody {
		return nil, tooLarge()
	}
	return body, nil
}

func tooLarge() error {
	return apierror.New(http.StatusRequestEntityTooLarge, apierror.CodePayloadTooLarge, "The body must be at most 65536 bytes")
}

// isJSON accepts exactly one Content-Type of application/json, with at most
// a charset parameter of utf-8.
func isJSON(values []string) bool {
	if len(values) != 1 {
		return false
	}
	mt, params, err := mime.ParseMediaType(values[0])
	if err != nil || mt != "application/json" {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

// WriteJSON writes a JSON response; HEAD responses get no body.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

type errorBody struct {
	Error        string                `json:"error"`
	Message      string                `json:"message"`
	RequestID    string                `json:"requestId"`
	CustomerID   string                `json:"customerId,omitempty"`
	Fields       []apierror.FieldError `json:"fields,omitempty"`
	StringToSign string                `json:"stringToSign,omitempty"`
}

// WriteError answers err: an *apierror.Error as it is, a dependency that is
// unavailable as 503, anything else as a 500 that says nothing internal.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *apierror.Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, apierror.ErrUnavailable):
		e = apierror.Unavailable()
	default:
		e = apierror.Internal()
	}
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set(HeaderRetryAfter, "1")
	}
	body, _ := json.Marshal(errorBody{
		Error: e.Code, Message: e.Message, RequestID: w.Header().Get(HeaderRequestID),
		CustomerID: e.CustomerID, Fields: e.Fields, StringToSign: e.StringToSign,
	})
	WriteJSON(w, r, e.Status, body)
}

// logged gives every request an id and logs one line about it, which also
// carries the request's metrics in CloudWatch Embedded Metric Format.
type logged struct {
	next http.Handler
	log  *slog.Logger
}

// MetricsNamespace is the CloudWatch namespace of the API's metrics.
const MetricsNamespace = "XCloud/Customers"

// emfDirective declares the metrics of every request line: each by route,
// and by route and error code ("NONE" on success). A constant, as the
// format documents it; TestEMFDirective checks it.
var emfDirective = json.RawMessage(`[{"Dimensions":[["Route"],["Route","ErrorCode"]],"Metrics":[{"Name":"Requests","Unit":"Count"},{"Name":"Errors","Unit":"Count"},{"Name":"ServerErrors","Unit":"Count"},{"Name":"Latency","Unit":"Milliseconds"},{"Name":"ConditionalConflicts","Unit":"Count"},{"Name":"SignatureFailures","Unit":"Count"},{"Name":"DynamoDBLatency","Unit":"Milliseconds"}],"Namespace":"XCloud/Customers"}]`)

// The function, read once: they do not change while it runs.
var (
	functionName    = os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	functionVersion = os.Getenv("AWS_LAMBDA_FUNCTION_VERSION")
	coldStart       atomic.Bool
)

func init() { coldStart.Store(true) }

func (l *logged) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	id := requestID(r)
	w.Header().Set(HeaderRequestID, id)
	ctx, info := requestlog.Start(r.Context())
	r = r.WithContext(ctx)
	serveRecovered(l.next, rec, r)

	latency := float64(time.Since(start).Microseconds()) / 1000
	done := info.Snapshot()
	dynamoMs := float64(done.DynamoDBTime.Microseconds()) / 1000
	code := "NONE"
	level := slog.LevelInfo
	var e *apierror.Error
	switch {
	case errors.As(rec.err, &e):
		code = e.Code
	case rec.err != nil:
		level = slog.LevelError
		code = apierror.Internal().Code
		if errors.Is(rec.err, apierror.ErrUnavailable) {
			code = apierror.CodeServiceUnavailable
		}
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	attrs := []slog.Attr{
		slog.String("requestId", id),
		slog.String("traceId", traceID(r)),
		slog.String("route", route),
		slog.String("method", r.Method),
		slog.Int("status", rec.status),
		slog.Float64("latencyMs", latency),
		slog.Bool("coldStart", coldStart.Swap(false)),
		slog.Int("dynamodbCalls", done.DynamoDBCalls),
		slog.Float64("dynamodbMs", dynamoMs),
		slog.Float64("consumedCapacity", done.ConsumedCapacity),
	}
	if code != "NONE" {
		attrs = append(attrs, slog.String("errorCode", code))
	}
	if rec.err != nil && e == nil {
		// Internal detail goes to the log, never to the client.
		attrs = append(attrs, slog.String("error", rec.err.Error()))
	}
	if rec.serviceID != "" {
		attrs = append(attrs, slog.String("serviceId", rec.serviceID))
	} else if claimed := r.Header.Values(hmacauth.HeaderServiceID); len(claimed) == 1 && hmacauth.ValidServiceID(claimed[0]) {
		// Who a refused caller says it is: the on-call's first question.
		attrs = append(attrs, slog.String("claimedServiceId", claimed[0]))
	}
	if len(done.CustomerIDs) > 0 {
		attrs = append(attrs, slog.Any("customerIds", done.CustomerIDs))
	}
	if functionName != "" {
		attrs = append(attrs, slog.String("functionName", functionName), slog.String("functionVersion", functionVersion))
	}
	attrs = append(attrs,
		slog.Group("_aws", slog.Int64("Timestamp", start.UnixMilli()), slog.Any("CloudWatchMetrics", emfDirective)),
		slog.String("Route", route),
		slog.String("ErrorCode", code),
		slog.Int("Requests", 1),
		slog.Int("Errors", b2i(rec.status >= 400)),
		slog.Int("ServerErrors", b2i(rec.status >= 500)),
		slog.Float64("Latency", latency),
		slog.Int("ConditionalConflicts", b2i(rec.status == http.StatusConflict || rec.status == http.StatusPreconditionFailed)),
		slog.Int("SignatureFailures", b2i(rec.status == http.StatusUnauthorized)),
		slog.Float64("DynamoDBLatency", dynamoMs),
	)
	l.log.LogAttrs(r.Context(), level, "request", attrs...)
}

// serveRecovered serves r, turning a panic into a 500 INTERNAL_ERROR, or
// just into the log line's error when the answer was already on its way.
func serveRecovered(h http.Handler, rec *recorder, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			rec.err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			if rec.status == 0 {
				WriteError(rec, r, rec.err)
			}
		}
	}()
	h.ServeHTTP(rec, r)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// traceID is the X-Ray trace id of the request (the Root of the trace
// header): from the Lambda runtime when there is one, else the header API
// Gateway forwards.
func traceID(r *http.Request) string {
	header, _ := r.Context().Value("x-amzn-trace-id").(string)
	if header == "" {
		header = os.Getenv("_X_AMZN_TRACE_ID")
	}
	if header == "" {
		header = r.Header.Get("X-Amzn-Trace-Id")
	}
	for part := range strings.SplitSeq(header, ";") {
		if root, ok := strings.CutPrefix(strings.TrimSpace(part), "Root="); ok {
			return root
		}
	}
	return header
}

// requestID is API Gateway's request id, or a fresh one outside Lambda.
func requestID(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RequestID != "" {
		return rc.RequestID
	}
	return NewRequestID()
}

// NewRequestID returns a fresh random request id.
func NewRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// recorder remembers what the log line needs.
type recorder struct {
	http.ResponseWriter
	status    int
	serviceID string
	err       error
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
