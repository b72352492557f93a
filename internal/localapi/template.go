package localapi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xcloud/customers/internal/samtemplate"
)

// Route is one HTTP API route of template.yaml and the function behind it.
type Route struct {
	Function string // the function's logical id
	samtemplate.Route
}

// ReadRoutes reads the HttpApi routes of the functions in a SAM template,
// sorted by pattern.
func ReadRoutes(path string) ([]Route, error) {
	fns, err := samtemplate.Read(path)
	if err != nil {
		return nil, err
	}
	var routes []Route
	for id, fn := range fns {
		for _, r := range fn.Routes {
			routes = append(routes, Route{Function: id, Route: r})
		}
	}
	if len(routes) == 0 {
		return nil, fmt.Errorf("template %s: no HttpApi routes", path)
	}
	slices.SortFunc(routes, func(a, b Route) int { return strings.Compare(a.Pattern(), b.Pattern()) })
	return routes, nil
}
