# Interforce: `make demo` runs the main job, `make test` the test suite. Both install missing Debian packages first.
SWIFT ?= swift
.PHONY: deps test-deps build demo test soak bench bench-large schemas clean

deps:
	@Deploy/debian-deps.sh

test-deps:
	@Deploy/debian-deps.sh --with-python

build: deps
	$(SWIFT) build

demo: build
	Deploy/demo.sh .build/debug/interforce

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The crash fault test for 100 rounds of SIGKILL (make test runs 3); prints rounds, writes, lost, doubled, diverged,
# corrupted. INTERFORCE_CRASH_ROUNDS and INTERFORCE_CRASH_SEED override.
soak: test-deps
	$(SWIFT) build --build-tests
	INTERFORCE_CRASH_ROUNDS=$${INTERFORCE_CRASH_ROUNDS:-100} $(SWIFT) test --skip-build --filter CrashTests

# One table of issue 10's nine figures next to their targets, N = 100,000 (bench-large: N = 1,000,000). The
# replication part spawns the release `interforce` binary next to the bench, so both products are built. The
# detailed tables: `interforce-bench [--sizes N,N]`, `interforce-bench replication`, `interforce-bench dedup`.
bench: deps
	$(SWIFT) build -c release
	.build/release/interforce-bench summary --entries 100000

bench-large: deps
	$(SWIFT) build -c release
	.build/release/interforce-bench summary --entries 1000000

# Regenerates Schemas/records and Schemas/operations from the model (a test checks they match).
schemas: build
	.build/debug/interforce schema write Schemas

clean:
	rm -rf .build
