// Command xcloud-events signs copies of the event fixtures of events/ into
// build/events/ (`make events`): each gets a fresh X-XCloud-Timestamp, its
// Content-MD5 and the signature of the local credential in events/env.json,
// so that `sam local invoke -e build/events/...` is accepted for the next
// 300 seconds. The tracked fixtures are left as they are.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xcloud/customers/internal/fixtures"
)

func main() {
	if err := run("events", filepath.Join("build", "events")); err != nil {
		fmt.Fprintln(os.Stderr, "xcloud-events:", err)
		os.Exit(1)
	}
}

// run signs the fixtures of dir into out.
func run(dir, out string) error {
	_, signer, err := fixtures.Local(dir)
	if err != nil {
		return err
	}
	m, err := fixtures.ReadManifest(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	now := time.Now()
	for _, f := range m.Fixtures {
		path := filepath.Join(dir, f.Event)
		ev, err := fixtures.ReadEvent(path)
		if err != nil {
			return err
		}
		if !ev.Stream() { // stream records carry no signature
			if err := ev.Resign(fixtures.SignerFor(f, signer), now); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		if err := ev.Write(filepath.Join(out, f.Event)); err != nil {
			return err
		}
	}
	fmt.Printf("signed %d events into %s as %s, valid until %s\n", len(m.Fixtures), out, signer.ServiceID,
		now.Add(300*time.Second).UTC().Format(time.RFC3339))
	return nil
}
