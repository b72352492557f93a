package bench

// The process-level measurements of the benchmark report: the real Lambda
// binaries, built as the Makefile builds them, started under the Lambda
// Runtime API (internal/lambdarun) for their cold start and memory, and
// taken apart by package for their size. Each is meant to be set against the
// same figure of the minimal function in ./minimal, measured in the same
// run, so that the report speaks in ratios a noisy machine cannot skew.

import (
	"cmp"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/xcloud/customers/internal/fixtures"
	"github.com/xcloud/customers/internal/lambdarun"
	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/config"
)

// Build compiles the main package pkg (a path like "./functions/get/bootstrap",
// from root) for goos/goarch into out, exactly as the Makefile builds the
// Lambda binaries: CGO_ENABLED=0, -tags lambda.norpc, -trimpath and, with
// strip, -ldflags "-s -w". The deployed binaries are stripped, so cold
// starts, memory and Size are measured on stripped builds; Packages and
// Modules need the symbol table of an unstripped one, whose loaded sections
// are the same. A relative out is relative to root.
func Build(ctx context.Context, root, pkg, goos, goarch, out string, strip bool) error {
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath"}
	if strip {
		args = append(args, "-ldflags", "-s -w")
	}
	args = append(args, "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s for %s/%s: %w\n%s", pkg, goos, goarch, err, b)
	}
	return nil
}

// FunctionEnv is an environment any of the five functions starts with in
// the process measurements, on the fake DynamoDB at dynamoURL (see
// NewFakeDynamoDB): the variables template.yaml gives the functions, with
// its parameters at their defaults (so LOG_LEVEL is INFO and the request log
// line is paid for, as in Lambda), then the table, index and page token key
// of the benchmarks, the local credential of events/env.json in place of
// Secrets Manager, and local AWS credentials and region. It is the whole
// environment: lambdarun passes on nothing of this process's own, so the
// functions need no HOME or PATH.
func FunctionEnv(root, dynamoURL string) ([]string, error) {
	tpl, err := samtemplate.Read(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, fmt.Errorf("function environment: %w", err)
	}
	local, _, err := fixtures.Local(filepath.Join(root, "events"))
	if err != nil {
		return nil, fmt.Errorf("function environment: %w", err)
	}
	env := map[string]string{}
	from := map[string]string{} // which function set each variable
	for _, id := range slices.Sorted(maps.Keys(tpl)) {
		for k, v := range tpl[id].Env {
			if strings.HasPrefix(v, "!") {
				continue // a reference to an AWS resource: replaced below or not wanted
			}
			if prev, ok := env[k]; ok && prev != v {
				return nil, fmt.Errorf("function environment: template.yaml sets %s to %q for %s but %q for %s; one environment cannot serve both", k, prev, from[k], v, id)
			}
			env[k], from[k] = v, id
		}
	}
	// Secrets Manager is not there: the functions take the secrets'
	// local alternatives instead.
	delete(env, config.EnvCredentialsSecretID)
	delete(env, config.EnvPageTokenSecretID)
	for k, v := range map[string]string{
		config.EnvTable:            Table,
		config.EnvStatusIndex:      config.DefaultStatusIndex,
		config.EnvDynamoDBEndpoint: dynamoURL,
		config.EnvCredentials:      local[config.EnvCredentials],
		config.EnvPageTokenKey:     "bench-key",
		"AWS_REGION":               "us-east-1",
		"AWS_ACCESS_KEY_ID":        "local",
		"AWS_SECRET_ACCESS_KEY":    "local",
	} {
		env[k] = v
	}
	if env[config.EnvCredentials] == "" {
		return nil, fmt.Errorf("function environment: events/env.json has no %s", config.EnvCredentials)
	}
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out, nil
}

