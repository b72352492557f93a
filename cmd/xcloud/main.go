// Command xcloud calls the XCloud customers API from the shell, signing every
// request with XCLOUD-HMAC-SHA256:
//
//	xcloud customers create --data @customer.json
//	xcloud customers get FST-1536316721808-NewCustomer
//	xcloud customers update FST-1536316721808-NewCustomer --data '{"settings":{"dataRetentionDays":730}}' --if-match '"2"'
//	xcloud customers list --status ACTIVE --all
//	xcloud customers exists FST-1536316721808-NewCustomer FST-1536312680993-FromPostman2
//	xcloud customers regenerate-key secondary FST-1536316721808-NewCustomer
//	xcloud sign --curl GET http://127.0.0.1:3000/xcloud/v1/customers | sh
//
// Run xcloud --help for the flags, the output and the exit statuses.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/xcloud/customers/client"
	"github.com/xcloud/customers/shared/hmacauth"
)

// Exit statuses.
const (
	exitOK          = 0
	exitOther       = 1 // anything the classes below do not cover
	exitUsage       = 2
	exitAuth        = 3 // 401, 403
	exitNotFound    = 4 // 404, 409, 412; exists with missing ids
	exitValidation  = 5 // 400, 413, 415
	exitUnavailable = 6 // 5xx, 429, network
)

// Environment variables read.
const (
	envEndpoint  = "XCLOUD_ENDPOINT"
	envServiceID = "XCLOUD_SERVICE_ID"
	envSecret    = "XCLOUD_SERVICE_SECRET"
)

const defaultEndpoint = "http://127.0.0.1:3000"

// retryPolicy is the client's; tests shorten it.
var retryPolicy = client.DefaultRetryPolicy

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

const topUsage = `usage: xcloud [flags] <command> [arguments]

Calls the XCloud customers API, signing every request with XCLOUD-HMAC-SHA256.

Commands:
  customers create   register a customer              POST /xcloud/v1/customers
  customers get      read one customer                GET  /xcloud/v1/customers/{id}
  customers update   merge an update into a customer  PUT  /xcloud/v1/customers/{id}
  customers list     list customers, a page or all    GET  /xcloud/v1/customers
  customers exists   check that customers exist       HEAD /xcloud/v1/customers/{ids}
  customers regenerate-key
                     replace one of a customer's keys POST /xcloud/v1/customers/{id}/apiKeys
  sign               sign a request, print its headers or a curl command
  smoke              check a deployed API, read-only or (--write) writing too

` + commonFlags + `
Output is JSON on stdout, indented when stdout is a terminal; errors are JSON
on stderr: {"status":404,"error":"CUSTOMER_NOT_FOUND","message":"...","requestId":"..."}.
429 and 503 are retried (honouring Retry-After); network errors and other
5xx for reads, registrations (each sends an Idempotency-Key) and key
regenerations.

Exit status:
  0  success
  1  any other failure
  2  usage: bad flags or arguments, no credentials, unreadable --data file
  3  authentication or authorization failed (401, 403)
  4  not found, conflict or precondition failed (404, 409, 412);
     also 'customers exists' when any id is missing
  5  the request was invalid (400, 413, 415, 422)
  6  the API failed or could not be reached (5xx, 429, network)

Run 'xcloud <command> --help' for a command's usage.
`

const commonFlags = `Flags (every command, before or after its arguments):
  --endpoint URL            the API's root URL
                            (default $XCLOUD_ENDPOINT, else http://127.0.0.1:3000)
  --service-id ID           calling service id (default $XCLOUD_SERVICE_ID)
  --secret SECRET           the service's secret (default $XCLOUD_SERVICE_SECRET)
  --credentials-file FILE   JSON {"serviceId": "...", "secret": "..."}: used for
                            whatever the flags and the environment leave unset
  -h, --help                print usage
`

