// Package functions lists the API's Lambda functions by their logical id in
// template.yaml: where each one's code is, the route its handler serves, the
// configuration it needs and how it is wired. The local API, the local
// invoker and the template checks read this list; each Lambda main wires its
// own function directly, so that a binary holds one handler only.
package functions

import (
	"net/http"
	"time"

	"github.com/xcloud/customers/functions/exists"
	"github.com/xcloud/customers/functions/get"
	"github.com/xcloud/customers/functions/list"
	"github.com/xcloud/customers/functions/register"
	"github.com/xcloud/customers/functions/update"
	"github.com/xcloud/customers/shared/config"
)

// Function is one Lambda function of the API.
type Function struct {
	ID      string // logical id in template.yaml
	Main    string // package of its bootstrap main, from the repository root
	Pattern string // the route its handler serves
	Needs   config.Needs
	New     func(d *config.Deps) http.Handler
}

// All lists the functions.
var All = []Function{
	{"RegisterFunction", "./functions/register/bootstrap", register.Pattern, register.Needs,
		func(d *config.Deps) http.Handler { return register.New(d.Store, d.Verifier, d.Log, d.Limits, time.Now) }},
	{"UpdateFunction", "./functions/update/bootstrap", update.Pattern, update.Needs,
		func(d *config.Deps) http.Handler { return update.New(d.Store, d.Verifier, d.Log, time.Now) }},
	{"GetFunction", "./functions/get/bootstrap", get.Pattern, get.Needs,
		func(d *config.Deps) http.Handler { return get.New(d.Store, d.Verifier, d.Log) }},
	{"ListFunction", "./functions/list/bootstrap", list.Pattern, list.Needs,
		func(d *config.Deps) http.Handler { return list.New(d.Store, d.PageTokens, d.Verifier, d.Log) }},
	{"ExistsFunction", "./functions/exists/bootstrap", exists.Pattern, exists.Needs,
		func(d *config.Deps) http.Handler { return exists.New(d.Store, d.Verifier, d.Log) }},
}

// ByID finds a function by its logical id.
func ByID(id string) (Function, bool) {
	for _, f := range All {
		if f.ID == id {
			return f, true
		}
	}
	return Function{}, false
}