// SignedEvent is the payload 2.0 event of the fixture events/<fixture>
// ("get.json"), signed now as events/manifest.json says (the local
// credential, or a wrong secret for a fixture meant to fail), as JSON ready
// for the Runtime API. A signature holds for hmacauth.MaxSkew (5 minutes):
// sign again for measurements that last longer, or they end in 401s, which
// ColdStart and Memory report as errors.
func SignedEvent(root, fixture string) ([]byte, error) {
	dir := filepath.Join(root, "events")
	_, signer, err := fixtures.Local(dir)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	m, err := fixtures.ReadManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	ev, err := fixtures.ReadEvent(filepath.Join(dir, fixture))
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	f, _ := m.Find(fixture)
	if err := ev.Resign(fixtures.SignerFor(f, signer), time.Now()); err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", fixture, err)
	}
	return b, nil
}

// Run is a function binary to start and the event to hand it.
type Run struct {
	Binary string
	Env    []string // its whole environment, "NAME=value" (see FunctionEnv)
	Event  []byte   // a payload 2.0 event (see SignedEvent)
}

// functionName is the AWS_LAMBDA_FUNCTION_NAME the binaries run under:
// with one set, the functions check their configuration as in Lambda.
const functionName = "bench"

// ColdStart starts binary under the Lambda Runtime API with env, hands it
// event and returns the time from exec to its answer arriving: init plus
// the first invocation, the latency of a request that meets a cold start.
// The answer must be a payload 2.0 response with a 2xx status: a function
// error, a 401 from a stale signature or a 404 would otherwise be measured
// as if it were the request meant. The function is stopped before
// ColdStart returns. The function's stdout (its logs) is read and
// discarded, as Lambda reads it.
func ColdStart(ctx context.Context, binary string, env []string, event []byte) (time.Duration, error) {
	p, stderr, err := start(ctx, binary, env)
	if err != nil {
		return 0, fmt.Errorf("cold start: %w", err)
	}
	defer p.Close()
	res, err := invoke(ctx, p, event)
	if err != nil {
		return 0, fmt.Errorf("cold start of %s: %w%s", binary, err, stderr)
	}
	return res.SinceStart, nil
}

// ColdStarts measures runs cold starts of a and of b, alternately, so that
// whatever else the machine is doing weighs on both alike; the order within
// each pair alternates too (a then b, b then a). One cold start of each
// comes first and is not counted: the first start of a fresh binary is
// routinely the slowest (its pages are mapped in for the first time), an
// outlier that says nothing about the function. For runs <= 0 only those
// two start.
func ColdStarts(ctx context.Context, runs int, a, b Run) (aDur, bDur []time.Duration, err error) {
	measure := func(r Run) (time.Duration, error) { return ColdStart(ctx, r.Binary, r.Env, r.Event) }
	for _, r := range []Run{a, b} {
		if _, err := measure(r); err != nil {
			return nil, nil, err
		}
	}
	aDur, bDur = make([]time.Duration, 0, runs), make([]time.Duration, 0, runs)
	for i := range runs {
		first, second, firstDur, secondDur := a, b, &aDur, &bDur
		if i%2 == 1 {
			first, second, firstDur, secondDur = b, a, &bDur, &aDur
		}
		d, err := measure(first)
		if err != nil {
			return nil, nil, err
		}
		*firstDur = append(*firstDur, d)
		if d, err = measure(second); err != nil {
			return nil, nil, err
		}
		*secondDur = append(*secondDur, d)
	}
	return aDur, bDur, nil
}

// Median is the middle of ds (the mean of the two middle ones for an even
// count), or 0 for none: unlike the mean, one run slowed by the machine
// does not move it. ds is left as it was.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	if n := len(s); n%2 == 0 {
		return s[n/2-1] + (s[n/2]-s[n/2-1])/2
	}
	return s[len(s)/2]
}

// MemoryWindow is how many invocations EarlyRSS follows: by then the
// function's pools and caches have filled, so what it gains after is growth.
const MemoryWindow = 1000

