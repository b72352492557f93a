// Package update is the PUT /xcloud/v1/customers/{customerId} endpoint: it
// merges a partial document into a stored customer.
package update

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/requestlog"
	"github.com/xcloud/customers/shared/store"
)

// Function is the update endpoint's Lambda function.
var Function = function.Function{
	ID:    "UpdateFunction",
	Route: "PUT /xcloud/v1/customers/{customerId}",
	Scope: hmacauth.ScopeWrite,
	Serve: func(d function.Deps) httpapi.Serve { return (&handler{store: d.Store, now: d.Now}).serve },
}

// Store updates customers.
type Store interface {
	Update(ctx context.Context, id string, update customer.Document, ifMatch []int64, now time.Time) (*store.Update, error)
}

var _ Store = (*store.Store)(nil)

type handler struct {
	store Store
	now   func() time.Time
}

type response struct {
	CustomerID   string   `json:"customerId"`
	CustomerName string   `json:"customerName"`
	Status       string   `json:"status"`
	UpdatedAt    string   `json:"updatedAt"`
	Changes      []string `json:"changes"`
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, body []byte) error {
	id := r.PathValue("customerId")
	if customer.ValidID(id) { // only ids, never arbitrary path text, go to the log
		requestlog.Customers(r.Context(), id)
	}
	doc, err := customer.DecodeUpdate(body, id)
	if err != nil {
		return err
	}
	if !customer.ValidID(id) {
		return apierror.NotFound(id) // no such id can be stored
	}
	now := h.now().UTC().Truncate(time.Second)
	res, err := h.store.Update(r.Context(), id, doc, ifMatch(r.Header.Values("If-Match")), now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apierror.NotFound(id)
	case errors.Is(err, store.ErrPreconditionFailed):
		return apierror.PreconditionFailed(id)
	case err != nil:
		return err
	}
	c := res.Customer
	out, err := json.Marshal(response{
		CustomerID: id, CustomerName: c.Fields.Str(customer.CustomerName), Status: c.Fields.Str(customer.Status),
		UpdatedAt: customer.Timestamp(c.UpdatedAt), Changes: res.Changes,
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", c.ETag())
	httpapi.WriteJSON(w, r, http.StatusOK, out)
	return nil
}

// ifMatch reads If-Match: nil when absent or "*" (any version will do),
// otherwise the versions its strong entity tags name, possibly none, since a
// weak or malformed tag matches nothing.
func ifMatch(values []string) []int64 {
	if len(values) == 0 {
		return nil
	}
	versions := []int64{}
	for _, tag := range strings.Split(strings.Join(values, ","), ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return nil
		}
		if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
			continue
		}
		if v, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64); err == nil && v > 0 {
			versions = append(versions, v)
		}
	}
	return versions
}