const customersUsage = `usage: xcloud customers <create|get|update|list|exists|regenerate-key> [flags] [arguments]

  create           register a customer              POST /xcloud/v1/customers
  get              read one customer                GET  /xcloud/v1/customers/{id}
  update           merge an update into a customer  PUT  /xcloud/v1/customers/{id}
  list             list customers, a page or all    GET  /xcloud/v1/customers
  exists           check that customers exist       HEAD /xcloud/v1/customers/{ids}
  regenerate-key   replace one of a customer's two API keys
                                                    POST /xcloud/v1/customers/{id}/apiKeys

Run 'xcloud customers <command> --help' for a command's usage.
`

const dataHelp = `  --data BODY               the JSON body: '<json>' as given, @FILE for a file's
                            contents, or - to read standard input
`

var usages = map[string]string{
	"create": `usage: xcloud customers create --data '<json>'|@FILE|- [--idempotency-key KEY] [flags]

Registers a customer (POST /xcloud/v1/customers). The body is sent byte for
byte; it needs customerId, customerName, contactInfo.email and status.
Prints customerId, customerName, status, createdAt, apiKeys (shown only this
once), limits, and the customer's ETag as "etag". Every registration sends
an Idempotency-Key, random unless given, so that its retries are safe.

` + dataHelp + `  --idempotency-key KEY     send KEY (1 to 255 printable ASCII characters):
                            the same command again, within 24 hours and with
                            the same body, answers the same registration with
                            new keys ("replayed": true) instead of exit 4 (409)

` + commonFlags,
	"regenerate-key": `usage: xcloud customers regenerate-key [flags] primary|secondary CUSTOMER_ID

Replaces one of a customer's two API keys with a fresh one (POST
/xcloud/v1/customers/{id}/apiKeys); the other goes on working, so keys can be
rotated one at a time. Prints customerId, apiKeys (the new key, shown only
this once) and regeneratedAt.

` + commonFlags,
	"get": `usage: xcloud customers get [flags] CUSTOMER_ID

Reads one customer (GET /xcloud/v1/customers/{id}) and prints it whole, with
its ETag as "etag" (for update --if-match).

` + commonFlags,
	"update": `usage: xcloud customers update [flags] CUSTOMER_ID --data '<json>'|@FILE|- [--if-match ETAG]

Merges a partial document into a customer (PUT /xcloud/v1/customers/{id}):
absent fields keep their value, objects merge field by field, null clears an
optional field. Prints customerId, customerName, status, updatedAt, changes
(the dot paths that changed) and the new ETag as "etag".

` + dataHelp + `  --if-match ETAG           update only while the customer's ETag is ETAG
                            (as printed by get: '"3"', or just 3); else exit 4 (412)

` + commonFlags,
	"list": `usage: xcloud customers list [flags] [--status STATUS] [--limit N] [--all | --next-token TOKEN]

Lists customers (GET /xcloud/v1/customers). Prints one page,
{"customers":[...],"nextToken":"..."}, nextToken absent on the last page; with
--all, every page from --next-token (or the start) on, as {"customers":[...]}.
A page may be short, even empty, while nextToken is present.

  --status STATUS           only customers with this status: ACTIVE, INACTIVE or SUSPENDED
  --limit N                 customers per page, 1 to 100 (default: the API's, 50)
  --all                     follow nextToken until the last page
  --next-token TOKEN        start at this page (nextToken of the previous one)

` + commonFlags,
	"exists": `usage: xcloud customers exists [flags] CUSTOMER_ID...

Checks that every customer exists (HEAD /xcloud/v1/customers/{ids}, 100 ids
per request). Ids are arguments, each possibly a comma-separated list.
Prints {"allExist":true,"missing":[]}, or the missing ids and exits 4.

` + commonFlags,
	"sign": `usage: xcloud sign [flags] METHOD URL [--data BODY] [--if-match ETAG] [--idempotency-key KEY] [--curl]

Signs one request with XCLOUD-HMAC-SHA256 and prints its headers, one
"Name: value" a line (X-XCloud-Service-Id, X-XCloud-Timestamp,
X-XCloud-Signature, and for POST and PUT Content-MD5, with a body
Content-Type, and If-Match and Idempotency-Key when given), or with --curl
a whole curl command to pipe to sh. URL is a full URL, or a path and query
below --endpoint. The signature is valid for 300 seconds.

` + dataHelp + `  --if-match ETAG           send and sign If-Match (a PUT's ETag, quotes included)
  --idempotency-key KEY     send and sign Idempotency-Key (a POST's retry key)
  --curl                    print a curl command instead of the headers

` + commonFlags,
}

