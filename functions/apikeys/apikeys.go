// Package apikeys is the POST /xcloud/v1/customers/{customerId}/apiKeys
// endpoint: it replaces one of a customer's two API keys with a fresh one
// and leaves the other working, so that clients rotate one key at a time.
package apikeys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/apikey"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/requestlog"
	"github.com/xcloud/customers/shared/store"
)

// Function is the API key regeneration endpoint's Lambda function.
var Function = function.Function{
	ID:    "ApiKeysFunction",
	Route: "POST /xcloud/v1/customers/{customerId}/apiKeys",
	Scope: hmacauth.ScopeWrite,
	Serve: func(d function.Deps) httpapi.Serve { return (&handler{store: d.Store, now: d.Now}).serve },
}

// Store replaces API key hashes.
type Store interface {
	RegenerateKey(ctx context.Context, id string, name store.KeyName, hash string) error
}

var _ Store = (*store.Store)(nil)

type handler struct {
	store Store
	now   func() time.Time
}

type response struct {
	CustomerID    string            `json:"customerId"`
	APIKeys       map[string]string `json:"apiKeys"`
	RegeneratedAt string            `json:"regeneratedAt"`
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, body []byte) error {
	id := r.PathValue("customerId")
	if customer.ValidID(id) { // only ids, never arbitrary path text, go to the log
		requestlog.Customers(r.Context(), id)
	}
	name, err := decode(body)
	if err != nil {
		return err
	}
	if !customer.ValidID(id) {
		return apierror.NotFound(id) // no such id can be stored
	}
	key := apikey.New()
	err = h.store.RegenerateKey(r.Context(), id, name, apikey.Hash(key))
	if errors.Is(err, store.ErrNotFound) {
		return apierror.NotFound(id)
	}
	if err != nil {
		return err
	}
	out, err := json.Marshal(response{
		CustomerID: id, APIKeys: map[string]string{string(name): key},
		RegeneratedAt: customer.Timestamp(h.now()),
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
	return nil
}

// keyField is the body's one field.
const keyField = "key"

// decode reads the body, {"key": "primary"} or {"key": "secondary"}: a body
// that is not one JSON object is INVALID_JSON; any other object is
// VALIDATION_ERROR, naming every field that is wrong.
func decode(body []byte) (store.KeyName, error) {
	invalidJSON := apierror.New(http.StatusBadRequest, apierror.CodeInvalidJSON, "The body must be one JSON object, such as {\"key\": \"primary\"}")
	if !utf8.Valid(body) {
		return "", invalidJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", invalidJSON
	}
	// Any object but {"key": "primary"|"secondary"} is one VALIDATION_ERROR
	// of the field key, whose message says what else the body held.
	var problems []string
	var name store.KeyName
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", invalidJSON
		}
		field := tok.(string) // an object's keys are strings
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return "", invalidJSON
		}
		switch {
		case seen[field]:
			problems = append(problems, fmt.Sprintf("%q appears more than once", field))
		case field != keyField:
			problems = append(problems, fmt.Sprintf("%q is not a known field", field))
		default:
			var s string
			if json.Unmarshal(value, &s) != nil || (s != string(store.Primary) && s != string(store.Secondary)) {
				problems = append(problems, `its value must be "primary" or "secondary"`)
			} else {
				name = store.KeyName(s)
			}
		}
		seen[field] = true
	}
	if _, err := dec.Token(); err != nil { // '}'
		return "", invalidJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", invalidJSON
	}
	if !seen[keyField] {
		problems = append(problems, "it is required")
	}
	if len(problems) > 0 {
		return "", apierror.Validation([]apierror.FieldError{{Field: keyField,
			Message: `must be the body's one field, "primary" or "secondary": ` + strings.Join(problems, "; ")}})
	}
	return name, nil
}
