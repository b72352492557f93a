package localapi_test

// Version 1.1 of the contract, end to end, with the test's own signer:
// signed If-Match and Idempotency-Key, idempotent registration, API key
// regeneration, and the string to sign in INVALID_SIGNATURE answers.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// created is a 201's body.
type created struct {
	CustomerID, CustomerName, Status, CreatedAt string
	APIKeys                                     struct{ Primary, Secondary string }
	Limits                                      map[string]int64
}

func (r response) created(t *testing.T) created {
	t.Helper()
	var c created
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	return c
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// storedKeys is the pair of key hashes stored for id.
func (e *env) storedKeys(id string) (primary, secondary string) {
	e.t.Helper()
	item := e.db.Snapshot(e.t)[id]
	var m struct {
		APIKeyHashes struct{ Primary, Secondary string } `json:"apiKeyHashes"`
	}
	if err := json.Unmarshal([]byte(item), &m); err != nil {
		e.t.Fatalf("item %s: %v", item, err)
	}
	return strings.TrimPrefix(m.APIKeyHashes.Primary, "S:"), strings.TrimPrefix(m.APIKeyHashes.Secondary, "S:")
}

func withKey(key string) map[string]string { return map[string]string{"Idempotency-Key": key} }

// Every row of the idempotency table.
func TestIdempotentRegistration(t *testing.T) {
	e := newEnv(t)
	id := cid(1)
	body := minimal(id, "ACTIVE")
	first := e.do(request{method: http.MethodPost, path: base, body: body, header: withKey("order-42")})
	if first.status != http.StatusCreated || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first POST: %d %v %s", first.status, first.header, first.body)
	}
	one := first.created(t)

	// Same body: 201 again, the same customer, new keys, replayed.
	again := e.do(request{method: http.MethodPost, path: base, body: body, header: withKey("order-42")})
	if again.status != http.StatusCreated || again.header.Get("Idempotent-Replayed") != "true" ||
		again.header.Get("ETag") != `"1"` || again.header.Get("Location") != base+"/"+id {
		t.Fatalf("replay: %d %v %s", again.status, again.header, again.body)
	}
	two := again.created(t)
	if two.CustomerID != one.CustomerID || two.CreatedAt != one.CreatedAt || !maps.Equal(two.Limits, one.Limits) ||
		two.CustomerName != one.CustomerName || two.Status != one.Status {
		t.Errorf("replay answered %+v, first %+v", two, one)
	}
	if two.APIKeys.Primary == one.APIKeys.Primary || two.APIKeys.Secondary == one.APIKeys.Secondary || !apiKeyPattern.MatchString(two.APIKeys.Primary) {
		t.Errorf("replay keys %+v, first %+v: want new ones", two.APIKeys, one.APIKeys)
	}
	if p, s := e.storedKeys(id); p != keyHash(two.APIKeys.Primary) || s != keyHash(two.APIKeys.Secondary) {
		t.Errorf("stored key hashes are not the replay's: the first answer's keys must stop working")
	}
	if g := e.do(request{method: http.MethodGet, path: base + "/" + id}); g.header.Get("ETag") != `"1"` {
		t.Errorf("the replay moved the ETag: %v", g.header)
	}

	// Another body with the key: 422, nothing changes.
	e.unchanged(func() {
		other := e.do(request{method: http.MethodPost, path: base, body: minimal(id, "SUSPENDED"), header: withKey("order-42")})
		expectError(t, other, http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED")
	})

	// Without the key, with another key, or from another service: 409 as in 1.0.
	e.unchanged(func() {
		for _, r := range []request{
			{method: http.MethodPost, path: base, body: body},
			{method: http.MethodPost, path: base, body: body, header: withKey("order-43")},
			{method: http.MethodPost, path: base, body: body, header: withKey("order-42"), service: writeOnly, secret: woSecret},
		} {
			m := expectError(t, e.do(r), http.StatusConflict, "CUSTOMER_EXISTS")
			if m["customerId"] != id {
				t.Errorf("409 body %v", m)
			}
		}
	})

	// Changed since: the same body and key are 409.
	if r := e.do(request{method: http.MethodPut, path: base + "/" + id, body: `{"description":"changed"}`}); r.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	e.unchanged(func() {
		expectError(t, e.do(request{method: http.MethodPost, path: base, body: body, header: withKey("order-42")}), http.StatusConflict, "CUSTOMER_EXISTS")
	})

	// A 1.0 client that sends no key is unaffected elsewhere.
	if r := e.do(request{method: http.MethodPost, path: base, body: minimal(cid(2), "ACTIVE")}); r.status != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("1.0 POST: %d %v", r.status, r.header)
	}
}