// cli is one run's context.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            func(string) string

	endpoint, serviceID, secret, credentialsFile string
}

// failure is an error with its exit status.
type failure struct {
	code int
	err  error
}

func (f *failure) Error() string { return f.err.Error() }

func usageError(format string, args ...any) error {
	return &failure{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// errHelp means usage was printed on request.
var errHelp = errors.New("help")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	if env == nil {
		env = func(string) string { return "" }
	}
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, env: env}
	err := c.run(args)
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	}
	code, body := describe(err)
	c.writeJSON(stderr, body)
	return code
}

func (c *cli) run(args []string) error {
	fs := c.flagSet("xcloud")
	if err := c.parse(fs, args, topUsage, false); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(c.stderr, topUsage)
		return usageError("no command given; run 'xcloud --help'")
	}
	switch rest[0] {
	case "customers":
		return c.customers(rest[1:])
	case "sign":
		return c.sign(rest[1:])
	case "smoke":
		return c.smoke(rest[1:])
	case "help":
		return c.help(rest[1:])
	}
	return usageError("unknown command %q; run 'xcloud --help'", rest[0])
}

func (c *cli) help(args []string) error {
	text := topUsage
	if len(args) > 0 && args[0] == "customers" {
		text = customersUsage
		if len(args) > 1 && usages[args[1]] != "" && args[1] != "sign" {
			text = usages[args[1]]
		}
	} else if len(args) > 0 && args[0] == "sign" {
		text = usages["sign"]
	} else if len(args) > 0 && args[0] == "smoke" {
		text = smokeUsage
	}
	fmt.Fprint(c.stdout, text)
	return nil
}

func (c *cli) customers(args []string) error {
	fs := c.flagSet("xcloud customers")
	if err := c.parse(fs, args, customersUsage, false); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		fmt.Fprint(c.stderr, customersUsage)
		return usageError("no customers command given; run 'xcloud customers --help'")
	}
	switch args[0] {
	case "help":
		fmt.Fprint(c.stdout, customersUsage)
		return errHelp
	case "create":
		return c.create(args[1:])
	case "get":
		return c.get(args[1:])
	case "update":
		return c.update(args[1:])
	case "list":
		return c.list(args[1:])
	case "exists":
		return c.exists(args[1:])
	case "regenerate-key":
		return c.regenerateKey(args[1:])
	}
	return usageError("unknown customers command %q; run 'xcloud customers --help'", args[0])
}

// flagSet returns a flag set holding the common flags.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&c.endpoint, "endpoint", c.endpoint, "")
	fs.StringVar(&c.serviceID, "service-id", c.serviceID, "")
	fs.StringVar(&c.secret, "secret", c.secret, "")
	fs.StringVar(&c.credentialsFile, "credentials-file", c.credentialsFile, "")
	return fs
}

// parse parses args; interspersed lets flags follow arguments, whose list
// fs.Args() then holds. --help prints usage on stdout.
func (c *cli) parse(fs *flag.FlagSet, args []string, usage string, interspersed bool) error {
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(c.stdout, usage)
			return errHelp
		}
		if err != nil {
			return usageError("%s: %v; run '%s --help'", fs.Name(), err, fs.Name())
		}
		rest := fs.Args()
		if !interspersed || len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			rest = nil
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	if interspersed {
		// Leave the positional arguments in fs.Args().
		return fs.Parse(append([]string{"--"}, positional...))
	}
	return nil
}

// dataFlag is --data: a literal body, @FILE or - for standard input.
type dataFlag struct {
	set   bool
	value string
}

func (d *dataFlag) String() string     { return d.value }
func (d *dataFlag) Set(v string) error { d.set, d.value = true, v; return nil }

