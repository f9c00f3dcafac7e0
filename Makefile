# The two entry points named in the README: `make app` and `make test`.
PYTHON ?= python3
PIP := $(PYTHON) -m pip install --quiet --disable-pip-version-check

.PHONY: app test install install-dev browser ingest

install:
	$(PIP) -r requirements.txt

install-dev:
	$(PIP) -r requirements-dev.txt

# Debian's chromium for the real-browser tests (Playwright must never download its own browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

ingest: install
	$(PYTHON) -m dscb_assistant ingest

app: ingest
	$(PYTHON) -m streamlit run app.py

test: install-dev browser
	$(PYTHON) -m pytest
