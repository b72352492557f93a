// Package minidyn serves the embedded DynamoDB of local runs and tests:
// truora/minidyn's server, adapted here where it answers otherwise than
// DynamoDB, so that production code never has to know about it.
package minidyn

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/truora/minidyn/server"
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

// Handler makes minidyn's answers carry X-Amz-Crc32, the CRC-32 of the body,
// as DynamoDB's do. The SDK checks it on every answer; minidyn sends none,
// and the SDK then takes each answer for a corrupt one: it logs a warning and
// drops the connection.
func Handler(minidyn http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		minidyn.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(rec.body.Bytes())), 10))
		w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
		w.WriteHeader(rec.status)
		w.Write(rec.body.Bytes())
	})
}

// recorder holds an answer until its checksum is known.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
