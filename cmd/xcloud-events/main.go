// Command xcloud-events re-signs the event fixtures of events/ (`make
// events`): each gets a fresh X-XCloud-Timestamp, its Content-MD5 and the
// signature of the local credential in events/env.json, so that `sam local
// invoke -e events/...` is accepted for the next 300 seconds.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xcloud/customers/internal/fixtures"
)

func main() {
	if err := run("events"); err != nil {
		fmt.Fprintln(os.Stderr, "xcloud-events:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	_, signer, err := fixtures.Local(dir)
	if err != nil {
		return err
	}
	m, err := fixtures.ReadManifest(dir)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, f := range m.Fixtures {
		path := filepath.Join(dir, f.Event)
		ev, err := fixtures.ReadEvent(path)
		if err != nil {
			return err
		}
		if err := ev.Resign(fixtures.SignerFor(f, signer), now); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := ev.Write(path); err != nil {
			return err
		}
	}
	fmt.Printf("re-signed %d events as %s, valid until %s\n", len(m.Fixtures), signer.ServiceID,
		now.Add(300*time.Second).UTC().Format(time.RFC3339))
	return nil
}
