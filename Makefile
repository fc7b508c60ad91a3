# Interforce: `make demo` runs the main job, `make test` the test suite. Both install missing Debian packages first.
SWIFT ?= swift
.PHONY: deps test-deps build demo test bench schemas clean

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

# The replication mode spawns the release `interforce` binary next to the bench, so both products are built.
bench: deps
	$(SWIFT) build -c release
	.build/release/interforce-bench
	.build/release/interforce-bench replication

# Regenerates Schemas/records and Schemas/operations from the model (a test checks they match).
schemas: build
	.build/debug/interforce schema write Schemas

clean:
	rm -rf .build
