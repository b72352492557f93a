// Package register is the POST /xcloud/v1/customers endpoint: it registers a
// new customer and hands out its two API keys, once.
package register

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/xcloud/customers/shared/apierror"
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
	Create(ctx context.Context, c *customer.Customer, keys store.APIKeyHashes) error
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

func (h *handler) serve(w http.ResponseWriter, r *http.Request, body []byte) error {
	doc, err := customer.DecodeCreate(body)
	if err != nil {
		return err
	}
	now := h.now().UTC().Truncate(time.Second)
	requestlog.Customers(r.Context(), doc.Str(customer.CustomerID))
	c := &customer.Customer{Fields: doc, Limits: h.limits, CreatedAt: now, UpdatedAt: now, Version: 1}
	keys := apiKeys{Primary: newAPIKey(), Secondary: newAPIKey()}
	err = h.store.Create(r.Context(), c, store.APIKeyHashes{Primary: hashKey(keys.Primary), Secondary: hashKey(keys.Secondary)})
	if errors.Is(err, store.ErrExists) {
		return apierror.Exists(c.ID())
	}
	if err != nil {
		return err
	}
	out, err := json.Marshal(response{
		CustomerID: c.ID(), CustomerName: doc.Str(customer.CustomerName), Status: doc.Str(customer.Status),
		CreatedAt: customer.Timestamp(now), APIKeys: keys, Limits: c.Limits,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/xcloud/v1/customers/"+c.ID())
	w.Header().Set("ETag", c.ETag())
	httpapi.WriteJSON(w, r, http.StatusCreated, out)
	return nil
}

// newAPIKey returns 256 random bits, URL-safe.
func newAPIKey() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails on supported platforms (crypto/rand docs)
	return "xck_" + base64.RawURLEncoding.EncodeToString(b)
}

// hashKey is what is stored of a key: its SHA-256, in hex.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
