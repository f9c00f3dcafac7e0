# The two entry points named in the README: `make app` and `make test`.
# Everything is installed into a project virtual environment (.venv), so both commands work on
# Debian's own (externally managed) Python and never touch the user's global packages.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: app test install install-dev browser ocr axe ingest venv

venv: $(PY)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(PY) ocr
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY) ocr
	$(PIP) -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian's chromium for the real-browser tests (Playwright must never download its own browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's tesseract-ocr (and ghostscript, which ocrmypdf uses) for `ingest --ocr` and the Add page's OCR box.
ocr:
	@command -v tesseract >/dev/null 2>&1 && command -v gs >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-eng ghostscript >/dev/null; }

# axe-core for the accessibility tests, at the version package-lock.json pins (never from a CDN).
axe:
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error

ingest: install
	$(PY) -m dscb_assistant ingest

app: ingest
	$(PY) -m streamlit run app.py

test: install-dev browser axe
	$(PY) -m pytest
