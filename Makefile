# cxkit — one entry point for set-up, tests, demo and checks.
# `make demo` and `make test` each create .venv and build the models on a fresh machine.

PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,crawl,postgres,ray,asr
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: venv models test test-fast demo check bench clean sysdeps

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -qq -e '.[$(EXTRAS)]'
	touch $@

sysdeps:
	bash scripts/sysdeps.sh

# Builds every model whose folder has a build.py; each script skips work already done.
models: venv
	@for f in models/*/build.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

test: venv sysdeps models
	$(BIN)/python -m pytest -q tests

test-fast: venv
	$(BIN)/python -m pytest -q -x -m "not slow" tests

# The main job on bundled demo data: generate >= 20 synthetic Vietnamese calls into demo/calls,
# score them into voc.duckdb (resumable), score bundled demo social posts (demo_data/), import
# the bundled synthetic survey answers (demo_data/surveys.csv: CSAT/CES/NPS at touchpoints
# 6, 12, 13), then build the HTML report from the store.
demo: venv sysdeps models
	$(BIN)/python -m cxaudio.demo --out voc.duckdb --folder demo/calls
	$(BIN)/cx text score demo_data/social_posts.csv --text-col content --id-col id \
		--author-col author --time-col time --url-col url --channel forum \
		--salt cxkit-demo-salt --out voc.duckdb
	$(BIN)/cx kpi import demo_data/surveys.csv --source survey --salt cxkit-demo-salt --store voc.duckdb
	$(BIN)/cx report --store voc.duckdb --out demo/report.html
	@echo "open demo/report.html; query voc.duckdb with: $(BIN)/cx records stats"

check: venv
	$(BIN)/ruff check cxaudio cxtext cxvoc crawlers models benchmarks tests
	$(BIN)/ruff format --check cxaudio cxtext cxvoc crawlers
	$(BIN)/mypy cxaudio cxtext cxvoc crawlers

bench: venv models
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
