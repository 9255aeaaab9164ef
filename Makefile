# Point ledger: the local stack without Docker, and the test suite.
# Every target reads .env (created from .env.example on first use).
SHELL := /bin/bash
STACK := infra/bin/stack
TSX := npx --no-install tsx

# `make up TOPOLOGY=cluster` (or any target): the stack's topology for this run, over .env's
# STACK_TOPOLOGY. Without it, a running stack's own topology counts, then .env's (ADR 0010).
ifdef TOPOLOGY
export STACK_TOPOLOGY := $(TOPOLOGY)
endif

.PHONY: chaos bench bench-search bench-report capacity screenshots fuzz rebuild-redis rebuild-clickhouse ch keys verify compose-up compose-down compose-cluster-up compose-cluster-down help up down status logs install topics migrate connectors connector-status \
        test memory test-cluster test-cluster-chaos test-reports-clear test-unit test-int test-schemathesis test-e2e typecheck lint format lint-shell lint-deps reset

help: ## this list
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

up: ## install what is missing, start the whole stack, wait until every service answers
	@$(STACK) up

down: ## stop everything `make up` started
	@$(STACK) down

status: ## each service with its port, pid and state
	@$(STACK) status

logs: ## a service's log: make logs S=kafka (mariadb kafka connect registry redis clickhouse api projector-redis projector-clickhouse)
	@$(STACK) logs $(S)

install: ## apt packages, Java artifacts (Maven) and npm packages, without starting anything
	@$(STACK) install

topics: ## create the Kafka topics (idempotent)
	@$(TSX) infra/scripts/create-topics.ts

migrate: ## apply the database migrations
	@$(TSX) infra/scripts/migrate.ts

connectors: ## register connect/*.json with Kafka Connect (idempotent PUT) and wait until running
	@$(TSX) infra/scripts/register-connectors.ts --wait

connector-status: ## connector and task state
	@$(TSX) infra/scripts/connector-status.ts

keys: ## the API address and development keys (API_URL=, ADMIN_KEY=, WRITE_KEY=, READ_KEY=)
	@$(TSX) infra/scripts/keys.ts

verify: ## check the ledger invariants for every user; non-zero exit on any difference
	@$(TSX) tools/verify/verify.ts

rebuild-redis: ## empty the Redis model and replay it from points.events, with progress
	@$(TSX) tools/rebuild.ts redis

rebuild-clickhouse: ## empty the ClickHouse model and replay it from points.events, with progress
	@$(TSX) tools/rebuild.ts clickhouse

ch: ## an SQL shell on ClickHouse as the read-only analyst user
	@set -a; . ./.env; set +a; clickhouse-client --host 127.0.0.1 --port "$$CLICKHOUSE_TCP_PORT" \
	  --user "$$CLICKHOUSE_ANALYST_USER" --password "$$CLICKHOUSE_ANALYST_PASSWORD" --database "$$CLICKHOUSE_DATABASE"

bench: ## every benchmark against the running stack, results in bench/results/ (git-ignored; not part of make test)
	@$(TSX) bench/run-all.ts

bench-search: ## the admin search over a scratch ClickHouse database of 1,000,000 events: latency, CSV export rate and memory (bench/results/admin-search-latest.json)
	@$(TSX) api/bench/admin-search.ts

bench-report: ## BENCHMARKS.md and its chart from the last make bench (and make chaos) results in bench/results/
	@$(TSX) bench/run-all.ts --render

capacity: ## the capacity model past this machine (shards, brokers, partitions, instances for 1k-100k/s) from bench/results/latest.json
	@$(TSX) bench/capacity.ts

screenshots: ## the console's pictures in docs/screenshots/ (its browser test with SCREENSHOTS=1; needs the stack)
	@npm run --silent build:web
	@SCREENSHOTS=1 npx --no-install vitest run --project e2e web/test/console.e2e.test.ts web/test/operations.e2e.test.ts

memory: ## resident memory of every process of the running stack, per instance and in total (bench/results/memory-<topology>-latest.json)
	@$(TSX) bench/memory.ts

chaos: ## fault scenarios under load (kills, stops, poison), each ending with the checks of make verify (in cluster also the cluster's own)
	@$(TSX) tools/chaos/run-chaos.ts

