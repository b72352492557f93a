// Package prerequisites reads prerequisites.tsv, the one list of the tools
// the Makefile needs, for the checks that keep the README's table and the
// CI workflow's install steps in line with it.
package prerequisites

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Tool is one line of the list.
type Tool struct {
	Name, Minimum, Check, Install, For string
}

// Read parses the list at path.
func Read(path string) ([]Tool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read prerequisites: %w", err)
	}
	defer f.Close()
	var tools []Tool
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 5 || slices.ContainsFunc(fields, func(f string) bool { return strings.TrimSpace(f) == "" }) {
			return nil, fmt.Errorf("%s:%d: want 5 non-empty tab-separated fields, got %q", path, n, line)
		}
		tools = append(tools, Tool{fields[0], fields[1], fields[2], fields[3], fields[4]})
	}
	return tools, sc.Err()
}

// Table is the list as the README shows it, a Markdown table.
func Table(tools []Tool) string {
	var b strings.Builder
	b.WriteString("| tool | version | needed for | install |\n|---|---|---|---|\n")
	for _, t := range tools {
		install := t.Install
		if !strings.Contains(install, "://") {
			install = "`" + install + "`"
		}
		fmt.Fprintf(&b, "| %s | %s or newer | %s | %s |\n", t.Name, t.Minimum, t.For, install)
	}
	return b.String()
}