// MemoryResult is the resident memory of one function process, in bytes,
// as Linux counts it (VmRSS, VmHWM); Lambda's "Max Memory Used" counts the
// same pages, plus the runtime's.
type MemoryResult struct {
	Invocations int
	InitRSS     int64 // once the function asks for its first event
	EarlyRSS    int64 // after the first MemoryWindow invocations (all of them, if fewer)
	FinalRSS    int64 // after the last invocation
	// PeakRSS is the most it ever held: VmHWM at the end, or a VmRSS read
	// earlier if that was more, since Linux raises VmHWM only at certain
	// events (unmapping, exit) and a read can come after RSS has fallen.
	PeakRSS int64
}

// Memory starts binary once and hands it event invocations times, checking
// every answer as ColdStart does, and reads its resident memory from
// /proc/<pid>/status along the way: FinalRSS well above EarlyRSS means it
// grows per request. Linux only.
func Memory(ctx context.Context, binary string, env []string, event []byte, invocations int) (MemoryResult, error) {
	if runtime.GOOS != "linux" {
		return MemoryResult{}, fmt.Errorf("memory of %s: reading a process's resident memory needs Linux's /proc, not %s", binary, runtime.GOOS)
	}
	if invocations < 1 {
		return MemoryResult{}, fmt.Errorf("memory of %s: %d invocations, want at least 1", binary, invocations)
	}
	p, stderr, err := start(ctx, binary, env)
	if err != nil {
		return MemoryResult{}, fmt.Errorf("memory: %w", err)
	}
	defer p.Close()
	status := filepath.Join("/proc", strconv.Itoa(p.Pid()), "status")
	m := MemoryResult{Invocations: invocations}
	if m.InitRSS, _, err = readMemory(status); err != nil {
		return MemoryResult{}, fmt.Errorf("memory of %s: %w", binary, err)
	}
	early := min(MemoryWindow, invocations)
	for i := 1; i <= invocations; i++ {
		if _, err := invoke(ctx, p, event); err != nil {
			return MemoryResult{}, fmt.Errorf("memory of %s: invocation %d: %w%s", binary, i, err, stderr)
		}
		if i == early {
			if m.EarlyRSS, _, err = readMemory(status); err != nil {
				return MemoryResult{}, fmt.Errorf("memory of %s: %w", binary, err)
			}
		}
	}
	if m.FinalRSS, m.PeakRSS, err = readMemory(status); err != nil {
		return MemoryResult{}, fmt.Errorf("memory of %s: %w", binary, err)
	}
	m.PeakRSS = max(m.PeakRSS, m.InitRSS, m.EarlyRSS, m.FinalRSS)
	return m, nil
}

// readMemory reads VmRSS and VmHWM, in bytes, from a /proc/<pid>/status file.
func readMemory(path string) (rss, hwm int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("read resident memory: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		var to *int64
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			to = &rss
		case strings.HasPrefix(line, "VmHWM:"):
			to = &hwm
		default:
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			return 0, 0, fmt.Errorf("read resident memory: %s: unexpected line %q", path, line)
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("read resident memory: %s: %q: %w", path, line, err)
		}
		*to = kb << 10
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("read resident memory: %s has no VmRSS or VmHWM", path)
	}
	return rss, hwm, nil
}

