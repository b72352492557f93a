// Package openapicheck validates HTTP exchanges against the API's OpenAPI
// description, openapi/openapi.yaml: the end-to-end tests run every request
// they send and every response they get through Spec.Check, so the
// description cannot drift from what the API does on the wire.
package openapicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Spec is a loaded and validated OpenAPI description with its router. It is
// safe for concurrent use.
type Spec struct {
	Doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options
}

// Load reads the description at path, turns its patterns into Go's (see
// GoPattern), validates it and builds its router.
func Load(path string) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if err := doc.WalkSchemas(func(_ string, s *openapi3.SchemaRef) error {
		s.Value.Pattern = GoPattern(s.Value.Pattern)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("patterns of %s: %w", path, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate %s: %w", path, err)
	}
	// Route on the path alone: the servers (make run's 127.0.0.1:3000, API
	// Gateway's host) have no base path, and tests serve on other ports.
	routed := *doc
	routed.Servers = nil
	router, err := gorillamux.NewRouter(&routed)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", path, err)
	}
	return &Spec{Doc: doc, router: router, opts: &openapi3filter.Options{
		AuthenticationFunc:      authenticate,
		IncludeResponseStatus:   true, // a status the description does not list is an error
		SkipSettingDefaults:     true,
		MultiError:              true,
		SchemaValidationOptions: SchemaOptions(),
	}}, nil
}

// GoPattern rewrites the ECMA-262 escapes \uXXXX and \u{X...} of a JSON
// Schema pattern as Go's \x{X...}, leaving the rest as it is. The
// description writes characters beyond ASCII as such escapes (tools such as
// Prism copy patterns into HTTP headers, which cannot carry them); Go's regexp,
// which the JSON Schema 2020-12 validator compiles patterns with, has no \u.
func GoPattern(p string) string {
	if !strings.Contains(p, `\u`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '\\' || i+1 >= len(p) {
			b.WriteByte(p[i])
			continue
		}
		if p[i+1] == 'u' {
			if hex, n := unicodeEscape(p[i+2:]); n > 0 {
				b.WriteString(`\x{` + hex + `}`)
				i += 1 + n
				continue
			}
		}
		b.WriteString(p[i : i+2]) // any other escape, \\ included, as it is
		i++
	}
	return b.String()
}

// unicodeEscape reads what follows \u: four hex digits, or hex digits in
// braces; it returns the digits and how many bytes they took (0: none).
func unicodeEscape(s string) (string, int) {
	isHex := func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
	if len(s) >= 4 && isHex(s[0]) && isHex(s[1]) && isHex(s[2]) && isHex(s[3]) {
		return s[:4], 4
	}
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end > 1 && end <= 7 {
			for i := 1; i < end; i++ {
				if !isHex(s[i]) {
					return "", 0
				}
			}
			return s[1:end], end + 1
		}
	}
	return "", 0
}

// SchemaOptions are the options to validate a value against one of the
// description's schemas with (*openapi3.Schema).VisitJSON: JSON Schema
// 2020-12 (OpenAPI 3.1) with format "email" asserted.
func SchemaOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.EnableJSONSchema2020(),
		openapi3.WithStringFormatValidator("email", emailFormat),
	}
}

// emailFormat is JSON Schema's "email" format (RFC 5321's Mailbox) as
// santhosh-tekuri/jsonschema implements it (kin-openapi asserts only the
// formats it is given, and "email" is not among its own), with the one rule
// that implementation leaves out: the local part is not empty (RFC 5321,
// 4.1.2: Dot-string is one or more Atoms, Atom is 1*atext).
var emailFormat = openapi3.NewCallbackValidator(func(s string) error {
	if strings.HasPrefix(s, "@") {
		return errors.New("the local part is empty")
	}
	return emailSchema.Validate(s)
})

var emailSchema = func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("email.json", map[string]any{"format": "email"}); err != nil {
		panic(err)
	}
	return c.MustCompile("email.json")
}()

