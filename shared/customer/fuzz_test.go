package customer_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
)

// FuzzDecode feeds arbitrary bodies to both decoders. Neither may panic;
// every refusal is a 400 INVALID_JSON or VALIDATION_ERROR naming fields; an
// accepted POST body renders as valid JSON holding its id.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"seed_post.json", "seed_put.json", "full_post.json"} {
		if b, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `null`, `{"a":1}`, `{"status":"ACTIVE","status":null}`, `{"contactInfo":null}`,
		`{"settings":{"dataRetentionDays":1e400}}`, `[[[[[`, "{\"customerName\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(what string, err error) {
			var e *apierror.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest ||
				(e.Code != apierror.CodeInvalidJSON && e.Code != apierror.CodeValidation) ||
				(e.Code == apierror.CodeValidation && len(e.Fields) == 0) {
				t.Fatalf("%s: refusal %#v", what, err)
			}
		}
		if doc, err := customer.DecodeCreate(body); err != nil {
			check("POST", err)
		} else {
			c := customer.Customer{Fields: doc, Limits: customer.DefaultLimits, CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0), Version: 1}
			out := c.AppendJSON(nil)
			var back struct{ CustomerID string }
			if err := json.Unmarshal(out, &back); err != nil || back.CustomerID != c.ID() || !customer.ValidID(back.CustomerID) {
				t.Fatalf("accepted %q renders as %s (%v)", body, out, err)
			}
		}
		if _, err := customer.DecodeUpdate(body, "FST-12345678-x"); err != nil {
			check("PUT", err)
		}
	})
}
