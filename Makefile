# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test install clean lint

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: the hub, the reference CRM/ERP/OA, a local Prefect server, the story.
demo: $(STAMP)
	TRADEHUB_HUB_FILE=$${TRADEHUB_HUB_FILE:-examples/hub.yaml} $(BIN)/tradehub demo

## make test: the whole suite (PostgreSQL too when TRADEHUB_TEST_POSTGRES_URL is set).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .tradehub
