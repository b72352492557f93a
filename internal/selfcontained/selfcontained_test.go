package selfcontained

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every pattern is assembled from pieces, so that this file, which is
// tracked like any other, does not match its own patterns.
func j(parts ...string) string { return strings.Join(parts, "") }

// A rule names one kind of reference to something outside the repository.
type rule struct {
	what string
	re   *regexp.Regexp
}

var rules = []rule{
	{"a path into the project's shared folder", regexp.MustCompile(regexp.QuoteMeta(j("..", "/shared")))},
	{"the project's contract file", regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(j("CONTRACT", ".md")))},
	{"a seed document", regexp.MustCompile(strings.Join([]string{
		regexp.QuoteMeta(j("000", "_cbaba2132e195a7d")),
		regexp.QuoteMeta(j("001", "_b674eab4437d7057")),
		regexp.QuoteMeta(j("002", "_f4f026587b4e4936")),
		regexp.QuoteMeta(j("003", "_bd6bbc20e136ae48")),
	}, "|"))},
	// Any name shaped like a seed document: three digits, an underscore
	// and 16 hex digits, standing alone.
	{"a seed-document-shaped name", regexp.MustCompile(`(?:^|[^0-9A-Za-z_])([0-9]{3}_[0-9a-fA-F]{16})(?:[^0-9A-Za-z]|$)`)},
	{"the project's package name", regexp.MustCompile(`(?i)` + regexp.QuoteMeta(j("vig", "_package")))},
	// This project's issues, by number. A reference to another project's
	// issue (owner/repo#123, or a URL) is not preceded by the word and
	// does not match.
	{"an issue number", regexp.MustCompile(j(`(?i)\biss`, `ues? #?[0-9]+\b`))},
	{"an issue number", regexp.MustCompile(j(`(?i)\biss`, `ues?\W{1,3}#[0-9]+\b`))},
}

// finding is one occurrence: line 0 stands for the file's path itself.
type finding struct {
	line int
	what string
	text string
}

// scan returns every occurrence of a rule in data, one per rule and line;
// a rule's first group, when it has one, is the text reported.
func scan(data []byte) []finding {
	var found []finding
	for i, line := range strings.Split(string(data), "\n") {
		seen := map[string]bool{}
		for _, r := range rules {
			m := r.re.FindStringSubmatch(line)
			if m == nil || seen[r.what] {
				continue
			}
			seen[r.what] = true
			found = append(found, finding{line: i + 1, what: r.what, text: strings.TrimSpace(m[len(m)-1])})
		}
	}
	return found
}

func TestScanRules(t *testing.T) {
	cases := []struct {
		text string
		hits int
	}{
		{j("see ", "../", "shared/seeds"), 1},
		{j("stated in ", "CONTRACT", ".md"), 1},
		{j("docs/", "contract", ".md"), 1},
		{j("seeds/", "001", "_b674eab4437d7057.txt"), 2},
		{j("seeds/", "042", "_0123456789abcdef.txt"), 1},
		{j("the ", "vig", "_package module"), 1},
		{j("the budgets of ", "iss", "ue 6"), 1},
		{j("fixed in ", "Iss", "ue #12"), 1},
		{j("see ", "iss", "ues 3 and 4"), 1},
		{j("(", "iss", "ue: #7)"), 1},
		// Legitimate: other projects' issues, words that are not references.
		{"aws/aws-sdk-go-v2#2737 and golang/go#75804", 0},
		{"https://github.com/golang/go/issues/75804", 0},
		{"a repeat issues the key again", 0},
		{"the API docs (docs/API.md) and ./shared/customer", 0},
		{"FuzzDecode/19981bffc2abbaf1 and testdata/seed_post.json", 0},
		{"a1000_0123456789abcdef0 is not a seed name", 0},
	}
	for _, c := range cases {
		if got := scan([]byte(c.text)); len(got) != c.hits {
			t.Errorf("scan(%q) = %v, want %d hits", c.text, got, c.hits)
		}
	}
}

// TestNoReferencesOutside fails for every tracked file, and every line of
// one, that points at documents outside this repository. Binary files and
// node_modules are skipped; a tracked symbolic link must stay inside.
func TestNoReferencesOutside(t *testing.T) {
	root := repositoryRoot(t)
	files := trackedFiles(t, root)
	if len(files) == 0 {
		t.Fatal("git ls-files listed no files")
	}
	for _, name := range files {
		if underNodeModules(name) {
			continue
		}
		for _, f := range scan([]byte(name)) {
			t.Errorf("%s: the path holds %s: %q", name, f.what, f.text)
		}
		path := filepath.Join(root, filepath.FromSlash(name))
		info, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			checkLink(t, root, name, path)
			continue
		}
		if !info.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if binary(data) {
			continue
		}
		for _, f := range scan(data) {
			t.Errorf("%s:%d: %s: %q", name, f.line, f.what, f.text)
		}
	}
}

// checkLink fails for a tracked symbolic link whose target is outside the
// repository or names an outside document.
func checkLink(t *testing.T, root, name, path string) {
	target, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range scan([]byte(target)) {
		t.Errorf("%s: the link's target holds %s: %q", name, f.what, f.text)
	}
	resolved := target
	if !filepath.IsAbs(resolved) {
		resolved = filepath.Join(filepath.Dir(path), target)
	}
	if rel, err := filepath.Rel(root, resolved); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		t.Errorf("%s: a symbolic link to %s, outside the repository", name, target)
	}
}

// repositoryRoot walks up from the test's directory to the one holding
// go.mod, and skips the test unless git is there and that is a work tree.
func repositoryRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not available:", err)
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--is-inside-work-tree").Output()
	if err != nil || strings.TrimSpace(string(out)) != "true" {
		t.Skipf("%s is not a git work tree", dir)
	}
	return dir
}

// trackedFiles lists the files git tracks, as slash-separated paths from root.
func trackedFiles(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("git", "-C", root, "ls-files", "-z")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(fmt.Errorf("git ls-files: %w: %s", err, stderr.String()))
	}
	var files []string
	for name := range strings.SplitSeq(string(out), "\x00") {
		if name != "" {
			files = append(files, name)
		}
	}
	return files
}

func underNodeModules(name string) bool {
	for part := range strings.SplitSeq(name, "/") {
		if part == "node_modules" {
			return true
		}
	}
	return false
}

// binary reports whether data looks binary the way git decides it: a NUL
// byte in its first 8,000 bytes.
func binary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}