// start starts binary under the Runtime API, its logs discarded but the
// end of its stderr kept for the error should it fail.
func start(ctx context.Context, binary string, env []string) (*lambdarun.Process, *tail, error) {
	stderr := &tail{}
	p, err := lambdarun.Start(ctx, lambdarun.Options{
		Binary: binary, Function: functionName, Env: env, Stdout: io.Discard, Stderr: stderr,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("start %s: %w%s", binary, err, stderr)
	}
	return p, stderr, nil
}

// invoke hands p one event and checks that the answer is a payload 2.0
// response with a 2xx status.
func invoke(ctx context.Context, p *lambdarun.Process, event []byte) (lambdarun.Result, error) {
	res, err := p.Invoke(ctx, event)
	if err != nil {
		return res, err
	}
	if res.Error != nil {
		return res, fmt.Errorf("function error: %w", res.Error)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		return res, fmt.Errorf("answer %.200q is not a payload 2.0 response: %w", res.Payload, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return res, fmt.Errorf("status %d, want 2xx: %.200s", resp.StatusCode, resp.Body)
	}
	return res, nil
}

// tail keeps the last tailSize bytes written to it: a failing function's
// last words, without holding all its output. Its String is empty, or the
// bytes kept on a line of their own, to end an error message with.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := strings.TrimSpace(string(t.buf)); s != "" {
		return "\nstderr: " + s
	}
	return ""
}

// Size is the size of the file at path: for a stripped binary, about what
// Lambda unpacks for the function.
func Size(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("size: %w", err)
	}
	return fi.Size(), nil
}

// PackageSize is how many bytes of a binary's loaded sections (what a
// stripped build keeps) one package, module or bucket accounts for.
type PackageSize struct {
	Name  string // an import path; from Modules a module path or StdModule; or a bucket
	Bytes int64
}

// Buckets for the bytes no package's symbol accounts for.
const (
	// PclntabBucket is the runtime's table of every function (.gopclntab),
	// for stack traces, the garbage collector and preemption: it grows with
	// the code of all packages together.
	PclntabBucket = "(pclntab)"
	// OtherBucket is the rest: type descriptors, string data, itabs and
	// tables of the linker's own, none of them in the symbol table by
	// package.
	OtherBucket = "(types/other)"
)

// StdModule is the module Modules gives the standard library's packages.
const StdModule = "std"

// Packages returns the top largest packages of an unstripped ELF binary (all
// of them for top <= 0), largest first: the sizes of its symbols summed by
// the package they belong to, plus PclntabBucket and OtherBucket for the
// loaded bytes no symbol claims, so that the entries add up to about the
// size of the stripped build. It reads the ELF symbol table itself, rather
// than `go tool nm -size`, to leave out .bss and .noptrbss, which take
// memory but no bytes in the file (nm lists them as data: 32 MB of FIPS
// DRBG buffer would outweigh the whole binary).
func Packages(unstrippedBinary string, top int) ([]PackageSize, error) {
	sizes, err := packageSizes(unstrippedBinary)
	if err != nil {
		return nil, err
	}
	return largest(sizes, top), nil
}

// Modules is Packages summed by module: the main module, each dependency of
// the binary's build information, StdModule, and the two buckets. It says
// what a dependency costs, whichever of its packages the code uses.
func Modules(unstrippedBinary string, top int) ([]PackageSize, error) {
	sizes, err := packageSizes(unstrippedBinary)
	if err != nil {
		return nil, err
	}
	info, err := buildinfo.ReadFile(unstrippedBinary)
	if err != nil {
		return nil, fmt.Errorf("modules of %s: %w", unstrippedBinary, err)
	}
	mods := []string{info.Main.Path}
	for _, d := range info.Deps {
		mods = append(mods, d.Path) // import paths keep the path, even when replaced
	}
	// The longest first, so that a nested module wins over its parent.
	slices.SortFunc(mods, func(a, b string) int { return len(b) - len(a) })
	byModule := map[string]int64{}
	for pkg, n := range sizes {
		byModule[moduleOf(pkg, mods, info.Main.Path)] += n
	}
	return largest(byModule, top), nil
}

func moduleOf(pkg string, mods []string, main string) string {
	if pkg == PclntabBucket || pkg == OtherBucket {
		return pkg
	}
	if pkg == "main" {
		return main
	}
	for _, m := range mods {
		if pkg == m || strings.HasPrefix(pkg, m+"/") {
			return m
		}
	}
	// The standard library's import paths have no dot in their first
	// element (vendor/golang.org/x/... included); any other path outside
	// the build list is left as it is.
	if first, _, _ := strings.Cut(pkg, "/"); !strings.Contains(first, ".") {
		return StdModule
	}
	return pkg
}

