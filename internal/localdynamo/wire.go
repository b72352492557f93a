package localdynamo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xcloud/customers/shared/store"
)

// ConditionItems answers a refused conditional write as DynamoDB does, with
// the item that refused it when the write asked for it
// (ReturnValuesOnConditionCheckFailure ALL_OLD): dynalite leaves it out of
// every such answer and minidyn out of PutItem's, and the store reads it to
// tell 409 from its own retried create and 412 from 404. The item is read
// from next with a consistent GetItem. On a DynamoDB that returns the item,
// nothing is read or changed.
func ConditionItems(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := r.Header.Get("X-Amz-Target")
		if !strings.HasSuffix(op, ".PutItem") && !strings.HasSuffix(op, ".UpdateItem") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var in struct {
			TableName                           string
			Key, Item                           map[string]json.RawMessage
			ReturnValuesOnConditionCheckFailure string
		}
		if json.Unmarshal(body, &in) != nil || in.ReturnValuesOnConditionCheckFailure != "ALL_OLD" {
			next.ServeHTTP(w, r)
			return
		}
		key := in.Key
		if key == nil { // PutItem: the key is in the item
			key = map[string]json.RawMessage{store.KeyAttribute: in.Item[store.KeyAttribute]}
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		out := rec.Body.Bytes()
		if rec.Code == http.StatusBadRequest {
			out = withItem(next, r, out, in.TableName, key)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		// The SDK checks the body against X-Amz-Crc32 when it is present.
		if w.Header().Get("X-Amz-Crc32") != "" {
			w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(out)), 10))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(rec.Code)
		w.Write(out)
	})
}

// withItem returns the error answer with the stored item added, when it is
// a condition failure without one; otherwise the answer as it was.
func withItem(next http.Handler, r *http.Request, answer []byte, table string, key map[string]json.RawMessage) []byte {
	var failure map[string]json.RawMessage
	if json.Unmarshal(answer, &failure) != nil || failure["Item"] != nil {
		return answer
	}
	var kind string
	json.Unmarshal(failure["__type"], &kind)
	if !strings.HasSuffix(kind, "ConditionalCheckFailedException") {
		return answer
	}
	get, _ := json.Marshal(map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	req := r.Clone(r.Context())
	req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(get)), int64(len(get))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	req.Header.Del("Content-Length")
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, req)
	var got struct{ Item json.RawMessage }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Item == nil {
		return answer
	}
	failure["Item"] = got.Item
	b, err := json.Marshal(failure)
	if err != nil {
		return answer
	}
	return b
}

// ProxyHandler forwards every request to the DynamoDB at endpoint (dynalite,
// moto, DynamoDB Local), through ConditionItems.
func ProxyHandler(endpoint string) (http.Handler, error) {
	target, err := url.Parse(endpoint)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("DynamoDB endpoint %q is not a URL", endpoint)
	}
	return ConditionItems(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}), nil
}

// Proxy is a running ProxyHandler.
type Proxy struct {
	URL  string // where it listens, on loopback
	http *http.Server
}

// StartProxy serves ProxyHandler(endpoint) on a free loopback port.
func StartProxy(endpoint string) (*Proxy, error) {
	h, err := ProxyHandler(endpoint)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB proxy: %w", err)
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), http: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}}
	go func() {
		if err := p.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("DynamoDB proxy stopped", "error", err.Error())
		}
	}()
	return p, nil
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.http.Close() }
