// Package list is the GET /xcloud/v1/customers endpoint: customers a page at
// a time, all of them or those with one status.
package list

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/pagetoken"
	"github.com/xcloud/customers/shared/store"
)

// Function is the list endpoint's Lambda function.
var Function = function.Function{
	ID:    "ListFunction",
	Route: "GET /xcloud/v1/customers",
	Scope: hmacauth.ScopeRead,
	Needs: function.Needs{StatusIndex: true, PageTokens: true},
	Serve: func(d function.Deps) httpapi.Serve { return (&handler{store: d.Store, tokens: d.PageTokens}).serve },
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// Store lists customers.
type Store interface {
	List(ctx context.Context, status string, limit int, cursor *store.Cursor) (*store.Page, error)
}

var _ Store = (*store.Store)(nil)

// Tokens seals and opens nextToken values.
type Tokens interface {
	Seal(ctx context.Context, payload []byte) (string, error)
	Open(ctx context.Context, token string) ([]byte, error)
}

var _ Tokens = (*pagetoken.Codec)(nil)

type handler struct {
	store  Store
	tokens Tokens
}

// cursor is what a nextToken carries: the listing it belongs to and where
// that listing goes on.
type cursor struct {
	Status string            `json:"s"`
	Shard  int               `json:"h"`
	Key    map[string]string `json:"k,omitempty"`
}

type query struct {
	limit  int
	status string
	cursor *store.Cursor
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, _ []byte) error {
	q, err := h.parse(r)
	if err != nil {
		return err
	}
	page, err := h.store.List(r.Context(), q.status, q.limit, q.cursor)
	if err != nil {
		return err
	}
	b := append(make([]byte, 0, 1024*len(page.Customers)+64), `{"customers":[`...)
	for i, c := range page.Customers {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.AppendJSON(b)
	}
	b = append(b, ']')
	if page.Next != nil {
		payload, err := json.Marshal(cursor{Status: q.status, Shard: page.Next.Shard, Key: page.Next.Key})
		if err != nil {
			return err
		}
		token, err := h.tokens.Seal(r.Context(), payload)
		if err != nil {
			return err
		}
		b = append(b, `,"nextToken":"`...)
		b = append(b, token...) // base64url and '.': nothing to escape
		b = append(b, '"')
	}
	httpapi.WriteJSON(w, r, http.StatusOK, append(b, '}'))
	return nil
}

// parse reads the query: limit, status and nextToken, each at most once,
// and nothing else; every bad parameter is reported at once.
func (h *handler) parse(r *http.Request) (query, error) {
	q := query{limit: DefaultLimit}
	var fields []apierror.FieldError
	bad := func(name, msg string) { fields = append(fields, apierror.FieldError{Field: name, Message: msg}) }
	// url.Values drops a pair holding ';' without a word; the signature
	// covered it, so it is refused rather than ignored.
	for piece := range strings.SplitSeq(r.URL.RawQuery, "&") {
		if strings.Contains(piece, ";") {
			name, _, _ := strings.Cut(piece, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			bad(name, "must not contain ';': separate parameters with '&'")
		}
	}
	params := r.URL.Query()
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if len(params[name]) > 1 {
			bad(name, "must be given at most once")
			continue
		}
		v := params[name][0]
		switch name {
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxLimit || v != strconv.Itoa(n) {
				bad(name, "must be a whole number from 1 to 100")
			}
			q.limit = n
		case "status":
			if !slices.Contains(customer.Statuses, v) {
				bad(name, "must be one of ACTIVE, INACTIVE, SUSPENDED")
			}
			q.status = v
		case "nextToken":
		default:
			bad(name, "is not a known query parameter (limit, status, nextToken)")
		}
	}
	if len(fields) > 0 {
		return q, apierror.Validation(fields)
	}
	if token, ok := params["nextToken"]; ok {
		c, err := h.openToken(r.Context(), token[0], q.status)
		if err != nil {
			return q, err
		}
		q.cursor = c
	}
	return q, nil
}

func (h *handler) openToken(ctx context.Context, token, status string) (*store.Cursor, error) {
	invalid := apierror.Validation([]apierror.FieldError{{Field: "nextToken",
		Message: "is not a token from the previous page of this listing"}})
	payload, err := h.tokens.Open(ctx, token)
	if errors.Is(err, pagetoken.ErrInvalid) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	var c cursor
	if err := json.Unmarshal(payload, &c); err != nil || c.Status != status ||
		c.Shard < 0 || (status == "" && c.Shard != 0) || c.Shard >= store.StatusShards {
		return nil, invalid
	}
	return &store.Cursor{Shard: c.Shard, Key: c.Key}, nil
}
