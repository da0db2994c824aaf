SHELL := /bin/bash
.DEFAULT_GOAL := help

BIN   := $(CURDIR)/bin
STAMP := $(BIN)/.installed
export PATH := $(BIN):$(PATH)

# Pinned tool versions. Bumping one reinstalls it on the next make.
TEMPORAL_CLI_VERSION  := v1.5.1
SQLC_VERSION          := v1.31.1
GOLANGCI_LINT_VERSION := v2.15.0
WORKFLOWCHECK_VERSION := v0.6.0

TEST_TIMEOUT ?= 14m
# How long each fuzz target runs in `make test`; `make fuzz FUZZTIME=10m` digs deeper.
FUZZTIME ?= 3s
FUZZ_TARGETS := ./api/webhook:FuzzParse ./api/webhook:FuzzValidSignature ./activities/whatsapp:FuzzParsePayload

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_\/-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

## ---- the two commands ----

.PHONY: run
run: tools postgres build ## Bring everything up locally (PostgreSQL, Temporal + UI, API, worker). Ctrl-C stops it.
	$(BIN)/wab dev -stack

.PHONY: chat
chat: build ## Chat with the bot of `make run` as a WhatsApp customer, in this terminal.
	$(BIN)/wab chat

.PHONY: test
test: tools postgres ## Unit and integration tests (real PostgreSQL and Temporal, started by the tests), then a brief fuzz.
	go test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME)

.PHONY: fuzz
fuzz: ## Fuzz the webhook parser, the signature check and the Graph payload parser (FUZZTIME each).
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$fn ($$pkg, $(FUZZTIME))"; \
		go test -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; done

# What `make bench` runs; e.g. make bench BENCH_FLAGS="-mode closed -concurrency 100 -bot rest".
BENCH_FLAGS ?= -mode open -rate 200 -duration 60s

.PHONY: bench
bench: tools postgres build ## Benchmark: scripted customers against a stack it starts (Temporal's SQLite on disk); report in results/bench.
	$(BIN)/wab bench $(BENCH_FLAGS)

# What `make chaos` runs; e.g. make chaos CHAOS_FLAGS="-seed 42 -kills 2 -workers 2".
CHAOS_FLAGS ?=

.PHONY: chaos
chaos: tools postgres build ## Chaos: 1,000 conversations × 5 turns while worker, API and Temporal are SIGKILLed and the Graph API fails; exit 1 on any loss.
	$(BIN)/wab chaos $(CHAOS_FLAGS)

## ---- development ----

.PHONY: build
build: ## Build bin/wab.
	go build -o $(BIN)/wab ./cmd/wab

.PHONY: lint
lint: $(STAMP)/golangci-lint-$(GOLANGCI_LINT_VERSION) $(STAMP)/workflowcheck-$(WORKFLOWCHECK_VERSION) ## golangci-lint (with the workflows/ depguard rule) and Temporal's workflowcheck.
	golangci-lint run ./...
	workflowcheck -config .workflowcheck.yaml ./workflows/...

.PHONY: generate
generate: $(STAMP)/sqlc-$(SQLC_VERSION) ## Regenerate sqlc code in db/dbgen.
	sqlc generate

.PHONY: verify
verify: $(STAMP)/sqlc-$(SQLC_VERSION) ## Fail if generated code or go.mod is stale.
	sqlc diff
	sqlc vet
	go mod tidy -diff

.PHONY: tools
tools: $(STAMP)/temporal-$(TEMPORAL_CLI_VERSION) $(STAMP)/sqlc-$(SQLC_VERSION) ## Install the pinned Temporal CLI and sqlc into bin/.

$(STAMP)/temporal-$(TEMPORAL_CLI_VERSION):
	GOBIN=$(BIN) go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/sqlc-$(SQLC_VERSION):
	GOBIN=$(BIN) go install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION)
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/golangci-lint-$(GOLANGCI_LINT_VERSION):
	GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/workflowcheck-$(WORKFLOWCHECK_VERSION):
	GOBIN=$(BIN) go install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)
	@mkdir -p $(STAMP) && touch $@

.PHONY: postgres
postgres: ## Install the PostgreSQL server through apt-get if it is missing (root only).
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || [ -n "$$PG_BINDIR" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing PostgreSQL with apt-get …"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "PostgreSQL is not installed: run 'sudo apt-get install postgresql' (or set PG_BINDIR to its bin directory)."; exit 1; \
	fi

## ---- database ----

.PHONY: db/migrate
db/migrate: build ## Apply migrations to $$DATABASE_URL.
	$(BIN)/wab migrate

.PHONY: db/new
db/new: ## Create a migration: make db/new name=add_things
	@test -n "$(name)" || { echo "usage: make db/new name=add_things"; exit 2; }
	@f=db/migrations/$$(date -u +%Y%m%d%H%M%S)_$(name).sql; \
	printf -- '-- +goose Up\n\n-- +goose Down\n' > $$f; echo "created $$f"

.PHONY: db/reset
db/reset: ## Delete the local stack's state (.data): conversations, database, keys.
	rm -rf .data

.PHONY: clean
clean: ## Remove build outputs (keeps installed tools and .data).
	rm -f $(BIN)/wab
