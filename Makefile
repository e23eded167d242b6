# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := data/exitlens.db
# The demo history ends here; tracking and reports use it as "now" so they are reproducible.
DEMO_END := 2026-11-23T15:00:00+00:00

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

$(DEMO_DB): | $(STAMP)
	$(BIN)/exitlens demo --end $(DEMO_END)

demo: $(DEMO_DB)
	$(BIN)/exitlens track --now $(DEMO_END)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data reports
