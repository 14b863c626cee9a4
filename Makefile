# siptool: the two entry points the README promises, plus helpers.
#   make demo   install build dependencies, build siptool, run it on a bundled example
#   make test   install test dependencies, build (no warnings allowed), run every test
# Both work on a fresh Debian 12 machine with the Swift 6 toolchain on PATH; apt-get runs
# through sudo only when not root.

SWIFT ?= swift
SIPTOOL_RELEASE = .build/release/siptool

.PHONY: all build release demo test deps-build deps-test bench clean

all: build

deps-build:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

build: deps-build
	$(SWIFT) build

release: deps-build
	$(SWIFT) build -c release --product siptool

demo: release
	@scripts/demo.sh $(SIPTOOL_RELEASE)

test: deps-test
	@scripts/check-warnings.sh
	$(SWIFT) test

bench: deps-test
	@bench/run.sh

clean:
	rm -rf .build