fuzz: ## the bad-input fuzzer, then Schemathesis, long forms (FUZZ_RUNS=5000, SCHEMATHESIS_EXAMPLES=300 by default here; make test runs short forms)
	@FUZZ_RUNS=$${FUZZ_RUNS:-5000} npx --no-install vitest run --project int api/test/fuzz.int.test.ts
	@SCHEMATHESIS_EXAMPLES=$${SCHEMATHESIS_EXAMPLES:-300} infra/scripts/schemathesis.sh

lint: ## Biome: linter and formatter check over the TypeScript (biome.json; no warnings, no unformatted file; `make format` fixes the format)
	@npx --no-install biome check --error-on-warnings .

format: ## Biome formats the TypeScript in place
	@npx --no-install biome format --write .

lint-deps: ## the direction of dependencies between the folders (ADR 0009, dependency-cruiser)
	@npx --no-install depcruise --config .dependency-cruiser.cjs api projectors common schemas tools testing bench infra web

lint-shell: ## shellcheck over every shell script of the stack (no warnings allowed)
	@shellcheck -x infra/bin/stack infra/lib/*.sh infra/services/*.sh infra/scripts/*.sh infra/compose/*.sh .ci/run && echo "shellcheck: clean"

typecheck: ## TypeScript, strict
	@npx --no-install tsc --noEmit -p tsconfig.json

test-unit: ## unit tests (no IO)
	@npm run --silent test:unit

test-int: ## integration tests (one real service each; needs the stack)
	@npm run --silent test:int

test-schemathesis: ## Schemathesis against the API's OpenAPI document, short form (50 examples per operation; needs the stack)
	@infra/scripts/schemathesis.sh
	@mkdir -p $(TEST_REPORTS) && cp .stack/schemathesis/junit.xml $(TEST_REPORTS)/schemathesis.xml

test-e2e: ## end-to-end tests (the whole pipeline; needs the stack)
	@npm run --silent test:e2e

test: up lint lint-shell lint-deps typecheck test-reports-clear test-unit test-int test-schemathesis test-e2e ## everything; brings the stack up first when it is not up; ends with one line counting every test
	@$(TSX) tools/test-summary.ts $(TEST_REPORTS) tests

test-cluster: export STACK_TOPOLOGY := cluster
test-cluster: ## the integration and end-to-end tiers, then the cluster's fault scenarios, against the cluster topology (stops a running single stack, starts the cluster)
	@if [[ "$$($(STACK) topology)" == single ]]; then $(STACK) down; fi
	@$(STACK) up
	@$(MAKE) --no-print-directory test-reports-clear test-int test-e2e test-cluster-chaos
	@$(TSX) tools/test-summary.ts $(TEST_REPORTS) cluster

test-cluster-chaos: ## the cluster topology's fault scenarios (a broker, a Redis master, an API instance, a projector of each kind, a Connect worker, a registry killed under load)
	@npm run --silent test:cluster

# Each tier writes its report (vitest JSON, Schemathesis JUnit) here; tools/test-summary.ts sums them.
TEST_REPORTS := .stack/test-results
export TEST_REPORTS
test-reports-clear:
	@rm -rf $(TEST_REPORTS) && mkdir -p $(TEST_REPORTS)

compose-up: ## with Docker: the production column (docker-compose.yml), then topics, migrations, connectors
	npm ci --no-audit --no-fund || npm install --no-save --no-audit --no-fund
	npm run build:web
	docker compose up -d --wait mysql kafka connect schema-registry redis clickhouse
	@$(MAKE) --no-print-directory topics migrate connectors
	docker compose up -d api projector-redis projector-clickhouse

compose-down: ## with Docker: stop the compose stack (volumes are kept)
	docker compose down

compose-cluster-up: ## with Docker: the cluster topology (docker-compose.cluster.yml), its topics, migrations, connectors and Redis Cluster included
	npm ci --no-audit --no-fund || npm install --no-save --no-audit --no-fund
	npm run build:web
	docker compose -f docker-compose.cluster.yml up -d --wait

compose-cluster-down: ## with Docker: stop the cluster compose stack (volumes are kept)
	docker compose -f docker-compose.cluster.yml down

reset: ## stop the stack and delete its data and logs (keeps downloaded jars)
	@$(STACK) down
	rm -rf .stack/data .stack/data-cluster .stack/logs .stack/run .stack/conf .stack/conf-cluster
