// Command xcloud-template writes the monitoring the functions get from
// their declarations: monitoring.yaml, and the Monitoring resource of
// template.yaml that deploys it (internal/monitoring). `make template` runs
// it; a test fails when what it would write differs from what is there.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/monitoring"
)

func main() {
	files, err := monitoring.Files(".", functions.All)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xcloud-template:", err)
		os.Exit(1)
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for name := range files {
			if !yield(name) {
				return
			}
		}
	}) {
		old, _ := os.ReadFile(filepath.Join(".", name))
		if bytes.Equal(old, files[name]) {
			fmt.Printf("%s: unchanged\n", name)
			continue
		}
		if err := os.WriteFile(filepath.Join(".", name), files[name], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "xcloud-template:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: written\n", name)
	}
}
