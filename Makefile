# Legal CRM's commands. They need GNU make, Python 3.11, Node.js and npm.
#
#   make run     install, migrate, load the demo data into an empty database,
#                then start the web server, a Celery worker and Celery beat
#                (Ctrl-C stops all three)
#   make test    install, then run the whole test suite with pytest
#   make check   lint and check formatting with ruff
#   make deploy-check
#                run Django's deployment checks against production settings
#
# Variables: PORT (web server port, default 8000), PYTHON (interpreter used to
# create .venv), PYTEST_ARGS (extra pytest arguments, such as -k or -x).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 8000
PYTEST_ARGS ?=

VENV := .venv
BIN := $(VENV)/bin
# Each stamp is newer than the files it was installed from, so a later run
# installs again only after pyproject.toml or package-lock.json changes.
PYTHON_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test check deploy-check install

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py rollup_kpis --if-empty
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start \
		--procfile crm_site/Procfile.dev --app-root . --port $(PORT)

# The suite runs in one process. With pytest-xdist and two workers it took
# longer on a 2-core machine (74 s against 68 s, measured with 189 tests),
# because most of its time goes to starting Celery workers, SMTP sinks and
# Chromium, and each xdist worker builds its own test database.
# pytest exits with 5 when it collected no tests, and make fails on that too.
test: install
	@status=0; $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then \
		echo "pytest collected no tests, which counts as a failure." >&2; \
	fi; \
	exit $$status

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Production settings: DEBUG off with a throwaway random SECRET_KEY, which
# turns on the HTTPS settings. Any warning fails the target.
deploy-check: install
	DEBUG=false ALLOWED_HOSTS=legal-crm.example.org \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

install: $(PYTHON_STAMP) $(NODE_STAMP)

$(PYTHON_STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.11 was not found. Install it, or run make PYTHON=/path/to/python3.11." >&2; \
		exit 1; \
	fi
	@if [ ! -x $(BIN)/python ]; then \
		echo "Creating $(VENV) with $(PYTHON)"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
		echo "$(VENV) uses $$($(BIN)/python --version), but Legal CRM needs Python 3.11." \
			"Delete $(VENV) and run make PYTHON=/path/to/python3.11." >&2; \
		exit 1; \
	}
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# npm ci installs exactly what package-lock.json pins, and empties
# node_modules first, so the stamp is written after it.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@
