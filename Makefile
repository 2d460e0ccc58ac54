# Two commands a new user needs: `make demo` and `make test`. Both create .venv from requirements.lock.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
export MLFLOW_DISABLE_TELEMETRY := true
export BENTOML_DO_NOT_TRACK := true

.PHONY: demo test test-extended reliability lint lock bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/leadscore demo

# Two pytest workers (pytest-xdist), a test file at a time each, so module fixtures train once; one OpenMP
# thread per worker, so that the two do not spin against each other on 2 cores (times: README, Development).
test: $(STAMP)
	$(VENV)/bin/ruff check .
	OMP_NUM_THREADS=1 $(VENV)/bin/python -m pytest -n 2 --dist loadfile

# The slowest end-to-end checks, apart so that `make test` stays under 10 minutes on 2 cores: the model on
# worlds of other shapes, Salesforce/HubSpot exports through train → score → explain, the registered model in
# a fresh environment, scheduled retraining end to end, the demo, a Bento built and served, the Spark engine's
# checks, the search's same model on any machine, the training and explanation notebooks (about 17 minutes).
test-extended: $(STAMP)
	$(VENV)/bin/python -m pytest -m extended

# The whole reliability suite against real servers over HTTP (tests/reliability: contract, schemathesis, fuzz,
# overload, SIGTERM drain, extra fields and the one-minute soak at a fixed rate; about 4 minutes). `make test`
# runs all of it but the soak. The README's overload figures come from `benchmarks/reliability.py`.
reliability: $(STAMP)
	$(VENV)/bin/python -m pytest tests/reliability -m 'not extended' -s -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Re-resolve the pinned versions (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 -o requirements.lock

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/features.py
	$(VENV)/bin/python benchmarks/serve.py

clean:
	rm -rf $(VENV) mlflow.db mlruns demo-data models/lead-scoring
