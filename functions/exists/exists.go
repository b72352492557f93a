// Package exists is the HEAD /xcloud/v1/customers/{customerIds} endpoint: do
// all of 1 to 100 comma-separated customer ids exist?
package exists

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/requestlog"
	"github.com/xcloud/customers/shared/store"
)

// Function is the exists endpoint's Lambda function. API Gateway allows one
// variable name per path level, so the list of ids arrives in {customerId}.
var Function = function.Function{
	ID:    "ExistsFunction",
	Route: "HEAD /xcloud/v1/customers/{customerId}",
	Scope: hmacauth.ScopeRead,
	Serve: func(d function.Deps) httpapi.Serve { return serve(d.Store) },
}

// HeaderMissingIDs lists the ids that do not exist, on a 404.
const HeaderMissingIDs = "X-XCloud-Missing-Ids"

// Store tells which customers are missing.
type Store interface {
	Missing(ctx context.Context, ids []string) ([]string, error)
}

var _ Store = (*store.Store)(nil)

func serve(s Store) httpapi.Serve {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		ids, err := parseIDs(r.PathValue("customerId"))
		if err != nil {
			return err
		}
		requestlog.Customers(r.Context(), ids...)
		missing, err := s.Missing(r.Context(), ids)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			w.Header().Set(HeaderMissingIDs, strings.Join(missing, ","))
			// An error, not a bare 404, so that the request's log line and
			// metrics carry CUSTOMER_NOT_FOUND; a HEAD answer has no body.
			return apierror.New(http.StatusNotFound, apierror.CodeCustomerNotFound,
				fmt.Sprintf("%d of %d customers do not exist", len(missing), len(ids)))
		}
		w.WriteHeader(http.StatusOK) // api-proxy has no implicit 200
		return nil
	}
}

// parseIDs splits the list, rejecting an empty or over-long list and any
// malformed id, and drops repeats (BatchGetItem refuses them).
func parseIDs(list string) ([]string, error) {
	parts := strings.Split(list, ",")
	if len(parts) > store.MaxExistsIDs {
		return nil, apierror.Validation([]apierror.FieldError{{Field: "customerIds",
			Message: fmt.Sprintf("must list at most %d ids, lists %d", store.MaxExistsIDs, len(parts))}})
	}
	var fields []apierror.FieldError
	seen := make(map[string]bool, len(parts))
	ids := make([]string, 0, len(parts))
	for i, id := range parts {
		if !customer.ValidID(id) {
			fields = append(fields, apierror.FieldError{Field: fmt.Sprintf("customerIds[%d]", i),
				Message: "must match " + customer.IDRule})
			continue
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(fields) > 0 {
		return nil, apierror.Validation(fields)
	}
	return ids, nil
}
