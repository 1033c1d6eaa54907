# Two commands matter: `make run` starts the platform, `make test` runs the suite.
# Both create the virtualenv and generate the protobuf stubs first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PROTOS := $(wildcard proto/jcp/*/v1/*.proto)
export PYTHONPATH := $(CURDIR):$(CURDIR)/build/proto

.PHONY: install proto run test lint bench bench-smoke migrate clean browser

install: $(VENV)/.installed proto

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

proto: build/proto/.generated

build/proto/.generated: $(PROTOS) $(VENV)/.installed
	rm -rf build/proto && mkdir -p build/proto
	$(BIN)/python -m grpc_tools.protoc -Iproto --python_out=build/proto --pyi_out=build/proto \
		--grpc_python_out=build/proto $(PROTOS)
	touch $@

run: install
	JCP_LOG_FORMAT=$${JCP_LOG_FORMAT:-text} $(BIN)/python -m infra.launcher

test: install browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium (never a downloaded browser); a CJK font lets
# Chinese render in its screenshots. Installed once, when missing.
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -qi wqy || { \
		apt-get install -y --no-install-recommends $(BROWSER_PACKAGES) || \
		{ apt-get update && apt-get install -y --no-install-recommends $(BROWSER_PACKAGES); }; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Every benchmark's stages once, tiny counts, on one shared platform: that they still run.
bench-smoke: install
	$(BIN)/python -m pytest -m bench tests/e2e/test_benchmarks.py

migrate: install
	$(BIN)/python -m infra.schema

# BENCH_ARGS=--smoke: every stage once with tiny counts, to see that each benchmark still runs.
bench: install
	$(BIN)/python -m bench.fanout $(BENCH_ARGS)
	$(BIN)/python -m bench.dispatch $(BENCH_ARGS)
	$(BIN)/python -m bench.callup $(BENCH_ARGS)
	$(BIN)/python -m bench.partners $(BENCH_ARGS)
	$(BIN)/python -m bench.console $(BENCH_ARGS)
	$(BIN)/python -m bench.answers $(BENCH_ARGS)
	$(BIN)/python -m bench.bulletin $(BENCH_ARGS)
	$(BIN)/python -m bench.factors $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build var .pytest_cache .ruff_cache
