// Package functions lists the API's Lambda functions. The local API, the
// local invoker, the template checks, the monitoring generator and the
// benchmark read this list; each function's own main runs only its own, so
// that a binary holds one handler.
package functions

import (
	"github.com/xcloud/customers/functions/apikeys"
	"github.com/xcloud/customers/functions/events"
	"github.com/xcloud/customers/functions/exists"
	"github.com/xcloud/customers/functions/get"
	"github.com/xcloud/customers/functions/list"
	"github.com/xcloud/customers/functions/register"
	"github.com/xcloud/customers/functions/update"
	"github.com/xcloud/customers/shared/function"
)

// All lists the functions.
var All = []function.Function{
	register.Function,
	update.Function,
	get.Function,
	list.Function,
	exists.Function,
	apikeys.Function,
	events.Function, // fed by the table's stream, not a route
}

// API lists the functions that serve a route.
func API() []function.Function {
	var api []function.Function
	for _, f := range All {
		if f.HTTP() {
			api = append(api, f)
		}
	}
	return api
}

// ByID finds a function by its logical id.
func ByID(id string) (function.Function, bool) {
	for _, f := range All {
		if f.ID == id {
			return f, true
		}
	}
	return function.Function{}, false
}