// authenticate accepts every request that carries the scheme's header
// exactly once: the API itself checks the signatures.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s.Type != "apiKey" || s.In != "header" {
		return fmt.Errorf("security scheme %s: want an apiKey in a header", in.SecuritySchemeName)
	}
	values := in.RequestValidationInput.Request.Header.Values(s.Name)
	switch {
	case len(values) == 0 || values[0] == "":
		return fmt.Errorf("header %s (security scheme %s) is missing", s.Name, in.SecuritySchemeName)
	case len(values) > 1:
		return fmt.Errorf("header %s (security scheme %s) is repeated", s.Name, in.SecuritySchemeName)
	}
	return nil
}

// Exchange is one request as sent and the response to it as received.
type Exchange struct {
	Request     *http.Request // method, URL and headers; its body is not read
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

func (x Exchange) String() string {
	target := x.Request.URL.EscapedPath()
	if x.Request.URL.RawQuery != "" {
		target += "?" + x.Request.URL.RawQuery
	}
	return fmt.Sprintf("%s %s -> %d", x.Request.Method, target, x.Status)
}

// Check validates an exchange against the description:
//
//   - on a route the description does not have, the response must be API
//     Gateway's 404 {"message":"Not Found"} (no body for HEAD) with an
//     X-Request-Id;
//   - on one of its routes, the response (status, headers, body) must be one
//     the operation lists, always;
//   - and so must the request, when the API answered it as well-formed (see
//     AnsweredAsWellFormed). Tests send requests that are invalid on purpose;
//     the API's answer tells which those are.
func (s *Spec) Check(ctx context.Context, x Exchange) error {
	route, vars, err := s.router.FindRoute(x.Request)
	if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
		if err := s.checkNotFound(x); err != nil {
			return fmt.Errorf("%v, a route openapi.yaml does not have: %w", x, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%v: find the route in openapi.yaml: %w", x, err)
	}
	params := make(map[string]string, len(vars))
	for k, v := range vars { // the router gives them percent-encoded
		if d, err := url.PathUnescape(v); err == nil {
			v = d
		}
		params[k] = v
	}
	var errs []error
	if AnsweredAsWellFormed(x.Request.Method, x.Status, x.Header, x.Body) {
		req := x.Request.Clone(ctx)
		req.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
		req.ContentLength = int64(len(x.RequestBody))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(x.RequestBody)), nil }
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: s.opts}
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("the request, which the API answered as well-formed, does not match operation %s: %s",
				route.Operation.OperationID, flatten(err)))
		}
	}
	if err := s.checkResponse(ctx, x, route, params); err != nil {
		errs = append(errs, fmt.Errorf("the response does not match operation %s: %s", route.Operation.OperationID, flatten(err)))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%v: %w", x, errors.Join(errs...))
	}
	return nil
}

func (s *Spec) checkResponse(ctx context.Context, x Exchange, route *routers.Route, params map[string]string) error {
	req := x.Request.Clone(ctx)
	if req.Method == http.MethodHead {
		// openapi3filter skips HEAD responses altogether; their headers
		// and status still count (and a HEAD response has no body).
		if len(x.Body) > 0 {
			return fmt.Errorf("a HEAD response has a body of %d bytes", len(x.Body))
		}
		req.Method = http.MethodGet
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: s.opts},
		Status:                 x.Status,
		Header:                 x.Header,
		Options:                s.opts,
	}
	in.SetBodyBytes(x.Body)
	return openapi3filter.ValidateResponse(ctx, in)
}