func (c *cli) body(d *dataFlag) ([]byte, error) {
	switch {
	case !d.set:
		return nil, usageError("no body: give --data '<json>', --data @FILE or --data -")
	case d.value == "-":
		b, err := io.ReadAll(c.stdin)
		if err != nil {
			return nil, usageError("reading standard input: %v", err)
		}
		return b, nil
	case strings.HasPrefix(d.value, "@"):
		b, err := os.ReadFile(d.value[1:])
		if err != nil {
			return nil, usageError("--data: %v", err)
		}
		return b, nil
	}
	return []byte(d.value), nil
}

// resolvedEndpoint is --endpoint, else $XCLOUD_ENDPOINT, else the default,
// checked to be an http(s) URL.
func (c *cli) resolvedEndpoint() (string, error) {
	e := c.endpoint
	if e == "" {
		e = c.env(envEndpoint)
	}
	if e == "" {
		e = defaultEndpoint
	}
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageError("endpoint %q is not an http or https URL", e)
	}
	return strings.TrimRight(e, "/"), nil
}

// credentials take each of the service id and the secret from the flags,
// else the environment, else --credentials-file.
func (c *cli) credentials() (client.Credentials, error) {
	creds := client.Credentials{ServiceID: c.serviceID, Secret: c.secret}
	if creds.ServiceID == "" {
		creds.ServiceID = c.env(envServiceID)
	}
	if creds.Secret == "" {
		creds.Secret = c.env(envSecret)
	}
	if c.credentialsFile != "" {
		b, err := os.ReadFile(c.credentialsFile)
		if err != nil {
			return creds, usageError("--credentials-file: %v", err)
		}
		var file client.Credentials
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&file); err != nil {
			return creds, usageError("--credentials-file %s: want {\"serviceId\": \"...\", \"secret\": \"...\"}: %v", c.credentialsFile, err)
		}
		if creds.ServiceID == "" {
			creds.ServiceID = file.ServiceID
		}
		if creds.Secret == "" {
			creds.Secret = file.Secret
		}
	}
	if creds.ServiceID == "" || creds.Secret == "" {
		return creds, usageError("no credentials: give --service-id and --secret, set %s and %s, or give --credentials-file",
			envServiceID, envSecret)
	}
	return creds, nil
}

func (c *cli) client() (*client.Client, error) {
	endpoint, err := c.resolvedEndpoint()
	if err != nil {
		return nil, err
	}
	creds, err := c.credentials()
	if err != nil {
		return nil, err
	}
	return client.New(endpoint, creds, client.WithRetry(retryPolicy), client.WithUserAgent("xcloud-cli/1")), nil
}

// command parses a customers command's flags and checks its argument count
// (max < 0: no limit).
func (c *cli) command(fs *flag.FlagSet, args []string, minArgs, maxArgs int, what string) (*client.Client, error) {
	name := strings.TrimPrefix(fs.Name(), "xcloud ")
	if err := c.parse(fs, args, usages[strings.TrimPrefix(name, "customers ")], true); err != nil {
		return nil, err
	}
	if n := fs.NArg(); n < minArgs || (maxArgs >= 0 && n > maxArgs) {
		return nil, usageError("%s: want %s, got %d arguments; run 'xcloud %s --help'", name, what, n, name)
	}
	return c.client()
}

