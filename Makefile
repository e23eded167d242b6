# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := data/exitlens.db
# The demo history ends here (midnight 2026-11-24 in Korea); tracking and reports use it as
# "now", so the demo database and every report made from it are reproducible.
DEMO_END := 2026-11-23T15:00:00+00:00
DEMO_DAY := 2026-11-23
DEMO_WEEK_END := 2026-11-24T00:00:00+09:00
FORMATS ?= html,pdf
# The suite reads the demo database; a URL from the shell must not redirect it.
CLEAN_ENV := env -u EXITLENS_DATABASE_URL -u DATABASE_URL
# The demo bot's exit rules: reports and summaries of the demo replay its exits (SPEC §6).
DEMO_RULES := EXITLENS_EXIT_RULES=config/demo_exit_rules.toml

.PHONY: install demo test check bench notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

$(DEMO_DB): | $(STAMP)
	$(CLEAN_ENV) $(BIN)/exitlens demo --end $(DEMO_END)

demo: $(DEMO_DB)
	$(CLEAN_ENV) $(BIN)/exitlens track --now $(DEMO_END)
	$(CLEAN_ENV) $(DEMO_RULES) $(BIN)/exitlens report daily --date $(DEMO_DAY) --now $(DEMO_END) --formats $(FORMATS)
	$(CLEAN_ENV) $(DEMO_RULES) $(BIN)/exitlens report weekly --end $(DEMO_WEEK_END) --now $(DEMO_END) --formats $(FORMATS)
	$(CLEAN_ENV) $(DEMO_RULES) $(BIN)/exitlens report monthly --now $(DEMO_END) --formats $(FORMATS)
	@echo "open $(CURDIR)/reports/index.html"

test: check $(DEMO_DB)
	$(CLEAN_ENV) $(BIN)/exitlens track --now $(DEMO_END) --json
	$(CLEAN_ENV) $(BIN)/python -m pytest

# Static checks: lint, types, and the import contracts that keep the layers apart.
check: $(STAMP)
	$(BIN)/ruff check lib tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The notebooks' sources are the jupytext files notebooks/*.py: sync them into the .ipynb, then
# execute each .ipynb in place on the demo database, so the committed notebooks carry the outputs
# nbval checks (run after editing a notebook's .py).
NOTEBOOKS := notebooks/daily_exit_report notebooks/weekly_exit_report notebooks/monthly_exit_report
notebooks: $(DEMO_DB)
	$(CLEAN_ENV) $(BIN)/exitlens track --now $(DEMO_END) --json
	$(BIN)/jupytext --sync $(addsuffix .py,$(NOTEBOOKS))
	$(CLEAN_ENV) $(DEMO_RULES) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.record_timing=False \
		$(addsuffix .ipynb,$(NOTEBOOKS))

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data reports