// checkNotFound checks API Gateway's answer to a route it does not know.
func (s *Spec) checkNotFound(x Exchange) error {
	if x.Status != http.StatusNotFound {
		return fmt.Errorf("status %d, want API Gateway's 404", x.Status)
	}
	if x.Header.Get("X-Request-Id") == "" {
		return errors.New("no X-Request-Id")
	}
	if x.Request.Method == http.MethodHead {
		if len(x.Body) > 0 {
			return fmt.Errorf("a HEAD response has a body: %q", x.Body)
		}
		return nil
	}
	if ct := x.Header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("Content-Type %q, want application/json", ct)
	}
	var v any
	if err := json.Unmarshal(x.Body, &v); err != nil {
		return fmt.Errorf("body %q is not JSON: %w", x.Body, err)
	}
	schema := s.Doc.Components.Schemas["GatewayMessage"]
	if schema == nil || schema.Value == nil {
		return errors.New("openapi.yaml has no components.schemas.GatewayMessage")
	}
	if err := schema.Value.VisitJSON(v, SchemaOptions()...); err != nil {
		return fmt.Errorf("body %s is not a GatewayMessage: %s", x.Body, flatten(err))
	}
	if m, _ := v.(map[string]any); m["message"] != "Not Found" {
		return fmt.Errorf(`body %s, want {"message":"Not Found"}`, x.Body)
	}
	return nil
}

// AnsweredAsWellFormed reports whether the API's answer shows that it took
// the request as well-formed, so that the request itself must match the
// description: a 2xx or 304, a 404 CUSTOMER_NOT_FOUND (or HEAD's 404 naming
// the missing ids), a 409 or a 412. Every other answer (400, 401, 403, 413,
// 415, 5xx) may be to a request that is wrong on purpose.
func AnsweredAsWellFormed(method string, status int, header http.Header, body []byte) bool {
	switch {
	case status >= 200 && status < 300, status == http.StatusNotModified,
		status == http.StatusConflict, status == http.StatusPreconditionFailed:
		return true
	case status == http.StatusNotFound && method == http.MethodHead:
		return header.Get("X-XCloud-Missing-Ids") != ""
	case status == http.StatusNotFound:
		var e struct{ Error string }
		return json.Unmarshal(body, &e) == nil && e.Error == "CUSTOMER_NOT_FOUND"
	}
	return false
}

// flatten turns kin-openapi's nested errors into one line per problem,
// without the schema dumps.
func flatten(err error) string {
	switch e := err.(type) {
	case openapi3.MultiError:
		parts := make([]string, len(e))
		for i, err := range e {
			parts[i] = flatten(err)
		}
		return strings.Join(parts, "; ")
	case *openapi3filter.RequestError:
		msg := e.Reason
		switch {
		case e.Parameter != nil:
			msg = strings.TrimSuffix(fmt.Sprintf("%s parameter %q: %s", e.Parameter.In, e.Parameter.Name, msg), ": ")
		case e.RequestBody != nil:
			msg = strings.TrimSuffix("request body: "+msg, ": ")
		}
		if e.Err != nil && e.Err.Error() != e.Reason {
			msg += ": " + flatten(e.Err)
		}
		return msg
	case *openapi3filter.ResponseError:
		msg := e.Reason
		if e.Err != nil {
			msg += ": " + flatten(e.Err)
		}
		return msg
	case *openapi3filter.SecurityRequirementsError:
		parts := make([]string, len(e.Errors))
		for i, err := range e.Errors {
			parts[i] = flatten(err)
		}
		return "security: " + strings.Join(parts, "; ")
	case *openapi3.SchemaError:
		// The JSON Schema 2020-12 validator's reasons name the schema it
		// compiled, a placeholder URL: leave that line out.
		reason := strings.TrimPrefix(e.Reason, "jsonschema validation failed with 'https://example.com/schema.json#'\n")
		if strings.HasPrefix(reason, "error at ") || len(e.JSONPointer()) == 0 {
			return reason
		}
		return fmt.Sprintf("at /%s: %s", strings.Join(e.JSONPointer(), "/"), reason)
	}
	msg := err.Error()
	if i := strings.Index(msg, "\nSchema:"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}
