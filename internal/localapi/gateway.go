package localapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/xcloud/customers/shared/httpapi"
)

// maxPayload is API Gateway's limit on a request body.
const maxPayload = 10 << 20

var pathVariable = regexp.MustCompile(`\{([^}]+)\}`)

// Gateway plays API Gateway's HTTP API for local runs: it matches each
// request to a route, turns it into the payload 2.0 event API Gateway would
// send, and hands that to the function as its Lambda main does.
type Gateway struct {
	routes []*route
}

// NewGateway routes each route to its function's handler.
func NewGateway(routes []Route, functions map[string]http.Handler, log *slog.Logger) (*Gateway, error) {
	g := &Gateway{}
	for _, r := range routes {
		fn, ok := functions[r.Function]
		if !ok {
			return nil, errors.New("no handler for function " + r.Function)
		}
		m, err := httpapi.ParseRoute(r.Pattern())
		if err != nil {
			return nil, err
		}
		g.routes = append(g.routes, &route{Route: r, match: m, invoke: httpapi.Lambda(fn, log)})
	}
	return g, nil
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, rt := range g.routes {
		if rt.match.Match(r) {
			rt.serve(w, r)
			return
		}
	}
	gatewayError(w, r, http.StatusNotFound, "Not Found")
}

type route struct {
	Route
	match  httpapi.Route
	invoke httpapi.LambdaHandler // the function, as lambda.Start runs it
}

func (rt *route) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayload))
	if err != nil {
		gatewayError(w, r, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	event, err := json.Marshal(rt.event(r, body))
	if err != nil {
		gatewayError(w, r, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	resp, err := rt.invoke(r.Context(), event)
	if err != nil {
		gatewayError(w, r, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	out := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			gatewayError(w, r, http.StatusInternalServerError, "Internal Server Error")
			return
		}
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(out)
}

// event builds the payload 2.0 event for r as API Gateway does: header names
// in lower case, repeated headers and query parameters joined with commas,
// a body that is not UTF-8 in base64.
func (rt *route) event(r *http.Request, body []byte) events.APIGatewayV2HTTPRequest {
	now := time.Now()
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       rt.Pattern(),
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID:  "local",
			APIID:      "local",
			DomainName: r.Host,
			RequestID:  httpapi.NewRequestID(),
			RouteKey:   rt.Pattern(),
			Stage:      "$default",
			Time:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:  now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto,
				SourceIP: strings.Split(r.RemoteAddr, ":")[0], UserAgent: r.UserAgent(),
			},
		},
	}
	for name, values := range r.Header {
		if strings.EqualFold(name, "Cookie") {
			for _, v := range values {
				ev.Cookies = append(ev.Cookies, strings.Split(v, "; ")...)
			}
			continue
		}
		ev.Headers[strings.ToLower(name)] = strings.Join(values, ",")
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(q))
		for k, v := range q {
			ev.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	for _, m := range pathVariable.FindAllStringSubmatch(rt.Path, -1) {
		if ev.PathParameters == nil {
			ev.PathParameters = map[string]string{}
		}
		ev.PathParameters[m[1]] = r.PathValue(m[1])
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return ev
}

// gatewayError answers as API Gateway itself does, before any function; the
// request id is there too, as on every response of the API.
func gatewayError(w http.ResponseWriter, r *http.Request, status int, message string) {
	w.Header().Set(httpapi.HeaderRequestID, httpapi.NewRequestID())
	httpapi.WriteJSON(w, r, status, []byte(`{"message":"`+message+`"}`))
}
