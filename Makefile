# The two commands of the README: `make serve` and `make test`. Everything else is a step
# they run. Each step installs or builds only what is missing.
.PHONY: serve test package package-test openapi-lint fuzz crash setup build build-asan unit unit-asan e2e e2e-asan browser screenshots bench cluster cluster-stop cluster-test cluster-tests crash-cluster e2e-cluster clean

JOBS ?= 2
E2E_DIR := tests/e2e

serve: setup build
	./build/parley serve --demo

# The black-box suite runs once, against the sanitizer build (the stronger check); the browser
# tests and the crash test use the release binary, the fuzz targets their own clang build.
test: setup build unit build-asan unit-asan openapi-lint e2e-asan browser crash cluster-tests fuzz

setup:
	bash scripts/setup.sh

build:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

unit:
	ctest --preset release -j $(JOBS)

# The sanitizers slow the randomized visibility test down about tenfold: fewer sequences there,
# the full 10,000 in the release run.
unit-asan:
	PARLEY_RANDOM_SEQUENCES=1000 ctest --preset asan -j $(JOBS)

# Black-box tests against the real binary (release build), then against the sanitizer build.
e2e: openapi-lint
	cd $(E2E_DIR) && npm test

# docs/openapi.yaml against the OpenAPI 3.1 rules (Redocly's recommended set, redocly.yaml).
openapi-lint:
	cd $(E2E_DIR) && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npm run --silent lint:openapi

e2e-asan: openapi-lint
	cd $(E2E_DIR) && PARLEY_BIN=$(CURDIR)/build-asan/parley PARLEY_SLOW=1 npm test

# The pages in Debian's chromium through Playwright, against the release binary.
browser:
	cd tests/browser && npx playwright test

# Re-takes the README's screenshots (docs/screenshots/) while running the whole-story test.
screenshots: setup build
	cd tests/browser && PARLEY_SCREENSHOTS=1 npx playwright test specs/story.spec.js

# libFuzzer targets (clang, build-fuzz/), each run FUZZ_SECONDS (default 30) on its seed corpus
# plus what it finds this run (kept in build-fuzz/corpus/, not in the repository), all at once.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := http_request gws_operation bayeux_batch customer_form config_file
fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	bash scripts/run-fuzzers.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Kills the server with SIGKILL under load (20 times) and checks that every acknowledged
# operation survived exactly once; CRASH_ARGS="--kills 200 --seconds 400" for the long form.
CRASH_ARGS ?= --kills 20 --seconds 40
crash: build
	node tests/crash/crash_test.mjs $(CRASH_ARGS)

# The Debian package (build/parley_<version>_amd64.deb), and its install-and-serve test
# (installs it on this machine: CI runs it, developers when they choose to).
package: setup build
	cd build && cpack -G DEB

package-test: package
	bash scripts/test-package.sh

bench: setup build
	bash bench/run.sh

# A throw-away local cluster (scripts/cluster.sh): PostgreSQL, NATS, three nodes and HAProxy
# on 127.0.0.1:18080. BASE_PORT and PARLEY_ARGS pass through from the environment.
CLUSTER_DIR ?= /tmp/parley-cluster
cluster: setup build
	bash scripts/cluster.sh start $(CLUSTER_DIR)

cluster-stop:
	bash scripts/cluster.sh stop $(CLUSTER_DIR)

# The scale-out tests (scripts/test-cluster.sh): the PostgreSQL store, the three-node journey,
# the crash test on a cluster, and the chats and supervision suites through a two-node cluster.
cluster-tests: build
	bash scripts/test-cluster.sh

# The whole black-box suite with every server a two-node cluster on PostgreSQL and NATS.
e2e-cluster: build
	bash scripts/test-cluster.sh platform/ notifications/ chats/ supervision/ security/

# A three-node cluster (scripts/cluster.sh) with the customer, the agent and the supervisor on
# different nodes, then the same story through HAProxy's balancing; `parley users` and
# `backup` against the cluster's PostgreSQL store.
PARLEY_BIN ?= build/parley
cluster-test:
	PARLEY_BIN=$(abspath $(PARLEY_BIN)) node --test tests/cluster/

# The crash test against a three-node cluster: SIGKILL of random nodes (the desk holder among
# them) under load, every simulated client through HAProxy with its stickiness cookie.
CRASH_CLUSTER_ARGS ?= --kills 6 --seconds 45
crash-cluster:
	PARLEY_BIN=$(abspath $(PARLEY_BIN)) node tests/crash/crash_test.mjs --cluster 3 $(CRASH_CLUSTER_ARGS)

clean:
	rm -rf build build-debug build-asan
