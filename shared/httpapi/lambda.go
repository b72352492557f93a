package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/xcloud/customers/shared/apierror"
)

// LambdaHandler is what lambda.Start runs: a payload 2.0 event in, a
// response out.
type LambdaHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Lambda serves h to API Gateway through api-proxy. api-proxy fails the whole
// invocation (API Gateway then answers 500) on an event it cannot turn into a
// request, such as a body marked base64 that is not; such events get a 4xx
// here instead, and no invocation ever fails.
func Lambda(h http.Handler, log *slog.Logger) LambdaHandler {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if ev.IsBase64Encoded {
			if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
				return eventError(ev, apierror.New(http.StatusBadRequest, apierror.CodeInvalidJSON, "The body is marked base64 but is not valid base64")), nil
			}
		}
		if !convertible(ev) {
			return gatewayResponse(ev, http.StatusBadRequest, "Bad Request"), nil
		}
		resp, err := adapter.ProxyWithContext(ctx, ev)
		if err != nil {
			log.ErrorContext(ctx, "request", "requestId", ev.RequestContext.RequestID, "status", http.StatusInternalServerError,
				"error", err.Error())
			return eventError(ev, apierror.Internal()), nil
		}
		return resp, nil
	}
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
