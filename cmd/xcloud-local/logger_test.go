package main

import (
	"log/slog"
	"testing"

	"github.com/xcloud/customers/internal/termlog"
)

func TestLoggerFormat(t *testing.T) {
	for _, c := range []struct {
		format string
		text   bool
		err    bool
	}{
		{"", false, false}, // a test's stdout is no terminal: JSON
		{"json", false, false},
		{"text", true, false},
		{"yaml", false, true},
	} {
		t.Setenv("LOG_FORMAT", c.format)
		log, err := logger(slog.LevelInfo)
		if c.err {
			if err == nil {
				t.Errorf("LOG_FORMAT=%q: no error", c.format)
			}
			continue
		}
		if err != nil {
			t.Fatalf("LOG_FORMAT=%q: %v", c.format, err)
		}
		if _, isText := log.Handler().(*termlog.Handler); isText != c.text {
			t.Errorf("LOG_FORMAT=%q: handler %T", c.format, log.Handler())
		}
	}
}
