// Package get is the GET /xcloud/v1/customers/{customerId} endpoint: it
// returns one whole stored customer.
package get

import (
	"context"
	"errors"
	"net/http"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/requestlog"
	"github.com/xcloud/customers/shared/store"
)

// Function is the get endpoint's Lambda function.
var Function = function.Function{
	ID:    "GetFunction",
	Route: "GET /xcloud/v1/customers/{customerId}",
	Scope: hmacauth.ScopeRead,
	Serve: func(d function.Deps) httpapi.Serve { return serve(d.Store) },
}

// Store reads customers.
type Store interface {
	Get(ctx context.Context, id string) (*customer.Customer, error)
}

var _ Store = (*store.Store)(nil)

func serve(s Store) httpapi.Serve {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		id := r.PathValue("customerId")
		if !customer.ValidID(id) {
			return apierror.NotFound(id) // no such id can be stored
		}
		requestlog.Customers(r.Context(), id)
		c, err := s.Get(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return apierror.NotFound(id)
		}
		if err != nil {
			return err
		}
		w.Header().Set("ETag", c.ETag())
		httpapi.WriteJSON(w, r, http.StatusOK, c.AppendJSON(nil))
		return nil
	}
}