// packageSizes sums the bytes of binary's loaded sections by package.
func packageSizes(binary string) (map[string]int64, error) {
	f, err := elf.Open(binary)
	if err != nil {
		return nil, fmt.Errorf("package sizes of %s: %w", binary, err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil, fmt.Errorf("package sizes of %s: no symbol table: build it without strip", binary)
	}
	if err != nil {
		return nil, fmt.Errorf("package sizes of %s: %w", binary, err)
	}
	// loaded says whether section i is bytes of the file that are loaded
	// at run time: not .bss, not DWARF or the symbol table.
	loaded := func(i int) bool {
		if i <= 0 || i >= len(f.Sections) { // also SHN_ABS and the like
			return false
		}
		s := f.Sections[i]
		return s.Flags&elf.SHF_ALLOC != 0 && s.Type != elf.SHT_NOBITS
	}
	sizes := map[string]int64{}
	covered := make([]uint64, len(f.Sections))
	for _, s := range syms {
		i := int(s.Section)
		if s.Size == 0 || !loaded(i) {
			continue
		}
		covered[i] += s.Size
		pkg := symbolPackage(s.Name)
		if f.Sections[i].Name == ".gopclntab" {
			pkg = PclntabBucket
		}
		sizes[pkg] += int64(s.Size)
	}
	for i, sect := range f.Sections {
		if !loaded(i) || covered[i] >= sect.Size {
			continue
		}
		bucket := OtherBucket
		if sect.Name == ".gopclntab" {
			bucket = PclntabBucket
		}
		sizes[bucket] += int64(sect.Size - covered[i])
	}
	return sizes, nil
}

// symbolPackage is the import path of the package a Go symbol belongs to:
// everything up to the first '.' after the last '/' of its name, once
// receivers, type arguments and the linker's prefixes are set aside. An
// equality function, hash function or itab goes with the package of its
// type; what names no package goes to OtherBucket.
func symbolPackage(name string) string {
	for _, prefix := range []string{"go:itab.", "type:.eq.", "type:.hash.", "type:"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			name = rest
			break
		}
	}
	// Element types: *T, []T, [4]T.
	for {
		if rest, ok := strings.CutPrefix(name, "*"); ok {
			name = rest
		} else if rest, ok := strings.CutPrefix(name, "["); ok {
			_, rest, ok = strings.Cut(rest, "]")
			if !ok {
				return OtherBucket
			}
			name = rest
		} else {
			break
		}
	}
	// Receivers "pkg.(*T).M", type arguments "pkg.F[T]", an itab's
	// interface "pkg.T,iface" and anonymous types "struct { ... }" all
	// begin after the package.
	if i := strings.IndexAny(name, "[(,{ "); i >= 0 {
		name = name[:i]
	}
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return OtherBucket
	}
	pkg := name[:slash+1+dot]
	if !isImportPath(pkg) {
		return OtherBucket // "go:string", "$f64", ...
	}
	// The linker escapes dots in the last element ("gopkg.in/yaml%2ev3").
	return strings.ReplaceAll(pkg, "%2e", ".")
}

func isImportPath(s string) bool {
	if s == "" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z' || '0' <= s[0] && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.ContainsRune("-._~/+%", c):
		default:
			return false
		}
	}
	return true
}

// largest sorts sizes largest first (by name among equals, so that the
// order is stable) and keeps the top of them, or all for top <= 0.
func largest(sizes map[string]int64, top int) []PackageSize {
	out := make([]PackageSize, 0, len(sizes))
	for name, n := range sizes {
		out = append(out, PackageSize{name, n})
	}
	slices.SortFunc(out, func(a, b PackageSize) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if top > 0 && len(out) > top {
		out = out[:top]
	}
	return out
}
