# The two set-up commands of the README: `make demo` and `make test`.
# Both create .venv when missing and install the project into it.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: demo demo-addition test test-tensorflow test-jax bench serve-check install clean

install: $(STAMP)

$(STAMP): setup.py constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[tf,jax,test,benchmarks]'
	touch $(STAMP)

# Trains the captioner on procedurally drawn shapes (no data, no network),
# exports it as a SavedModel, captions fresh scenes from a fresh
# TensorFlow-only process and saves an attention plot.
demo: $(STAMP)
	KERAS_BACKEND=tensorflow $(PY) -m apps.captioning.demo

# The first slice: learning to carry, trained, exported and served.
demo-addition: $(STAMP)
	KERAS_BACKEND=tensorflow $(PY) -m apps.addition.demo

# The whole suite on TensorFlow, then the backend-neutral library on JAX,
# each spread over one pytest-xdist worker per CPU (a test file stays on one
# worker, so its module fixtures are built once); `make test TEST_WORKERS=0`
# runs in this process, one test after another.
TEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

test: test-tensorflow test-jax

test-tensorflow: $(STAMP)
	KERAS_BACKEND=tensorflow $(PYTEST) tests

test-jax: $(STAMP)
	KERAS_BACKEND=jax $(PYTEST) tests/rnn_layers

# Every app exported from a tiny training, then checked as TF Serving loads
# it (files, ops, signatures, warm-up replay in a fresh TensorFlow process,
# the C++ loader, a soak with hostile requests), then its latency table.
serve-check: $(STAMP)
	KERAS_BACKEND=tensorflow $(PY) -m apps.framework.serve_check --saved_models runs/serve_check
	KERAS_BACKEND=tensorflow $(PY) -m benchmarks.serving_latency --saved_models runs/serve_check --calls 20 --repeats 1 --output runs/serve_check/serving_latency.csv

# Speed and quality measurements; tables print and CSVs land in
# benchmarks/results/.
bench: $(STAMP)
	KERAS_BACKEND=tensorflow $(PY) -m benchmarks.rnn_speed
	KERAS_BACKEND=jax $(PY) -m benchmarks.rnn_speed

clean:
	rm -rf $(VENV) benchmarks/results runs