// A malformed Idempotency-Key is 400 INVALID_IDEMPOTENCY_KEY, and nothing is
// written; other routes ignore the header, signed.
func TestMalformedIdempotencyKeys(t *testing.T) {
	e := newEnv(t)
	e.unchanged(func() {
		for _, key := range []string{strings.Repeat("k", 256), "two words", "caf\u00e9", "tab\tinside"} { // DEL and other controls: in the hostile suite, as net/http will not send them
			r := e.do(request{method: http.MethodPost, path: base, body: minimal(cid(1), "ACTIVE"), header: withKey(key)})
			expectError(t, r, http.StatusBadRequest, "INVALID_IDEMPOTENCY_KEY")
		}
	})
	if r := e.do(request{method: http.MethodPost, path: base, body: minimal(cid(1), "ACTIVE"), header: withKey(strings.Repeat("~", 255))}); r.status != http.StatusCreated {
		t.Errorf("a 255-character key: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: http.MethodGet, path: base + "/" + cid(1), header: withKey("two words")}); r.status != http.StatusOK {
		t.Errorf("GET with the header: %d %s", r.status, r.body)
	}
}

// Replays at once: every one is 201, and the keys stored are exactly one
// answer's pair; a replay racing a PUT either comes first or gets 409.
func TestConcurrentReplaysEndToEnd(t *testing.T) {
	e := newEnv(t)
	body := minimal(cid(1), "ACTIVE")
	if r := e.do(request{method: http.MethodPost, path: base, body: body, header: withKey("k")}); r.status != http.StatusCreated {
		t.Fatalf("first POST: %d %s", r.status, r.body)
	}
	const n = 10
	answers := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = e.do(request{method: http.MethodPost, path: base, body: body, header: withKey("k")})
		})
	}
	wg.Wait()
	p, s := e.storedKeys(cid(1))
	matches := 0
	for i, a := range answers {
		if a.status != http.StatusCreated && a.status != http.StatusConflict {
			t.Errorf("replay %d: %d %s", i, a.status, a.body)
			continue
		}
		if a.status == http.StatusCreated {
			k := a.created(t).APIKeys
			if keyHash(k.Primary) == p && keyHash(k.Secondary) == s {
				matches++
			}
		}
	}
	if matches != 1 {
		t.Errorf("%d answers hold the stored pair of keys, want exactly 1", matches)
	}

	for round := range 4 {
		id := cid(100 + round)
		body := minimal(id, "ACTIVE")
		if r := e.do(request{method: http.MethodPost, path: base, body: body, header: withKey("race")}); r.status != http.StatusCreated {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		var replay, put response
		wg.Go(func() {
			replay = e.do(request{method: http.MethodPost, path: base, body: body, header: withKey("race")})
		})
		wg.Go(func() {
			put = e.do(request{method: http.MethodPut, path: base + "/" + id, body: `{"description":"raced"}`})
		})
		wg.Wait()
		if put.status != http.StatusOK {
			t.Fatalf("PUT: %d %s", put.status, put.body)
		}
		p, s := e.storedKeys(id)
		switch replay.status {
		case http.StatusCreated:
			if k := replay.created(t).APIKeys; keyHash(k.Primary) != p || keyHash(k.Secondary) != s {
				t.Errorf("round %d: the replay answered 201 but its keys are not stored", round)
			}
		case http.StatusConflict:
		default:
			t.Errorf("round %d: replay %d %s", round, replay.status, replay.body)
		}
	}
}

