// Package termlog writes the functions' log records for a person at a
// terminal running the API locally: a request is one short line (time,
// status, method, path, duration, error code, customers), anything else
// its time, level, message and attributes. The JSON line Lambda writes,
// metrics block included, stays the format everywhere else.
package termlog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// Handler is a slog.Handler writing short lines to w.
type Handler struct {
	mu    *sync.Mutex
	w     io.Writer
	level slog.Leveler
	attrs []slog.Attr
}

var _ slog.Handler = (*Handler)(nil)

// New returns a Handler writing records at level or above to w.
func New(w io.Writer, level slog.Leveler) *Handler {
	return &Handler{mu: &sync.Mutex{}, w: w, level: level}
}

// Enabled reports whether a record of level l is written.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// WithAttrs returns a Handler that adds attrs to every record.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr{}, h.attrs...), attrs...)
	return &c
}

// WithGroup returns h: groups only hold the metrics block, which a person
// at a terminal does not read.
func (h *Handler) WithGroup(string) slog.Handler { return h }

// Handle writes one line.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]slog.Value{}
	var order []string
	add := func(a slog.Attr) bool {
		if a.Value.Kind() == slog.KindGroup || strings.HasPrefix(a.Key, "_") {
			return true
		}
		if _, seen := attrs[a.Key]; !seen {
			order = append(order, a.Key)
		}
		attrs[a.Key] = a.Value.Resolve()
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	var b strings.Builder
	b.WriteString(r.Time.Format("15:04:05.000"))
	if r.Message == "request" && attrs["route"].String() != "" {
		request(&b, attrs)
	} else {
		fmt.Fprintf(&b, " %-5s %s", r.Level, r.Message)
		for _, k := range order {
			fmt.Fprintf(&b, " %s=%s", k, quoted(attrs[k].String()))
		}
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// request writes "201 POST /xcloud/v1/customers 3.1ms [CODE] [ids]".
func request(b *strings.Builder, attrs map[string]slog.Value) {
	method := attrs["method"].String()
	_, path, ok := strings.Cut(attrs["route"].String(), " ")
	if !ok {
		path = attrs["route"].String()
	}
	var ids []string
	if v, ok := attrs["customerIds"]; ok {
		if list, ok := v.Any().([]string); ok {
			ids = list
		}
	}
	if len(ids) > 0 && strings.Contains(path, "{customerId}") {
		path = strings.Replace(path, "{customerId}", strings.Join(ids, ","), 1)
		ids = nil
	}
	latency := 0.0
	if v := attrs["latencyMs"]; v.Kind() == slog.KindFloat64 {
		latency = v.Float64()
	}
	fmt.Fprintf(b, " %s %-4s %s %.1fms", attrs["status"].String(), method, path, latency)
	if code, ok := attrs["errorCode"]; ok {
		b.WriteString(" " + code.String())
	}
	if len(ids) > 0 {
		b.WriteString(" " + strings.Join(ids, ","))
	}
	if err, ok := attrs["error"]; ok {
		b.WriteString(" error=" + quoted(err.String()))
	}
}

func quoted(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		return fmt.Sprintf("%q", s)
	}
	return s
}
