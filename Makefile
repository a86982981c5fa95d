# Every target works on a fresh clone: `install` builds .venv from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EXPORT := sample_data/Basic_LinkedInDataExport_11-20-2026.zip

.PHONY: install demo test test-fast bench lint eval sample docs clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# A fixed first meeting, so the demo's files are the same whenever it runs (without --start the
# campaign starts at your next usual slot, which moves every week).
DEMO_MEETING := --start 2027-01-05T08:00 --tz America/Toronto --location "Café Olimpico"

# The demo keeps its own ledger in out/, so the sample's 600 strangers never enter yours.
demo: install
	OUTREACH_NOW=$${OUTREACH_NOW:-2026-11-23T12:00:00+00:00} $(BIN)/outreach campaign $(EXPORT) --out out $(DEMO_MEETING) --ledger out/.demo-ledger.sqlite

test: install
	$(BIN)/python -m pytest -q -n 2

# Everything but the tests marked slow (seconds each: big batches, fresh processes, corpora)
# or integration (a real server or external tool): a minute or less on 2 cores, for while you
# work. `make test` (CI) runs them all.
test-fast: install
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not integration"

lint: install
	$(BIN)/ruff check outreach tests bench
	$(BIN)/mypy

# Both shared dev sets (overall, per language, per function) and our own held-out titles.
eval: install
	$(BIN)/python bench/eval_titles.py ../shared/data/titles_dev.csv --min-both 0.95
	$(BIN)/python bench/eval_titles.py ../shared/data/titles_dev_world.csv --min-both 0.90
	$(BIN)/python bench/eval_titles.py tests/data/titles_holdout.csv tests/data/titles_holdout_world.csv --min-both 0.95
	$(BIN)/python bench/eval_titles.py tests/data/titles_holdout_new.csv --min-both 0.90

bench: install
	$(BIN)/python bench/run.py

sample: install
	$(BIN)/python sample_data/generate.py sample_data

# The command reference (docs/reference.md) is generated from the click commands (tests/test_readme.py
# fails when it is stale).
docs: install
	$(BIN)/python scripts/readme_options.py

clean:
	rm -rf $(VENV) out bench/out .pytest_cache .mypy_cache .ruff_cache