func (c *cli) create(args []string) error {
	fs := c.flagSet("xcloud customers create")
	var data dataFlag
	fs.Var(&data, "data", "")
	key := fs.String("idempotency-key", "", "")
	cl, err := c.command(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	body, err := c.body(&data)
	if err != nil {
		return err
	}
	var opts []client.RegisterOption
	if *key != "" {
		opts = append(opts, client.IdempotencyKey(*key))
	}
	res, err := cl.RegisterJSON(context.Background(), body, opts...)
	if err != nil {
		return err
	}
	c.writeJSON(c.stdout, res)
	return nil
}

func (c *cli) regenerateKey(args []string) error {
	fs := c.flagSet("xcloud customers regenerate-key")
	cl, err := c.command(fs, args, 2, 2, "a key name (primary or secondary) and one customer id")
	if err != nil {
		return err
	}
	name := client.KeyName(fs.Arg(0))
	if name != client.PrimaryKey && name != client.SecondaryKey {
		return usageError("regenerate-key: the key is primary or secondary, not %q", name)
	}
	res, err := cl.RegenerateKey(context.Background(), fs.Arg(1), name)
	if err != nil {
		return err
	}
	c.writeJSON(c.stdout, res)
	return nil
}

func (c *cli) get(args []string) error {
	fs := c.flagSet("xcloud customers get")
	cl, err := c.command(fs, args, 1, 1, "one customer id")
	if err != nil {
		return err
	}
	res, err := cl.Get(context.Background(), fs.Arg(0))
	if err != nil {
		return err
	}
	c.writeJSON(c.stdout, res)
	return nil
}

func (c *cli) update(args []string) error {
	fs := c.flagSet("xcloud customers update")
	var data dataFlag
	fs.Var(&data, "data", "")
	ifMatch := fs.String("if-match", "", "")
	cl, err := c.command(fs, args, 1, 1, "one customer id")
	if err != nil {
		return err
	}
	body, err := c.body(&data)
	if err != nil {
		return err
	}
	tag := *ifMatch
	if tag != "" && tag != "*" && !strings.ContainsAny(tag, `",`) && !strings.HasPrefix(tag, "W/") {
		tag = `"` + tag + `"` // --if-match 3 means the entity tag "3"
	}
	res, err := cl.UpdateJSON(context.Background(), fs.Arg(0), body, client.IfMatch(tag))
	if err != nil {
		return err
	}
	c.writeJSON(c.stdout, res)
	return nil
}

func (c *cli) list(args []string) error {
	fs := c.flagSet("xcloud customers list")
	status := fs.String("status", "", "")
	limit := fs.Int("limit", 0, "")
	all := fs.Bool("all", false, "")
	next := fs.String("next-token", "", "")
	cl, err := c.command(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	// 0 means the API's default to the client, so a --limit the API would
	// refuse is refused here, not silently dropped.
	limitSet := false
	fs.Visit(func(f *flag.Flag) { limitSet = limitSet || f.Name == "limit" })
	if limitSet && (*limit < 1 || *limit > 100) {
		return usageError("customers list: --limit must be 1 to 100, got %d", *limit)
	}
	opts := client.ListOptions{Status: client.Status(*status), Limit: *limit, NextToken: *next}
	ctx := context.Background()
	if !*all {
		page, err := cl.List(ctx, opts)
		if err != nil {
			return err
		}
		c.writeJSON(c.stdout, page)
		return nil
	}
	out := struct {
		Customers []client.Customer `json:"customers"`
	}{Customers: []client.Customer{}}
	for cust, err := range cl.Customers(ctx, opts) {
		if err != nil {
			return err
		}
		out.Customers = append(out.Customers, cust)
	}
	c.writeJSON(c.stdout, out)
	return nil
}

func (c *cli) exists(args []string) error {
	fs := c.flagSet("xcloud customers exists")
	cl, err := c.command(fs, args, 1, -1, "at least one customer id")
	if err != nil {
		return err
	}
	var ids []string
	for _, a := range fs.Args() {
		ids = append(ids, strings.Split(a, ",")...)
	}
	res, err := cl.Exists(context.Background(), ids...)
	if err != nil {
		return err
	}
	c.writeJSON(c.stdout, res)
	if !res.AllExist {
		return &failure{code: exitNotFound, err: fmt.Errorf("%d of the customers do not exist: %s",
			len(res.Missing), strings.Join(res.Missing, ","))}
	}
	return nil
}

// sign prints the signed headers of one request, or a curl command.
func (c *cli) sign(args []string) error {
	fs := c.flagSet("xcloud sign")
	var data dataFlag
	fs.Var(&data, "data", "")
	curl := fs.Bool("curl", false, "")
	ifMatch := fs.String("if-match", "", "")
	idemKey := fs.String("idempotency-key", "", "")
	if err := c.parse(fs, args, usages["sign"], true); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError("sign: want METHOD and URL, got %d arguments; run 'xcloud sign --help'", fs.NArg())
	}
	creds, err := c.credentials()
	if err != nil {
		return err
	}
	var body []byte
	if data.set {
		if body, err = c.body(&data); err != nil {
			return err
		}
	}
	method, target := strings.ToUpper(fs.Arg(0)), fs.Arg(1)
	if strings.HasPrefix(target, "/") {
		endpoint, err := c.resolvedEndpoint()
		if err != nil {
			return err
		}
		target = endpoint + target
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		return usageError("sign: URL %q: %v", target, err)
	}
	// Set before signing: the signature covers them (version 1.1).
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "if-match":
			req.Header.Set("If-Match", *ifMatch)
		case "idempotency-key":
			req.Header.Set("Idempotency-Key", *idemKey)
		}
	})
	if err := (hmacauth.Signer{ServiceID: creds.ServiceID, Secret: creds.Secret}).Sign(req, body); err != nil {
		return usageError("sign: %v", err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	names := make([]string, 0, len(req.Header))
	for name := range req.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	if !*curl {
		for _, name := range names {
			fmt.Fprintf(c.stdout, "%s: %s\n", headerName(name), req.Header.Get(name))
		}
		return nil
	}
	// --fail-with-body: a 4xx or 5xx answer is shown and makes curl (and
	// so `| sh`) exit 22; -w ends the body, which has no newline, with one.
	cmd := []string{"curl", "-sS", "-i", "--fail-with-body", "-w", `'\n'`, "-X", method, quote(target)}
	if method == http.MethodHead {
		cmd = []string{"curl", "-sS", "-I", "--fail-with-body", quote(target)}
	}
	for _, name := range names {
		cmd = append(cmd, "-H", quote(headerName(name)+": "+req.Header.Get(name)))
	}
	if len(body) > 0 {
		cmd = append(cmd, "--data-binary", quote(string(body)))
	}
	fmt.Fprintln(c.stdout, strings.Join(cmd, " "))
	return nil
}

// headerName spells a canonical header name as the API's documents do
// (X-XCloud-Signature, not X-Xcloud-Signature); HTTP header names are
// case-insensitive, so this is for the reader.
func headerName(canonical string) string {
	for _, name := range []string{hmacauth.HeaderServiceID, hmacauth.HeaderTimestamp, hmacauth.HeaderSignature,
		hmacauth.HeaderContentMD5, hmacauth.HeaderIfMatch, hmacauth.HeaderIdempotencyKey} {
		if http.CanonicalHeaderKey(name) == canonical {
			return name
		}
	}
	return canonical
}

// quote makes s one word for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// cliError is the JSON of an error that is not the API's.
type cliError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// describe gives an error's exit status and the JSON to print for it.
func describe(err error) (int, any) {
	var f *failure
	if errors.As(err, &f) {
		code := "ERROR"
		switch f.code {
		case exitUsage:
			code = "USAGE"
		case exitNotFound:
			code = "CUSTOMERS_MISSING"
		}
		return f.code, cliError{Error: code, Message: f.err.Error()}
	}
	if e := client.AsError(err); e != nil {
		out := *e
		if out.Code == "" {
			out.Code = strings.ToUpper(strings.ReplaceAll(http.StatusText(e.StatusCode), " ", "_"))
		}
		return exitForStatus(e.StatusCode), out
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return exitUnavailable, cliError{Error: "NETWORK_ERROR", Message: err.Error()}
	}
	return exitOther, cliError{Error: "ERROR", Message: err.Error()}
}

func exitForStatus(status int) int {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return exitAuth
	case http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed:
		return exitNotFound
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return exitValidation
	case http.StatusTooManyRequests:
		return exitUnavailable
	}
	if status >= 500 {
		return exitUnavailable
	}
	return exitOther
}

// writeJSON prints v, indented when w is a terminal.
func (c *cli) writeJSON(w io.Writer, v any) {
	var b []byte
	var err error
	if isTerminal(w) {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		b = []byte(`{"error":"ERROR","message":` + strconv.Quote(err.Error()) + `}`)
	}
	w.Write(append(b, '\n'))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
