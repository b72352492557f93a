package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/xcloud/customers/shared/apierror"
)

// LambdaHandler is what lambda.Start runs: an event in, a payload 2.0
// response out.
type LambdaHandler func(context.Context, json.RawMessage) (events.APIGatewayV2HTTPResponse, error)

// Lambda serves h to API Gateway through api-proxy, and never fails an
// invocation: API Gateway would answer a failed one with a bare 500. An event
// that is not an HTTP API payload 2.0 request (null, an array, a string, a
// REST API event) gets a 400, as does one api-proxy cannot turn into a
// request, such as a body marked base64 that is not; a panic gets the
// contract's 500. Each of these is logged.
func Lambda(h http.Handler, log *slog.Logger) LambdaHandler {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, raw json.RawMessage) (resp events.APIGatewayV2HTTPResponse, err error) {
		var ev events.APIGatewayV2HTTPRequest
		defer func() {
			if p := recover(); p != nil {
				logEvent(ctx, log, slog.LevelError, ev, http.StatusInternalServerError, apierror.CodeInternal, fmt.Sprintf("panic: %v\n%s", p, debug.Stack()))
				resp, err = eventError(ev, apierror.Internal()), nil
			}
		}()
		if why := notPayloadV2(raw, &ev); why != "" {
			logEvent(ctx, log, slog.LevelWarn, ev, http.StatusBadRequest, "", why)
			return gatewayResponse(ev, http.StatusBadRequest, "Bad Request"), nil
		}
		if ev.IsBase64Encoded {
			if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
				logEvent(ctx, log, slog.LevelWarn, ev, http.StatusBadRequest, apierror.CodeInvalidJSON, "the body is marked base64 but is not")
				return eventError(ev, apierror.New(http.StatusBadRequest, apierror.CodeInvalidJSON, "The body is marked base64 but is not valid base64")), nil
			}
		}
		if !convertible(ev) {
			logEvent(ctx, log, slog.LevelWarn, ev, http.StatusBadRequest, "", "the event's method or path is not a valid request line")
			return gatewayResponse(ev, http.StatusBadRequest, "Bad Request"), nil
		}
		resp, err = adapter.ProxyWithContext(ctx, ev)
		if err != nil {
			logEvent(ctx, log, slog.LevelError, ev, http.StatusInternalServerError, apierror.CodeInternal, err.Error())
			return eventError(ev, apierror.Internal()), nil
		}
		return resp, nil
	}
}

// notPayloadV2 decodes raw into ev and says what is wrong with it, or ""
// when it is an HTTP API payload 2.0 request.
func notPayloadV2(raw json.RawMessage, ev *events.APIGatewayV2HTTPRequest) string {
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return "the event is not a JSON object"
	}
	if err := json.Unmarshal(raw, ev); err != nil {
		return "the event is not an HTTP API payload 2.0 request: " + err.Error()
	}
	if ev.Version != "2.0" || ev.RequestContext.HTTP.Method == "" {
		return fmt.Sprintf("the event is not an HTTP API payload 2.0 request (version %q)", ev.Version)
	}
	return ""
}

// logEvent writes the log line of an event answered before any handler.
func logEvent(ctx context.Context, log *slog.Logger, level slog.Level, ev events.APIGatewayV2HTTPRequest, status int, code, why string) {
	attrs := []slog.Attr{slog.String("requestId", ev.RequestContext.RequestID), slog.Int("status", status), slog.String("error", why)}
	if code != "" {
		attrs = append(attrs, slog.String("errorCode", code))
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("invocationId", lc.AwsRequestID))
	}
	log.LogAttrs(ctx, level, "request", attrs...)
}

func eventError(ev events.APIGatewayV2HTTPRequest, e *apierror.Error) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(errorBody{Error: e.Code, Message: e.Message, RequestID: ev.RequestContext.RequestID})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: e.Status,
		Headers:    map[string]string{"Content-Type": "application/json", HeaderRequestID: ev.RequestContext.RequestID},
		Body:       string(body),
	}
}

func gatewayResponse(ev events.APIGatewayV2HTTPRequest, status int, message string) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(map[string]string{"message": message})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", HeaderRequestID: ev.RequestContext.RequestID},
		Body:       string(body),
	}
}

// convertible reports whether api-proxy can build a request from ev: a valid
// method token and a URL that parses, built as api-proxy builds it.
func convertible(ev events.APIGatewayV2HTTPRequest) bool {
	method := ev.RequestContext.HTTP.Method
	if method == "" || strings.IndexFunc(method, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
		return false
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	_, err := url.Parse("https://" + ev.RequestContext.DomainName + path + "?" + ev.RawQueryString)
	return err == nil
}

// isTokenChar is RFC 9110's tchar.
func isTokenChar(r rune) bool {
	return r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}
