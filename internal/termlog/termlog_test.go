package termlog_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/xcloud/customers/internal/termlog"
)

func TestLines(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 4, 5, 678_000_000, time.UTC)
	metrics := slog.Group("_aws", slog.Int64("Timestamp", 1), slog.Any("CloudWatchMetrics", []any{map[string]any{"Namespace": "x"}}))
	for _, c := range []struct {
		name  string
		msg   string
		level slog.Level
		attrs []slog.Attr
		want  string
	}{
		{"a registration", "request", slog.LevelInfo, []slog.Attr{
			slog.String("requestId", "r1"), slog.String("route", "POST /xcloud/v1/customers"), slog.String("method", "POST"),
			slog.Int("status", 201), slog.Float64("latencyMs", 3.14), slog.Any("customerIds", []string{"FST-1536316721808-A"}), metrics,
			slog.String("Route", "POST /xcloud/v1/customers"), slog.String("ErrorCode", "NONE"),
		}, "09:04:05.678 201 POST /xcloud/v1/customers 3.1ms FST-1536316721808-A"},
		{"a read of a missing customer: the id in the path", "request", slog.LevelInfo, []slog.Attr{
			slog.String("route", "GET /xcloud/v1/customers/{customerId}"), slog.String("method", "GET"), slog.Int("status", 404),
			slog.Float64("latencyMs", 0.84), slog.String("errorCode", "CUSTOMER_NOT_FOUND"), slog.Any("customerIds", []string{"FST-1536316721808-B"}), metrics,
		}, "09:04:05.678 404 GET  /xcloud/v1/customers/FST-1536316721808-B 0.8ms CUSTOMER_NOT_FOUND"},
		{"a 500 shows its error", "request", slog.LevelError, []slog.Attr{
			slog.String("route", "GET /xcloud/v1/customers"), slog.String("method", "GET"), slog.Int("status", 500),
			slog.Float64("latencyMs", 12), slog.String("errorCode", "INTERNAL_ERROR"), slog.String("error", "seal page token: too short"),
		}, `09:04:05.678 500 GET  /xcloud/v1/customers 12.0ms INTERNAL_ERROR error="seal page token: too short"`},
		{"any other record", "secret refresh failed; keeping the last good value", slog.LevelWarn, []slog.Attr{
			slog.String("secret", "credentials"), slog.Any("error", errors.New("fetch: timeout")),
		}, `09:04:05.678 WARN  secret refresh failed; keeping the last good value secret=credentials error="fetch: timeout"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			h := termlog.New(&out, slog.LevelInfo)
			r := slog.NewRecord(at, c.level, c.msg, 0)
			r.AddAttrs(c.attrs...)
			if err := h.Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(out.String(), "\n"); got != c.want {
				t.Errorf("line\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestLevelAndAttrs(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(termlog.New(&out, slog.LevelInfo)).With("function", "GetFunction")
	log.Debug("not shown")
	log.Info("cold start failed")
	if got := out.String(); strings.Contains(got, "not shown") || !strings.HasSuffix(got, "INFO  cold start failed function=GetFunction\n") {
		t.Errorf("output %q", got)
	}
}
