# XCloud customers API. A newcomer needs two targets: `make run` and `make test`.

GO       ?= go
PORT     ?= 3000
BUILD_DIR = build

# The functions of template.yaml and of the nested events.yaml, by logical
# id. A function's code is the main package
# ./functions/<its id without "Function", in lower case>/bootstrap.
FUNCTIONS := $(shell sed -n 's/^  \([A-Za-z0-9][A-Za-z0-9]*Function\):$$/\1/p' template.yaml events.yaml)

# How Lambda (provided.al2023, arm64) binaries are built.
LAMBDA_ENV   = CGO_ENABLED=0 GOOS=linux GOARCH=arm64
LAMBDA_FLAGS = -tags lambda.norpc -trimpath -ldflags "-s -w"

# Linters run from the Go module proxy at pinned versions.
STATICCHECK = honnef.co/go/tools/cmd/staticcheck@v0.8.2
ACTIONLINT  = github.com/rhysd/actionlint/cmd/actionlint@v1.7.7

# Fuzz targets, package:Name; `make fuzz` runs each for FUZZTIME.
FUZZ_TARGETS = ./shared/hmacauth:FuzzVerify ./shared/hmacauth:FuzzCanonicalQuery \
               ./shared/customer:FuzzDecode \
               ./internal/localapi:FuzzLambdaHandler
FUZZTIME    ?= 30s

.PHONY: help prerequisites run xcloud test test-smoke vet unit bench fuzz template test-dynalite test-clients test-moto lint lint-template lint-openapi events invoke build
.DEFAULT_GOAL := help

## help: list the targets (this)
help:
	@awk '/^## [a-z-]+:/ { sub(/^## /, ""); name = $$0; sub(/:.*/, "", name); desc = $$0; sub(/^[a-z-]+: */, "", desc); \
	        printf "  make %-14s %s\n", name, desc; next } \
	      /^##   / { sub(/^##   /, ""); printf "  %-19s %s\n", "", $$0 }' $(MAKEFILE_LIST)

## prerequisites: check, in seconds, every tool make test needs (prerequisites.tsv),
##   naming each missing one with how to install it
prerequisites:
	@scripts/prerequisites.sh

## run: serve the whole API on 127.0.0.1:3000 (PORT=...), storage in memory; also builds build/xcloud
run: xcloud
	@scripts/prerequisites.sh go
	@if command -v node >/dev/null && command -v npm >/dev/null; then $(MAKE) -s --no-print-directory docs || echo "warning: make docs failed: /docs may be missing or stale; the API starts anyway" >&2; \
	elif ! $(MAKE) -q --no-print-directory $(DOCS_HTML) 2>/dev/null; then echo "warning: node and npm are needed to build $(DOCS_HTML) (make docs): /docs may be missing or stale; the API starts anyway" >&2; fi
	$(GO) build -o $(BUILD_DIR)/xcloud-local ./cmd/xcloud-local
	PORT=$(PORT) ./$(BUILD_DIR)/xcloud-local

## xcloud: build the command-line client, build/xcloud (its exit codes tell errors apart)
xcloud:
	$(GO) build -o $(BUILD_DIR)/xcloud ./cmd/xcloud

# The packages whose tests use a DynamoDB (internal/dynamotest): they run
# again against dynalite and moto, each started on 127.0.0.1 for the run.
STORAGE_PKGS = ./shared/store/ ./internal/localapi/ ./internal/localinvoke/

## test: every tool checked first, then vet, the race-enabled suite (embedded
##   DynamoDB), the storage suite against dynalite and moto, the client recipes,
##   the smoke test, the reference page in a browser, cfn-lint and the OpenAPI lint
test: prerequisites
	@$(MAKE) --no-print-directory vet unit test-dynalite test-moto test-clients test-smoke test-browser lint-template lint-openapi

# The library variants make bench measures owned code against must keep building.
vet:
	$(GO) vet ./...
	$(GO) vet -tags library_awsconfig,library_item ./...

unit:
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -tags library_item ./shared/store/ # both item variants write and read the same items

test-dynalite:
	scripts/with-dynamodb.sh dynalite $(GO) test -race -count=1 $(STORAGE_PKGS)

# moto also speaks Secrets Manager: the functions' own client runs against it.
test-moto:
	scripts/with-dynamodb.sh moto sh -c 'XCLOUD_MOTO_ENDPOINT=$$DYNAMODB_ENDPOINT $(GO) test -race -count=1 $(STORAGE_PKGS) ./shared/secrets/'

