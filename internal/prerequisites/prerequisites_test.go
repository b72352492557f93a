package prerequisites_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcloud/customers/internal/prerequisites"
)

const root = "../.."

func tools(t *testing.T) []prerequisites.Tool {
	t.Helper()
	ts, err := prerequisites.Read(filepath.Join(root, "prerequisites.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) < 5 {
		t.Fatalf("only %d tools", len(ts))
	}
	return ts
}

// The README shows exactly the list, as prerequisites.Table renders it.
func TestReadmeTableIsTheList(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := prerequisites.Table(tools(t)); !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not hold the prerequisites table of prerequisites.tsv; it should read:\n%s", want)
	}
}

// Go's minimum is go.mod's version.
func TestGoVersionIsGoMod(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools(t) {
		if tool.Name == "go" && !strings.Contains(string(mod), "\ngo "+tool.Minimum) {
			t.Errorf("prerequisites.tsv wants go %s; go.mod says otherwise", tool.Minimum)
		}
	}
}

func TestReadRefusesAMalformedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.tsv")
	os.WriteFile(path, []byte("# comment\ngo\t1.26\tgo version\t\tbuilding\n"), 0o644)
	if _, err := prerequisites.Read(path); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("Read of an empty field: %v, want an error naming line 2", err)
	}
}
