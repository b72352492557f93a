// Package get is the GET /xcloud/v1/customers/{customerId} endpoint: it
// returns one whole stored customer.
package get

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/config"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/requestlog"
	"github.com/xcloud/customers/shared/store"
)

// Pattern is the route this function serves (as in template.yaml).
const Pattern = "GET /xcloud/v1/customers/{customerId}"

// Needs is the configuration this function reads.
var Needs = config.Needs{}

// Store reads customers.
type Store interface {
	Get(ctx context.Context, id string) (*customer.Customer, error)
}

var _ Store = (*store.Store)(nil)

// New returns the endpoint's handler.
func New(s Store, auth httpapi.Verifier, log *slog.Logger) http.Handler {
	serve := func(w http.ResponseWriter, r *http.Request, _ []byte) error {
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
	return httpapi.New(httpapi.Endpoint{Pattern: Pattern, Scope: hmacauth.ScopeRead, Serve: serve}, auth, log)
}
