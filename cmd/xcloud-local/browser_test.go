//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestDocsPageInBrowser is the browser test of the API reference page (make
// test-browser): it starts xcloud-local as make run does, loads /docs in
// headless Chromium, and checks that every operation of openapi/openapi.yaml
// is listed and opens, that every error code of the description shows on
// the rendered pages, and that the page requests nothing beyond its own
// origin. Screenshots go to build/docs.png (the overview) and
// build/docs-<operationId>.png.
//
// It runs with XCLOUD_BROWSER_TEST=1 (make test-browser, part of make
// test), and needs chromium (or XCLOUD_CHROMIUM, a Chrome or Chromium
// binary) and the page (make docs): their absence is then a failure.
//
// Redoc 3 (what @redocly/cli 2 renders) shows at /docs the overview and the
// list of operations, each a link; a link opens #/<tag>/<operationId>, where
// every operation of the tag follows the other, each response behind a tab
// of its status. So the test clicks an operation's link, as a reader would,
// then every response status, and reads the rendered document's text.
func TestDocsPageInBrowser(t *testing.T) {
	required := os.Getenv("XCLOUD_BROWSER_TEST") == "1"
	skip := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf(format+" (XCLOUD_BROWSER_TEST=1: the browser test must run)", args...)
		}
		t.Skipf(format+" (XCLOUD_BROWSER_TEST=1 makes this a failure)", args...)
	}
	if !required {
		t.Skip("XCLOUD_BROWSER_TEST is not 1: make test-browser (part of make test) runs the browser test")
	}
	chromium := os.Getenv("XCLOUD_CHROMIUM")
	if chromium == "" {
		var err error
		if chromium, err = exec.LookPath("chromium"); err != nil {
			skip("chromium is not installed (Debian: apt-get install chromium; or set XCLOUD_CHROMIUM to a Chrome binary): the docs page is not tested in a browser")
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(root, "build", "docs", "index.html")
	if _, err := os.Stat(page); err != nil {
		skip("%s is missing: run make docs (make test-browser does)", page)
	}
	ops, codes, err := readDescription(filepath.Join(root, "openapi", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) == 0 || len(codes) == 0 {
		t.Fatalf("openapi/openapi.yaml: %d operations and %d error codes found, want some of each", len(ops), len(codes))
	}

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	docs := startLocal(ctx, t, root)
	origin := strings.TrimSuffix(docs, "/docs")
	t.Logf("xcloud-local serves %s (%.1fs)", docs, time.Since(start).Seconds())

	b, err := startBrowser(ctx, chromium, t.TempDir(), 1280, 4000,
		// Nothing leaves the machine: any host but the local server's fails to
		// resolve (the requests are still seen, and fail the test).
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
	if err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	defer func() {
		checkRequests(t, b, origin) // whatever else failed
		b.Close()
		t.Logf("%.1fs in all", time.Since(start).Seconds())
		if t.Failed() {
			t.Logf("chromium's output:\n%s", tail(b.output.String(), 3000))
			t.Logf("the page's log:\n%s", strings.Join(b.Logs(), "\n"))
		}
	}()

	// The overview: every operation listed, as its method and path, with a
	// link to it. Redoc fills the list in once it has started: wait for it.
	if err := b.navigate(ctx, docs); err != nil {
		t.Fatal(err)
	}
	var wanted []string
	for _, op := range ops {
		wanted = append(wanted, strings.ToLower(op.Method+" "+op.Path))
	}
	if err := b.waitFor(ctx, 10*time.Second, `(() => {
		const listed = new Set([...document.querySelectorAll('a[href^="#/"]')].map(`+linkText+`));
		return `+jsValue(wanted)+`.every(op => listed.has(op));
	})()`); err != nil {
		t.Errorf("the overview at /docs does not list every operation as its method and path: %v", err)
	}
	var overview struct {
		Title string
		Links []struct{ Href, Text string }
		Found []string
	}
	if err := b.eval(ctx, `({
		title: document.title,
		links: [...document.querySelectorAll('a[href^="#/"]')].map(a => ({href: a.getAttribute("href"), text: (`+linkText+`)(a)})),
		found: (`+codesIn+`)(`+jsValue(codes)+`),
	})`, &overview); err != nil {
		t.Fatal(err)
	}
	if overview.Title != "XCloud customers API" {
		t.Errorf("the page's title is %q, want the description's, XCloud customers API", overview.Title)
	}
	first := ""
	for _, op := range ops {
		found := false
		for _, l := range overview.Links {
			if l.Text == strings.ToLower(op.Method+" "+op.Path) {
				found = true
				if first == "" {
					first = l.Href
				}
			}
		}
		if !found {
			t.Errorf("the overview at /docs lists no %s %s (%s); its operation links: %+v", op.Method, op.Path, op.ID, overview.Links)
		}
	}
	checkNoRemoteCode(ctx, t, b, "/docs")
	if err := b.screenshot(ctx, filepath.Join(root, "build", "docs.png")); err != nil {
		t.Error(err)
	}
	if first == "" {
		t.FailNow()
	}

	// The operations, opened as a reader does, from the first one's link:
	// Redoc then shows every operation of the tag, one after the other, each
	// titled with its summary.
	if err := b.eval(ctx, `document.querySelector('a[href='+JSON.stringify(`+jsValue(first)+`)+']').click()`, nil); err != nil {
		t.Fatalf("click %s: %v", first, err)
	}
	var summaries []string
	for _, op := range ops {
		summaries = append(summaries, op.Summary)
	}
	if err := b.waitFor(ctx, 10*time.Second, `(() => {
		const titles = new Set([...document.querySelectorAll("h1, h2, h3")].map(h => h.textContent.trim()));
		return `+jsValue(summaries)+`.every(s => titles.has(s));
	})()`); err != nil {
		var titles []string
		b.eval(ctx, `[...document.querySelectorAll("h1, h2, h3")].map(h => h.textContent.trim())`, &titles)
		t.Fatalf("after a click on %s, not every operation's summary is a title: %v; the titles: %q", first, err, titles)
	}
	for _, op := range ops {
		if err := b.eval(ctx, `(async () => {
			[...document.querySelectorAll("h1, h2, h3")].find(h => h.textContent.trim() === `+jsValue(op.Summary)+`).scrollIntoView();
			await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		})()`, nil); err != nil {
			t.Fatalf("%s: %v", op.ID, err)
		}
		if err := b.screenshot(ctx, filepath.Join(root, "build", "docs-"+op.ID+".png")); err != nil {
			t.Error(err)
		}
	}
	checkNoRemoteCode(ctx, t, b, first)

	// Every error code shows on the page, once each response status has been
	// clicked (Redoc shows one response of an operation at a time).
	var clicked struct {
		Tabs  []string
		Found []string
	}
	if err := b.eval(ctx, `(`+clickResponseTabs+`)(`+jsValue(codes)+`)`, &clicked); err != nil {
		t.Fatal(err)
	}
	if len(clicked.Tabs) == 0 {
		t.Errorf("the operations show no response status to click")
	}
	found := map[string]bool{}
	for _, c := range append(overview.Found, clicked.Found...) {
		found[c] = true
	}
	var missing []string
	for _, code := range codes {
		if !found[code] {
			missing = append(missing, code)
		}
	}
	if len(missing) > 0 {
		t.Errorf("error codes of openapi/openapi.yaml the rendered page does not show: %v", missing)
	}
	t.Logf("%d operations rendered; %d response statuses clicked: %v; %d of %d error codes shown",
		len(ops), len(clicked.Tabs), clicked.Tabs, len(codes)-len(missing), len(codes))
}

// checkRequests fails the test for every request of the page beyond origin.
// The page's policy blocks Redoc's logo from cdn.redoc.ly before it is
// requested: that is logged, not failed.
func checkRequests(t *testing.T, b *browser, origin string) {
	t.Helper()
	requests, blocked := b.Requests()
	local, elsewhere := 0, 0
	for _, r := range requests {
		u, err := url.Parse(r.url)
		switch {
		case err == nil && (u.Scheme == "data" || u.Scheme == "blob" || u.Scheme == "about"):
		case err == nil && u.Scheme+"://"+u.Host == origin:
			local++
		case blocked[r.key] == "csp":
			t.Logf("blocked by the page's Content-Security-Policy, never sent: %s %s", r.kind, r.url)
		default:
			elsewhere++
			t.Errorf("the page requested %s %s, beyond its origin %s", r.kind, r.url, origin)
		}
	}
	t.Logf("the page's requests: %d to %s, %d elsewhere", local, origin, elsewhere)
}

// jsValue is v as a JavaScript literal.
func jsValue(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// linkText is a JavaScript function that gives the text of a link as a
// reader sees it, white space collapsed, in lower case: "post /xcloud/v1/customers".
const linkText = `(a => a.innerText.trim().split(/\s+/).join(" ").toLowerCase())`

// codesIn is a JavaScript function that returns those of the codes given
// that the page's rendered text holds, as words. The rendered text is that
// of Redoc's element, scripts and styles left out; it is the text of the
// document, not only of what is on screen (Redoc skips rendering what is far
// from the view, which innerText would leave out).
const codesIn = `(codes => {
	const root = document.getElementById("redoc") || document.body;
	const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
		acceptNode: n => n.parentElement.closest("script, style, template, noscript") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
	});
	const parts = [];
	for (let n = walk.nextNode(); n; n = walk.nextNode()) parts.push(n.data);
	const text = parts.join(" ");
	return codes.filter(c => new RegExp("(^|[^A-Za-z0-9_])" + c + "($|[^A-Za-z0-9_])").test(text));
})`

// clickResponseTabs is a JavaScript function that clicks, in turn, every
// tab labelled with a response status, and returns the tabs' labels and the
// codes given that the page showed (codesIn) after any of the clicks.
const clickResponseTabs = `(async codes => {
	const codesIn = ` + codesIn + `;
	const isStatus = s => /^([1-5][0-9X]{2}|default)$/i.test(s.trim());
	const tabs = () => [...document.querySelectorAll('[role="tab"]')].filter(t => isStatus(t.textContent));
	const sleep = ms => new Promise(r => setTimeout(r, ms));
	const found = new Set(codesIn(codes)), labels = [];
	for (let i = 0; i < tabs().length; i++) {
		tabs()[i].click();
		for (let n = 0; n < 40 && tabs()[i] && tabs()[i].getAttribute("aria-selected") !== "true"; n++) await sleep(25);
		await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		const tab = tabs()[i];
		labels.push(tab ? tab.textContent.trim() + (tab.getAttribute("aria-selected") === "true" ? "" : " (not selected)") : "(gone)");
		codesIn(codes).forEach(c => found.add(c));
	}
	return {tabs: labels, found: [...found]};
})`

// checkNoRemoteCode fails the test if the page refers to a script, style
// sheet or frame beyond its origin, or imports a module from one (as Redoc's
// page does when it is built without --inlineBundle).
func checkNoRemoteCode(ctx context.Context, t *testing.T, b *browser, where string) {
	t.Helper()
	var remote []string
	if err := b.eval(ctx, `[
		...[...document.querySelectorAll("script[src], iframe[src], frame[src], link[href]:not([rel~=icon])")]
			.map(e => e.src || e.href)
			.filter(u => /^https?:/i.test(u) && new URL(u).origin !== location.origin),
		...[...document.querySelectorAll("script:not([src])")]
			.map(s => (s.textContent.match(/\bimport\b[^;]*?["']https?:\/\/[^"']+["']/g) || []).join(" "))
			.filter(Boolean),
	]`, &remote); err != nil {
		t.Fatal(err)
	}
	if len(remote) > 0 {
		t.Errorf("%s: the page refers to code elsewhere: %q", where, remote)
	}
}

// startLocal builds cmd/xcloud-local and runs it from root as make run does,
// on a port the kernel picks (PORT=0), until the test ends. It returns the
// URL of /docs that its startup message names.
func startLocal(ctx context.Context, t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xcloud-local")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/xcloud-local")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/xcloud-local: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PORT=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	found := make(chan string, 1)
	var seen []string
	var mu sync.Mutex
	go func() {
		lines := bufio.NewScanner(stdout)
		lines.Buffer(make([]byte, 64<<10), 1<<20)
		docsLine := regexp.MustCompile(`^API reference: (http://\S+/docs)\b`)
		for lines.Scan() { // to the end: the server must never block on a full pipe
			mu.Lock()
			if len(seen) < 20 {
				seen = append(seen, lines.Text())
			}
			mu.Unlock()
			if m := docsLine.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case docs, ok := <-found:
		if ok {
			return docs
		}
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	t.Fatalf("xcloud-local did not print the /docs URL; its output:\n%s", strings.Join(seen, "\n"))
	return ""
}

// operation is an operation of the OpenAPI description.
type operation struct {
	Method, Path, ID, Summary string
}

// readDescription reads the operations of an OpenAPI description, in the
// order of its paths, and every error code its schemas give: the enum and
// const values of every `error` property.
func readDescription(path string) ([]operation, []string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	var ops []operation
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		item, _ := paths[p].(map[string]any)
		for _, method := range []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"} {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			id, _ := op["operationId"].(string)
			summary, _ := op["summary"].(string)
			if id == "" || summary == "" {
				return nil, nil, fmt.Errorf("%s: %s %s has no operationId or summary", path, method, p)
			}
			ops = append(ops, operation{Method: strings.ToUpper(method), Path: p, ID: id, Summary: summary})
		}
	}
	codes := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				if e, ok := props["error"].(map[string]any); ok {
					if c, ok := e["const"].(string); ok {
						codes[c] = true
					}
					if enum, ok := e["enum"].([]any); ok {
						for _, c := range enum {
							if c, ok := c.(string); ok {
								codes[c] = true
							}
						}
					}
				}
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
	return ops, slices.Sorted(maps.Keys(codes)), nil
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
