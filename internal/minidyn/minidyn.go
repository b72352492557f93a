// Package minidyn serves the embedded DynamoDB of local runs and tests:
// truora/minidyn's server, adapted here where it answers otherwise than
// DynamoDB, so that production code never has to know about it.
package minidyn

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
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/truora/minidyn/server"

	"github.com/xcloud/customers/internal/localdynamo"
)

// Server is a running embedded DynamoDB.
type Server struct {
	*server.Server        // minidyn itself, for fault injection
	URL            string // where it listens, on loopback
	http           *http.Server
}

// Start serves a fresh, empty minidyn on a free loopback port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start embedded DynamoDB: %w", err)
	}
	s := &Server{Server: server.NewServer(), URL: "http://" + ln.Addr().String()}
	s.http = &http.Server{Handler: Handler(s.Server), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("embedded DynamoDB stopped", "error", err.Error())
		}
	}()
	return s, nil
}

// Close stops it; what it held is gone.
func (s *Server) Close() error { return s.http.Close() }

// Handler is minidyn answering as DynamoDB does where the store needs it:
//   - an UpdateItem that REMOVEs a top-level attribute removes it: minidyn
//     keeps it, so such a REMOVE is sent to minidyn as a SET to NULL, and
//     top-level NULLs, which nothing else writes, are left out of answers;
//   - an empty map is {"M":{}}: minidyn writes {}, which the SDK cannot
//     read as any attribute value;
//   - every answer carries X-Amz-Crc32, the CRC-32 of its body: the SDK
//     checks it, and without it takes every answer for a corrupt one;
//   - a refused conditional PutItem that asks for the item gets it
//     (localdynamo.ConditionItems).
func Handler(minidyn http.Handler) http.Handler {
	return localdynamo.ConditionItems(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".UpdateItem") {
			body = removeAsNull(body)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		rec := httptest.NewRecorder()
		minidyn.ServeHTTP(rec, r)
		out := asDynamoDB(rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(out)), 10))
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(rec.Code)
		w.Write(out)
	}))
}

var clause = regexp.MustCompile(`(?i)\b(SET|REMOVE|ADD|DELETE)\b`)

// nullValue is the placeholder removeAsNull adds for its NULLs.
const nullValue = ":minidynRemoved"

// removeAsNull turns the top-level paths of an UpdateItem's REMOVE clause
// into "path = NULL" in its SET clause.
func removeAsNull(body []byte) []byte {
	var in map[string]json.RawMessage
	var expr string
	if json.Unmarshal(body, &in) != nil || json.Unmarshal(in["UpdateExpression"], &expr) != nil {
		return body
	}
	bounds := clause.FindAllStringIndex(expr, -1)
	clauses := map[string][]string{}
	var order []string
	for i, b := range bounds {
		end := len(expr)
		if i+1 < len(bounds) {
			end = bounds[i+1][0]
		}
		name := strings.ToUpper(expr[b[0]:b[1]])
		if _, ok := clauses[name]; !ok {
			order = append(order, name)
		}
		clauses[name] = append(clauses[name], strings.TrimSpace(expr[b[1]:end]))
	}
	var kept, nulled []string
	for _, c := range clauses["REMOVE"] {
		for _, path := range strings.Split(c, ",") {
			path = strings.TrimSpace(path)
			if strings.ContainsAny(path, ".[") {
				kept = append(kept, path)
			} else {
				nulled = append(nulled, path+" = "+nullValue)
			}
		}
	}
	if len(nulled) == 0 {
		return body
	}
	clauses["SET"] = append(clauses["SET"], strings.Join(nulled, ", "))
	clauses["REMOVE"] = nil
	if len(kept) > 0 {
		clauses["REMOVE"] = []string{strings.Join(kept, ", ")}
	}
	if !slices.Contains(order, "SET") {
		order = append(order, "SET")
	}
	var parts []string
	for _, name := range order {
		if len(clauses[name]) > 0 {
			parts = append(parts, name+" "+strings.Join(clauses[name], ", "))
		}
	}
	values := map[string]json.RawMessage{}
	json.Unmarshal(in["ExpressionAttributeValues"], &values)
	values[nullValue] = json.RawMessage(`{"NULL":true}`)
	in["ExpressionAttributeValues"], _ = json.Marshal(values)
	in["UpdateExpression"], _ = json.Marshal(strings.Join(parts, " "))
	out, err := json.Marshal(in)
	if err != nil {
		return body
	}
	return out
}

// asDynamoDB rewrites the items of an answer (Item, Attributes, Items, the
// items of Responses) as DynamoDB would send them: without top-level NULLs,
// and with empty maps as maps.
func asDynamoDB(body []byte) []byte {
	if !bytes.Contains(body, []byte(`"NULL"`)) && !bytes.Contains(body, []byte(`{}`)) {
		return body
	}
	var out map[string]json.RawMessage
	if json.Unmarshal(body, &out) != nil {
		return body
	}
	for _, key := range []string{"Item", "Attributes"} {
		if raw, ok := out[key]; ok {
			out[key] = fixItem(raw)
		}
	}
	if raw, ok := out["Items"]; ok {
		out["Items"] = fixItems(raw)
	}
	if raw, ok := out["Responses"]; ok {
		var tables map[string]json.RawMessage
		if json.Unmarshal(raw, &tables) == nil {
			for t, items := range tables {
				tables[t] = fixItems(items)
			}
			out["Responses"], _ = json.Marshal(tables)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return body
	}
	return b
}

func fixItems(raw json.RawMessage) json.RawMessage {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return raw
	}
	for i := range items {
		items[i] = fixItem(items[i])
	}
	b, _ := json.Marshal(items)
	return b
}

// fixItem drops an item's top-level NULLs and writes its empty maps as maps.
func fixItem(raw json.RawMessage) json.RawMessage {
	var item map[string]map[string]json.RawMessage
	if json.Unmarshal(raw, &item) != nil {
		return raw
	}
	for name, av := range item {
		if _, null := av["NULL"]; null && len(av) == 1 {
			delete(item, name)
		}
	}
	b, _ := json.Marshal(fixMaps(item))
	return b
}

// fixMaps writes every {} among attribute values as an empty map, at any depth.
func fixMaps(values map[string]map[string]json.RawMessage) map[string]map[string]json.RawMessage {
	for name, av := range values {
		if len(av) == 0 {
			values[name] = map[string]json.RawMessage{"M": json.RawMessage(`{}`)}
			continue
		}
		if m, ok := av["M"]; ok {
			var inner map[string]map[string]json.RawMessage
			if json.Unmarshal(m, &inner) == nil {
				av["M"], _ = json.Marshal(fixMaps(inner))
			}
		}
	}
	return values
}