// Regenerating a key: a fresh one every time, the other untouched, the ETag
// unmoved; 400, 403 and 404 as the contract writes them.
func TestRegenerateKey(t *testing.T) {
	e := newEnv(t)
	one := e.register(cid(1), "ACTIVE").created(t)
	path := base + "/" + cid(1) + "/apiKeys"
	seen := map[string]bool{one.APIKeys.Primary: true}
	for range 3 {
		r := e.do(request{method: http.MethodPost, path: path, body: `{"key":"primary"}`})
		if r.status != http.StatusOK || r.header.Get("ETag") != "" {
			t.Fatalf("regenerate: %d %v %s", r.status, r.header, r.body)
		}
		var got struct {
			CustomerID    string
			APIKeys       map[string]string
			RegeneratedAt string
		}
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		key := got.APIKeys["primary"]
		if got.CustomerID != cid(1) || len(got.APIKeys) != 1 || !apiKeyPattern.MatchString(key) || seen[key] {
			t.Errorf("answer %s: want a fresh primary key only", r.body)
		}
		if at, err := time.Parse(time.RFC3339, got.RegeneratedAt); err != nil || time.Since(at) > time.Minute {
			t.Errorf("regeneratedAt %q", got.RegeneratedAt)
		}
		seen[key] = true
		if p, s := e.storedKeys(cid(1)); p != keyHash(key) || s != keyHash(one.APIKeys.Secondary) {
			t.Errorf("stored keys: want the new primary and the old secondary")
		}
	}
	if g := e.do(request{method: http.MethodGet, path: base + "/" + cid(1)}); g.header.Get("ETag") != `"1"` || strings.Contains(string(g.body), "apiKey") {
		t.Errorf("after regeneration GET: %v %s", g.header, g.body)
	}

	e.unchanged(func() {
		for _, c := range []struct {
			body   string
			status int
			code   string
			fields []string
		}{
			{`not json`, 400, "INVALID_JSON", nil},
			{`["primary"]`, 400, "INVALID_JSON", nil},
			{`{"key":"primary"} {}`, 400, "INVALID_JSON", nil},
			{`{}`, 400, "VALIDATION_ERROR", []string{"key"}},
			{`{"key":"tertiary"}`, 400, "VALIDATION_ERROR", []string{"key"}},
			{`{"key":1}`, 400, "VALIDATION_ERROR", []string{"key"}},
			{`{"key":null}`, 400, "VALIDATION_ERROR", []string{"key"}},
			{`{"key":"primary","also":"secondary"}`, 400, "VALIDATION_ERROR", []string{"key"}}, // any other body: the field key
			{`{"key":"primary","key":"secondary"}`, 400, "VALIDATION_ERROR", []string{"key"}},
		} {
			m := expectError(t, e.do(request{method: http.MethodPost, path: path, body: c.body}), c.status, c.code)
			if c.fields != nil {
				fields, _ := m["fields"].([]any)
				var names []string
				for _, f := range fields {
					names = append(names, f.(map[string]any)["field"].(string))
				}
				if strings.Join(names, ",") != strings.Join(c.fields, ",") {
					t.Errorf("%s: fields %v, want %v", c.body, names, c.fields)
				}
			}
		}
		expectError(t, e.do(request{method: http.MethodPost, path: path, body: `{"key":"primary"}`, service: reader, secret: readSecret}), 403, "FORBIDDEN")
		m := expectError(t, e.do(request{method: http.MethodPost, path: base + "/" + cid(2) + "/apiKeys", body: `{"key":"secondary"}`}), 404, "CUSTOMER_NOT_FOUND")
		if m["customerId"] != cid(2) {
			t.Errorf("404 body %v", m)
		}
		expectError(t, e.do(request{method: http.MethodPost, path: base + "/not-an-id/apiKeys", body: `{"key":"secondary"}`}), 404, "CUSTOMER_NOT_FOUND")
	})
}

// If-Match removed, swapped or left unsigned: 401 and nothing written.
func TestIfMatchIsSigned(t *testing.T) {
	e := newEnv(t)
	e.register(cid(1), "ACTIVE")
	path := base + "/" + cid(1)
	put := func(sent *string, signed []string) request {
		r := request{method: http.MethodPut, path: path, body: `{"description":"x"}`, unsignedHeaders: true, signExtra: signed}
		if sent != nil {
			r.header = map[string]string{"If-Match": *sent}
		}
		return r
	}
	str := func(s string) *string { return &s }
	e.unchanged(func() {
		for name, r := range map[string]request{
			"sent, not signed":          put(str(`"1"`), nil),
			"signed, removed":           put(nil, []string{`if-match:"1"`}),
			"signed, sent as *":         put(str("*"), []string{`if-match:"1"`}),
			"signed, sent as another":   put(str(`"2"`), []string{`if-match:"1"`}),
			"signed, another one added": put(str(`"1", "2"`), []string{`if-match:"1"`}),
		} {
			if m := expectError(t, e.do(r), http.StatusUnauthorized, "INVALID_SIGNATURE"); m["stringToSign"] == nil {
				t.Errorf("%s: no stringToSign", name)
			}
		}
	})
	if r := e.do(put(str(`"1"`), []string{`if-match:"1"`})); r.status != http.StatusOK {
		t.Errorf("signed If-Match: %d %s", r.status, r.body)
	}
}

// INVALID_SIGNATURE carries the string the server signed: the client's own
// string, for a known service with a wrong secret and for an unknown one.
func TestStringToSignInTheAnswer(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ service, secret string }{{writer, "not-the-secret"}, {"no.such-service", "whatever"}} {
		ts := time.Now().Unix()
		body := minimal(cid(1), "ACTIVE")
		r := e.do(request{method: http.MethodPost, path: base, query: "b=2&a=1", body: body, service: c.service, secret: c.secret,
			header: map[string]string{"Idempotency-Key": " spaced-key "}})
		m := expectError(t, r, http.StatusUnauthorized, "INVALID_SIGNATURE")
		sum := contentMD5(body)
		want := strings.Join([]string{"XCLOUD-HMAC-SHA256", strconv.FormatInt(ts, 10), c.service, "POST", base, "a=1&b=2", sum, "idempotency-key:spaced-key"}, "\n")
		if got, _ := m["stringToSign"].(string); got != want {
			// The clock may have ticked between signing and the check above.
			alt := strings.Replace(want, strconv.FormatInt(ts, 10), strconv.FormatInt(ts+1, 10), 1)
			if got != alt {
				t.Errorf("%s: stringToSign\n%q\nwant the client's own\n%q", c.service, got, want)
			}
		}
		if strings.Contains(string(r.body), c.secret) {
			t.Errorf("%s: the answer holds the secret", c.service)
		}
	}
}
