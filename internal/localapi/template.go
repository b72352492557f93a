package localapi

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Route is one HTTP API route of template.yaml and the function behind it.
type Route struct {
	Function string // the function's logical id
	Method   string
	Path     string // with {variables}, as API Gateway and ServeMux write them
}

// Pattern is the route as a ServeMux pattern.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

type template struct {
	Resources map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			Events map[string]struct {
				Type       string `yaml:"Type"`
				Properties struct {
					Method string `yaml:"Method"`
					Path   string `yaml:"Path"`
				} `yaml:"Properties"`
			} `yaml:"Events"`
		} `yaml:"Properties"`
	} `yaml:"Resources"`
}

// ReadRoutes reads the HttpApi routes of the functions in a SAM template,
// sorted by pattern.
func ReadRoutes(path string) ([]Route, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	var t template
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	var routes []Route
	for id, res := range t.Resources {
		if res.Type != "AWS::Serverless::Function" {
			continue
		}
		for name, ev := range res.Properties.Events {
			if ev.Type != "HttpApi" {
				continue
			}
			if ev.Properties.Method == "" || ev.Properties.Path == "" {
				return nil, fmt.Errorf("template %s: %s event %s needs a Method and a Path", path, id, name)
			}
			routes = append(routes, Route{Function: id, Method: strings.ToUpper(ev.Properties.Method), Path: ev.Properties.Path})
		}
	}
	if len(routes) == 0 {
		return nil, fmt.Errorf("template %s: no HttpApi routes", path)
	}
	slices.SortFunc(routes, func(a, b Route) int { return strings.Compare(a.Pattern(), b.Pattern()) })
	return routes, nil
}
