# 知识产权政策文库 — everything a newcomer needs: `make site` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# our modules' bytecode, written even where PYTHONDONTWRITEBYTECODE is set (CI, containers): without it
# every `iparchive search` compiles 18 modules again (40 ms of a 0.2-0.3 s command); stale files are ignored
BYTECODE = $(PY) -m compileall -q build_tools search > /dev/null

.PHONY: site test test-fast bench bench-5x bench-10x bench-search search serve check clean sysdeps

# the project installed editable in compat mode: a path in a .pth file, not setuptools' import
# finder, which every Python start (each `iparchive search`) would import and install first
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . --config-settings editable_mode=compat
	touch $@

## Build the whole site (site/) and the offline search index (search/index/).
site: $(STAMP)
	$(BYTECODE)
	$(PY) -m build_tools.cli build

## Run the whole test suite (installs Chromium and CJK fonts for the browser tests if missing).
test: $(STAMP) sysdeps
	$(PY) -m pytest -q -p no:cacheprovider

## Tests without the browser and whole-corpus tests.
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not browser and not slow"

sysdeps:
	bash scripts/install-system-deps.sh

## Validate every source and sidecar.
check: $(STAMP)
	$(PY) -m build_tools.cli check

## Search the offline index: make search Q=惩罚性赔偿
search: $(STAMP)
	$(PY) -m build_tools.cli search "$(Q)"

## Serve site/ on localhost.
serve: $(STAMP)
	$(PY) -m build_tools.cli serve

## Benchmark on the real corpora (not a test).
bench: $(STAMP)
	$(BYTECODE)
	$(PY) -m benchmarks.bench
	$(PY) -m benchmarks.bench_search

## The same at 5x / 10x the corpus (issue 29; one run, no browser): build/bench-5x.json, build/bench-10x.json.
bench-5x: $(STAMP)
	$(BYTECODE)
	$(PY) -m benchmarks.bench --scale 5 --repeat 1 --no-browser

bench-10x: $(STAMP)
	$(BYTECODE)
	$(PY) -m benchmarks.bench --scale 10 --repeat 1 --no-browser --no-mkdocs-alone

## Search quality: recall and precision@10 of the CLI and the browser (not a test).
bench-search: $(STAMP)
	$(PY) -m benchmarks.bench_search

clean:
	rm -rf site site.tmp site.old build docs/notices docs/tags docs/data docs/generated docs/works docs/index.md search/index search/index.tmp
