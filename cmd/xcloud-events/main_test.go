package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/xcloud/customers/internal/fixtures"
)

// make events signs copies, fresh, and leaves the tracked fixtures as they
// are: running it never dirties the work tree.
func TestSignsCopiesAndLeavesTheFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "events")
	m, err := fixtures.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, f := range m.Fixtures {
		if before[f.Event], err = os.ReadFile(filepath.Join(dir, f.Event)); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "events")
	if err := run(dir, out); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Fixtures {
		now, err := os.ReadFile(filepath.Join(dir, f.Event))
		if err != nil || !bytes.Equal(now, before[f.Event]) {
			t.Errorf("%s changed", f.Event)
		}
		ev, err := fixtures.ReadEvent(filepath.Join(out, f.Event))
		if err != nil {
			t.Fatalf("%s: no signed copy: %v", f.Event, err)
		}
		if ev.Stream() {
			continue
		}
		headers, _ := ev["headers"].(map[string]any)
		ts, _ := headers["x-xcloud-timestamp"].(string)
		if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
			t.Errorf("%s: the copy's timestamp %q is not now", f.Event, ts)
		}
	}
}
