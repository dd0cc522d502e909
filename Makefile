# Gazette: the two commands a fresh Debian/Ubuntu machine needs are `make demo` and `make test`.

SYSTEM_PACKAGES := libcurl4-openssl-dev libxml2-dev libsqlite3-dev zlib1g-dev libjemalloc-dev python3-venv
# The consumers the tests check Gazette's output with: xmllint (RELAX NG), trang (the RFC's
# compact schema to XML syntax), newsboat (a feed reader, run headless), Chromium and its
# driver (the sign-up form in a real browser, through Selenium).
TEST_PACKAGES := libxml2-utils trang newsboat chromium chromium-driver fonts-dejavu-core
VENV := .venv
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test deps test-deps lint build clean

## Install what is missing, build, and run the main job on the bundled samples.
demo: deps
	swift build --product gazette
	.build/debug/gazette demo

## Run the whole test suite against its real peers (aiosmtpd, feedparser, http.server).
# The heaviest tests run after the rest, one at a time: the SIGKILL crash test keeps both
# cores busy for half a minute, and the browser test starts Chromium; run among the parallel
# tests they would slow the ones that check timeouts, and be slowed. The SIGTERM-during-ingest
# test joins them: it must signal while a fetch is under way, and a test starved for seconds
# among the parallel ones would signal too late.
HEAVY_TESTS := CrashTests|SignupTests/browser|DaemonTests/sigtermDuringFirstIngest
test: deps test-deps $(VENV)/.ready lint
	GAZETTE_PYTHON=$(CURDIR)/$(VENV)/bin/python swift test --skip "$(HEAVY_TESTS)"
	GAZETTE_PYTHON=$(CURDIR)/$(VENV)/bin/python swift test --skip-build --no-parallel --filter "$(HEAVY_TESTS)"

## The system libraries Gazette links (libcurl, libxml2, SQLite, zlib, jemalloc), when they are missing.
deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

test-deps:
	@$(MAKE) --no-print-directory deps SYSTEM_PACKAGES="$(TEST_PACKAGES)"

$(VENV)/.ready: Tests/peers/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r Tests/peers/requirements.txt
	touch $@

lint:
	swift format lint --strict --recursive Sources Tests Package.swift

build:
	swift build

clean:
	rm -rf .build $(VENV) gazette-demo
