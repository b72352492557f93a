// Package bench measures the built functions out of process, as Lambda runs
// and bills them, against references built and run the same way, so that
// the figures hold as ratios on a noisy machine (docs/PERFORMANCE.md).
package bench

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// Item is a typical stored customer, every field set, in DynamoDB JSON.
const Item = `{"customerId":{"S":"FST-1536316721808-NewCustomer"},"customerName":{"S":"Dewatering Solutions Inc"},` +
	`"description":{"S":"Municipal water management services"},"contactInfo":{"M":{"email":{"S":"contact@dewatering-solutions.com"},` +
	`"phone":{"S":"+1-555-0123"},"address":{"M":{"street":{"S":"123 Industrial Drive"},"city":{"S":"Springfield"},"state":{"S":"IL"},` +
	`"country":{"S":"USA"},"postalCode":{"S":"62701"}}}}},"businessInfo":{"M":{"industry":{"S":"Water Management"},` +
	`"sector":{"S":"Municipal Services"},"timezone":{"S":"America/Chicago"}}},"settings":{"M":{"dataRetentionDays":{"N":"365"},` +
	`"alertFrequency":{"S":"immediate"},"reportingEnabled":{"BOOL":true}}},"location":{"M":{"latitude":{"N":"39.7817"},"longitude":{"N":"-89.6501"}}},` +
	`"status":{"S":"ACTIVE"},"statusShard":{"S":"ACTIVE#3"},"limits":{"M":{"maxDevices":{"N":"100"},"maxUsers":{"N":"50"},` +
	`"maxDataPoints":{"N":"1000000"}}},"apiKeyHashes":{"M":{"primary":{"S":"0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"},` +
	`"secondary":{"S":"1f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"}}},"createdAt":{"S":"2024-01-01T10:30:00Z"},` +
	`"updatedAt":{"S":"2024-01-01T10:30:00Z"},"version":{"N":"1"}}`

// PageSize is the size of the list pages measured.
const PageSize = 10

// FakeDynamoDB answers every DynamoDB call at once with a canned answer for
// the typical customer, as DynamoDB would send it, and counts the calls by
// operation. A call the SDK retries counts once; the retries are counted
// apart.
type FakeDynamoDB struct {
	*httptest.Server
	mu      sync.Mutex
	calls   map[string]int
	retries int
}

// NewFakeDynamoDB starts one for table.
func NewFakeDynamoDB(table string) *FakeDynamoDB {
	page := `{"Items":[` + strings.TrimSuffix(strings.Repeat(Item+",", PageSize), ",") + `],"Count":10,"ScannedCount":10}`
	answers := map[string][]byte{
		"PutItem":      []byte(`{}`),
		"UpdateItem":   []byte(`{"Attributes":` + Item + `}`),
		"GetItem":      []byte(`{"Item":` + Item + `}`),
		"Scan":         []byte(page),
		"Query":        []byte(page),
		"BatchGetItem": []byte(`{"Responses":{"` + table + `":[{"customerId":{"S":"FST-1536316721808-NewCustomer"}}]},"UnprocessedKeys":{}}`),
	}
	f := &FakeDynamoDB{calls: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		target := r.Header.Get("X-Amz-Target")
		op := target[strings.LastIndexByte(target, '.')+1:]
		f.mu.Lock()
		// The SDK numbers the attempts of each call: "attempt=1; max=3".
		if strings.HasPrefix(r.Header.Get("Amz-Sdk-Request"), "attempt=1;") {
			f.calls[op]++
		} else {
			f.retries++
		}
		f.mu.Unlock()
		body, ok := answers[op]
		if !ok {
			http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
			return
		}
		// DynamoDB always sends Content-Length; without it net/http would
		// chunk answers over 2 KB.
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		w.Write(body)
	}))
	return f
}

// Calls returns the calls by operation and the retries since the last
// Calls, and starts counting again from nothing.
func (f *FakeDynamoDB) Calls() (calls map[string]int, retries int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls, retries = f.calls, f.retries
	f.calls, f.retries = map[string]int{}, 0
	return calls, retries
}

// FakeSecretsManager answers GetSecretValue (the JSON protocol,
// X-Amz-Target secretsmanager.GetSecretValue) with the current string value
// of the secrets it holds, as Secrets Manager sends it, and counts the calls.
// It runs on its own address, as Secrets Manager has its own endpoint, so
// that its calls take their own connection, as deployed.
type FakeSecretsManager struct {
	*httptest.Server
	mu    sync.Mutex
	calls int
}

// NewFakeSecretsManager starts one holding values, by secret id (an ARN, as
// template.yaml's references give the functions).
func NewFakeSecretsManager(values map[string]string) *FakeSecretsManager {
	f := &FakeSecretsManager{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ SecretId string }
		err := json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || err != nil {
			w.Header().Set("X-Amzn-Errortype", "UnknownOperationException")
			http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		if strings.HasPrefix(r.Header.Get("Amz-Sdk-Request"), "attempt=1;") {
			f.calls++
		}
		f.mu.Unlock()
		value, ok := values[in.SecretId]
		if !ok {
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret: %s"}`, in.SecretId)
			return
		}
		body, _ := json.Marshal(map[string]any{
			"ARN": in.SecretId, "Name": in.SecretId[strings.LastIndexByte(in.SecretId, ':')+1:], "SecretString": value,
			"VersionId": "b9b6cd23-6d53-4a5f-8d6e-7f0d3c3f6a21", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7648e9,
		})
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	return f
}

// Calls returns the GetSecretValue calls since the last Calls (retries
// not counted), and starts counting again from nothing.
func (f *FakeSecretsManager) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.calls
	f.calls = 0
	return n
}
