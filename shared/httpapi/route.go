package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Route is a route as API Gateway matches it: a method and a path whose
// segments are literals or {name} wildcards, each matching one non-empty
// segment. It is written as a ServeMux pattern ("GET /a/{id}"), but unlike
// ServeMux it never cleans or redirects a path ("/a/..", "/a//"): API Gateway
// passes such paths to the function, which must answer them.
type Route struct {
	Pattern  string
	method   string
	segments []string // a wildcard is "{name}"
}

// ParseRoute parses "METHOD /path/{var}".
func ParseRoute(pattern string) (Route, error) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		return Route{}, fmt.Errorf("route %q: want \"METHOD /path\"", pattern)
	}
	return Route{Pattern: pattern, method: method, segments: strings.Split(path[1:], "/")}, nil
}

// Match reports whether r is on this route and sets its path values.
func (rt Route) Match(r *http.Request) bool {
	if r.Method != rt.method {
		return false
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	if len(parts) != len(rt.segments) {
		return false
	}
	values := map[string]string{}
	for i, seg := range rt.segments {
		part, err := url.PathUnescape(parts[i])
		if err != nil {
			return false
		}
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			if part == "" {
				return false
			}
			values[strings.TrimSuffix(name, "}")] = part
		} else if part != seg {
			return false
		}
	}
	for name, v := range values {
		r.SetPathValue(name, v)
	}
	r.Pattern = rt.Pattern
	return true
}