## test-smoke: the deploy pipeline's smoke test (xcloud smoke), writing and read-only,
##   against the local API as make run serves it
test-smoke:
	scripts/smoke-local.sh

# The client recipes of clients/ (Postman with newman, Python, Node, curl)
# run against the local API, so that none of them rots.
test-clients:
	bash scripts/client-recipes.sh

lint-template:
	cfn-lint template.yaml monitoring.yaml events.yaml

## template: regenerate the alarms and dashboard (monitoring.yaml) and the Monitoring
##   resource of template.yaml from the functions' declarations (functions.All)
template:
	$(GO) run ./cmd/xcloud-template

# The OpenAPI description: valid 3.1, and clean under Redocly's strict rules.
# (The end-to-end tests also check every exchange against it.)
lint-openapi:
	@[ -x node_modules/.bin/redocly ] || npm ci --no-audit --no-fund --loglevel=error
	openapi-spec-validator openapi/openapi.yaml
	node_modules/.bin/redocly lint openapi/openapi.yaml

# The API reference page: one HTML file with Redoc and the description inlined
# (no CDN), rebuilt only when its sources change. Its template's
# Content-Security-Policy keeps it from loading anything from elsewhere.
DOCS_HTML = $(BUILD_DIR)/docs/index.html
.PHONY: docs test-browser

## docs: render openapi/openapi.yaml as one self-contained HTML page, build/docs/index.html
##   (make run serves it at /docs, and the description at /openapi.yaml)
docs: $(DOCS_HTML)

$(DOCS_HTML): openapi/openapi.yaml openapi/docs.hbs redocly.yaml package-lock.json
	@[ -x node_modules/.bin/redocly ] || npm ci --no-audit --no-fund --loglevel=error
	REDOCLY_TELEMETRY=off node_modules/.bin/redocly build-docs openapi/openapi.yaml --inlineBundle --template openapi/docs.hbs --output $@.tmp
	@! grep -qE '(src|href)="https?://[^"]*\.m?js"|from "https?://' $@.tmp || { rm -f $@.tmp; echo "docs: $@ would load Redoc from the network" >&2; exit 1; }
	@mv $@.tmp $@

## test-browser: make docs, then load /docs from xcloud-local in headless Chromium: every
##   operation and error code of the description rendered, no request beyond the page's
##   origin; screenshots in build/docs*.png
test-browser: docs
	XCLOUD_BROWSER_TEST=1 $(GO) test -count=1 -run '^TestDocsPageInBrowser$$' ./cmd/xcloud-local/

## lint: go vet, staticcheck, cfn-lint, the OpenAPI lint, and actionlint on the CI workflow
lint: vet lint-template lint-openapi
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(ACTIONLINT) .github/workflows/*.yml

## fuzz: run every fuzz target for FUZZTIME, a duration or a count (5000x);
##   the seed corpora in testdata/fuzz also run as plain tests in `make test`
fuzz:
	scripts/fuzz.sh $(FUZZTIME) $(FUZZ_TARGETS)

## bench: the performance report of docs/PERFORMANCE.md: each built function's warm
##   CPU per invocation and cold start, out of process, against the idiomatic baseline
##   and the minimal function; memory; DynamoDB calls; what owned code saves
bench:
	$(GO) run ./cmd/xcloud-bench

## events: sign copies of the event fixtures of events/ into build/events/ for sam local invoke
events:
	$(GO) run ./cmd/xcloud-events

## invoke: run a built function under the Lambda Runtime API with an event, no Docker
##   make invoke FUNCTION=RegisterFunction EVENT=events/register.json
##   (EVENT may list several events; FUNCTION defaults to the manifest's)
invoke:
	@test -n "$(EVENT)" || { echo "usage: make invoke [FUNCTION=LogicalId] EVENT=events/<file>.json" >&2; exit 2; }
	$(GO) run ./cmd/xcloud-invoke $(if $(FUNCTION),-function $(FUNCTION)) $(EVENT)

## build: every function's arm64 bootstrap binary, in build/<LogicalId>/
build:
	@for f in $(FUNCTIONS); do $(MAKE) --no-print-directory build-$$f ARTIFACTS_DIR=$(BUILD_DIR)/$$f || exit 1; done

# sam build calls build-<LogicalId> with ARTIFACTS_DIR set (BuildMethod: makefile).
build-%Function:
	mkdir -p $(ARTIFACTS_DIR)
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo $* | tr A-Z a-z)/bootstrap
