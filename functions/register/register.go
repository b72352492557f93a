// Package register is the POST /xcloud/v1/customers endpoint: it registers a
// new customer and hands out its two API keys, once.
package register

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/apikey"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/requestlog"
	"github.com/xcloud/customers/shared/store"
)

// Function is the register endpoint's Lambda function. New customers get
// the deployment's limits.
var Function = function.Function{
	ID:    "RegisterFunction",
	Route: "POST /xcloud/v1/customers",
	Scope: hmacauth.ScopeWrite,
	Needs: function.Needs{Limits: true},
	Serve: func(d function.Deps) httpapi.Serve {
		return (&handler{store: d.Store, limits: d.Limits, now: d.Now}).serve
	},
}

// Store creates customers.
type Store interface {
	Create(ctx context.Context, c *customer.Customer, keys store.APIKeyHashes, idem *store.Idempotency, now time.Time) (*store.Created, error)
}

var _ Store = (*store.Store)(nil)

type handler struct {
	store  Store
	limits customer.Limits
	now    func() time.Time
}

type response struct {
	CustomerID   string          `json:"customerId"`
	CustomerName string          `json:"customerName"`
	Status       string          `json:"status"`
	CreatedAt    string          `json:"createdAt"`
	APIKeys      apiKeys         `json:"apiKeys"`
	Limits       customer.Limits `json:"limits"`
}

type apiKeys struct {
	Primary   string `json:"primary"`
	Secondary string `json:"secondary"`
}

// HeaderReplayed marks the answer to an idempotent replay.
const HeaderReplayed = "Idempotent-Replayed"

// remembered is how long a registration's Idempotency-Key is remembered.
const remembered = 24 * time.Hour

func (h *handler) serve(w http.ResponseWriter, r *http.Request, body []byte) error {
	now := h.now().UTC().Truncate(time.Second)
	idem, err := idempotency(r, body, now)
	if err != nil {
		return err
	}
	doc, err := customer.DecodeCreate(body)
	if err != nil {
		return err
	}
	requestlog.Customers(r.Context(), doc.Str(customer.CustomerID))
	c := &customer.Customer{Fields: doc, Limits: h.limits, CreatedAt: now, UpdatedAt: now, Version: 1}
	keys := apiKeys{Primary: apikey.New(), Secondary: apikey.New()}
	created, err := h.store.Create(r.Context(), c, store.APIKeyHashes{Primary: apikey.Hash(keys.Primary), Secondary: apikey.Hash(keys.Secondary)}, idem, now)
	switch {
	case errors.Is(err, store.ErrExists):
		return apierror.Exists(c.ID())
	case errors.Is(err, store.ErrIdempotencyKeyReused):
		return apierror.New(http.StatusUnprocessableEntity, apierror.CodeIdempotencyKeyReused,
			"This Idempotency-Key was used with another body: send a new key for a new registration")
	case err != nil:
		return err
	}
	stored := created.Customer
	out, err := json.Marshal(response{
		CustomerID: stored.ID(), CustomerName: stored.Fields.Str(customer.CustomerName), Status: stored.Fields.Str(customer.Status),
		CreatedAt: customer.Timestamp(stored.CreatedAt), APIKeys: keys, Limits: stored.Limits,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/xcloud/v1/customers/"+stored.ID())
	w.Header().Set("ETag", stored.ETag())
	if created.Replayed {
		w.Header().Set(HeaderReplayed, "true")
	}
	httpapi.WriteJSON(w, r, http.StatusCreated, out)
	return nil
}

// idempotency reads the request's Idempotency-Key: nil without one; a key
// that is not 1 to 255 printable ASCII characters is refused.
func idempotency(r *http.Request, body []byte, now time.Time) (*store.Idempotency, error) {
	values := r.Header.Values(hmacauth.HeaderIdempotencyKey)
	if len(values) == 0 {
		return nil, nil
	}
	key := strings.TrimSpace(strings.Join(values, ","))
	if !validKey(key) {
		return nil, apierror.New(http.StatusBadRequest, apierror.CodeInvalidIdempotencyKey,
			"Idempotency-Key must be 1 to 255 printable ASCII characters ('!' to '~')")
	}
	bodySum := sha256.Sum256(body)
	return &store.Idempotency{
		Service:  httpapi.ServiceID(r),
		KeyHash:  apikey.Hash(key),
		BodyHash: hex.EncodeToString(bodySum[:]),
		Expires:  now.Add(remembered),
	}, nil
}

// keyShape is printable ASCII without space.
var keyShape = regexp.MustCompile(`^[!-~]+$`)

func validKey(key string) bool { return len(key) <= 255 && keyShape.MatchString(key) }
