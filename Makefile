# Entry points (see README): `make start` (the course's hub), `make lab` (a self-learner's JupyterLab)
# and `make test`. Each builds .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: start lab test test-fast test-jax proxy browser docker-engine clean

$(STAMP): pyproject.toml requirements.txt requirements-course.txt requirements-hub.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e .
	@# jsonschema imports rfc3987-syntax when present, which builds ~35 Lark parsers at import: 2 CPU-s
	@# at every Jupyter server, nbgrader and grader start. Nothing here validates the IRI formats it checks.
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax
	touch $@

# The hub's proxy: npm's configurable-http-proxy where npm is, else the Python port (requirements-hub.txt).
proxy: $(STAMP)
	@test -x $(VENV)/node/node_modules/.bin/configurable-http-proxy || { command -v npm >/dev/null && \
		npm install --prefix $(VENV)/node --no-audit --no-fund --silent configurable-http-proxy@5.3.0; } || \
		echo "note: no npm; the hub uses the Python port of configurable-http-proxy"

start: $(STAMP) proxy
	$(BIN)/keras-course hub

lab: $(STAMP)
	$(BIN)/keras-course start

# The hub's browser test drives Debian's Chromium through Playwright (no browser download).
# Chromium for the hub's browser test, and a Chinese font so that its screenshots of the Chinese
# chapters show characters, not boxes.
browser:
	@{ command -v chromium >/dev/null && fc-list :lang=zh | grep -q . ; } || { [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		chromium fonts-wqy-zenhei >/dev/null; } || \
		echo "note: no chromium (or no Chinese font) and not root; the hub's browser test may be skipped"

# tests/test_docker.py builds the images (docker/build-local.sh) and runs the docker profile on a
# real engine: started here from Debian's packages when run as root, else that test is skipped.
docker-engine:
	@docker/start-engine.sh

test: $(STAMP) proxy browser docker-engine
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# Every chapter's in-process tests on another backend (make test grades the solutions on JAX already);
# BACKEND=torch where PyTorch is installed.
BACKEND ?= jax
test-jax: $(STAMP)
	KERAS_BACKEND=$(BACKEND) $(BIN)/python -m pytest tests/test_ch0*.py tests/test_wire.py

clean:
	rm -rf $(VENV) work .hub course/release course/submitted course/autograded course/feedback course/gradebook.db
	rm -rf source/*_zh_CN  # built by `keras-course release --lang all` from translations/
