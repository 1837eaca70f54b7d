# Galla: `make run` serves the shop on http://127.0.0.1:8080 (`make run PORT=18080` on another port: buyers are sent
# back to the port served unless PUBLIC_URL says otherwise), `make test` runs every test.
# The venv's interpreter: the first Python 3.11+ with venv among these, the distribution's own first. Debian's
# CPython is built with profile-guided and link-time optimisation: the server spends about a tenth less CPU per
# checkout on it than on a default build such as pyenv's (docs/BENCHMARKS.md). `make PYTHON=... ` picks another.
ifndef PYTHON
PYTHON := $(shell for p in /usr/bin/python3 python3; do $$p -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
endif
VENV := .venv
BIN := $(VENV)/bin
# Installed for this pyproject.toml on this interpreter: either changing makes a new venv.
STAMP := $(VENV)/.installed-$(shell (cat pyproject.toml; realpath "$$(command -v $(PYTHON))") | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test lint install clean demo-refund bench bench-quick bench-ab bench-rates razorpay-schema

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Galla needs Python 3.11 or newer, with venv"; exit 1; }
	test "$$(realpath "$$(command -v $(PYTHON))")" = "$$($(BIN)/python -c 'import os, sys; print(os.path.realpath(sys._base_executable))' 2>/dev/null)" || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/galla serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff's lint and format checks and mypy (strict on galla/payments and galla/orders), as configured in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Galla against the blocking baselines (the SDK on the default executor, and on a thread per shopper), each with both
# sandboxes in their own processes (about 14 minutes): writes bench/results/latest.json and docs/BENCHMARKS.md.
# bench-quick: about 2.5 minutes, bench/results/quick.json.
bench: $(STAMP)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# This tree against another revision (REV=HEAD~1, a tag, a commit), in alternating windows: about 3 minutes.
bench-ab: $(STAMP)
	$(BIN)/python -m bench.ab $(REV)

# The server's CPU per checkout and loop lag, saturated and then at each arrival rate (RATES="20 60 127"):
# about 2 minutes.
bench-rates: $(STAMP)
	$(BIN)/python -m bench.rates $(RATES)

# Against a running `make run`: pay, refund half from the admin API, see partially_refunded (needs ADMIN_PASSWORD).
demo-refund: $(STAMP)
	BASE_URL=http://$(HOST):$(PORT) $(BIN)/python scripts/refund_demo.py

# Regenerate tests/contract/razorpay_schema.json from the razorpay npm package's TypeScript declarations
# (versions pinned in scripts/razorpay_schema/package-lock.json; needs node and npm, the tests do not).
razorpay-schema:
	cd scripts/razorpay_schema && npm ci --no-audit --no-fund && node generate.mjs

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
