# proceval: two commands on a fresh machine.
#   make demo   set-up + the main job on the embedded sample release
#   make test   set-up + the whole default test suite
# Set-up = a virtual environment in .venv/ with pinned dependencies, and the system FFmpeg shared
# libraries that torchcodec needs (installed with apt-get when missing and we are root).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.proceval-installed
LOCK := requirements/lock.txt
NATIVE := src/proceval/native/_spanlists.c
PYTEST_ARGS ?=
JOBS ?= auto

.PHONY: help setup venv ffmpeg chromium demo test test-slow test-all lint format bench clean

help:
	@echo "make demo       set up, then build + score every benchmark on the embedded sample release"
	@echo "make test       set up, then run the default test suite (what CI runs)"
	@echo "make test-slow  the slow tests too"
	@echo "make lint       ruff"
	@echo "make bench      benchmarks/ (writes docs/PERFORMANCE.md figures)"

setup: venv ffmpeg

venv: $(STAMP)

# pip builds the optional C reader (proceval.native) in place; editing its source reinstalls.
$(STAMP): pyproject.toml $(LOCK) $(NATIVE)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(LOCK) -e '.[video,judges,similarity,dev]'
	@touch $(STAMP)

# torchcodec loads FFmpeg's shared libraries from the system (Debian: package ffmpeg, FFmpeg 5.1).
ffmpeg:
	@if ldconfig -p 2>/dev/null | grep -q 'libavutil\.so' && command -v ffmpeg >/dev/null; then \
	  :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing the system FFmpeg libraries (apt-get install -y ffmpeg) ..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null) \
	    || { echo "apt-get install ffmpeg failed; torchcodec decoding will be unavailable." >&2; exit 1; }; \
	else \
	  echo "FFmpeg shared libraries are missing and cannot be installed automatically (not root / no apt-get)." >&2; \
	  echo "Install them (e.g. 'sudo apt-get install ffmpeg'), then run make again." >&2; exit 1; \
	fi

# tests/test_leaderboard_html.py drives the leaderboard page in headless Chromium (Debian: package chromium).
chromium:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then \
	  :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing headless Chromium for the leaderboard page test (apt-get install -y chromium) ..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || { echo "apt-get install chromium failed; the leaderboard page test needs it." >&2; exit 1; }; \
	else \
	  echo "Chromium is missing and cannot be installed automatically (not root / no apt-get)." >&2; \
	  echo "Install it (e.g. 'sudo apt-get install chromium'), then run make test again." >&2; exit 1; \
	fi

demo: setup
	$(VENV)/bin/proceval demo --out demo_out

test: setup chromium
	$(PY) -m pytest -n $(JOBS) -m "not slow" $(PYTEST_ARGS)

# pytest exits 5 when no test is marked slow: that is a pass with a message, not a failure.
test-slow: setup
	@$(PY) -m pytest -n $(JOBS) -m slow $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no test is marked slow: nothing to run"; exit 0; fi; exit $$rc

test-all: setup chromium
	$(PY) -m pytest -n $(JOBS) $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check src tests metrics dataset_scripts examples benchmarks
	$(VENV)/bin/ruff format --check src tests metrics dataset_scripts examples benchmarks

format: venv
	$(VENV)/bin/ruff format src tests metrics dataset_scripts examples benchmarks
	$(VENV)/bin/ruff check --fix src tests metrics dataset_scripts examples benchmarks

bench: setup
	$(PY) -m benchmarks.run_all

clean:
	rm -rf $(VENV) .cache demo_out .pytest_cache .ruff_cache
	rm -f src/proceval/native/*.so
