# The two commands a user needs are `make dev` (run the API locally) and `make test`.
# Each does its own set-up from a fresh clone: the virtualenv, Python packages, DynamoDB Local.

PYTHON ?= python3
PORT ?= 3000
SEED ?= local/seed.json
PERSIST ?=
ENV ?= default
VENV := .venv
SAM_VENV := .venv-sam
SAM_CLI_VERSION := 1.170.0
export AWS_DEFAULT_REGION ?= eu-west-1
export SAM_CLI_TELEMETRY := 0

.PHONY: dev test bench fuzz lint typecheck build deploy dashboard admin token recalculate openapi browser clean

dev: $(VENV)/.installed node_modules/.installed ## Run the whole API locally on http://127.0.0.1:$(PORT); PERSIST=1 keeps its table in .local/
	$(VENV)/bin/python -m local.dev --port $(PORT) --seed $(SEED) $(if $(PERSIST),--persist)

test: $(VENV)/.installed node_modules/.installed $(SAM_VENV)/.installed browser ## Lint, type check and run every test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(VENV)/bin/python -m pytest

bench: $(VENV)/.installed node_modules/.installed ## Benchmarks (cold starts, warm path, engine, DynamoDB per call and write cost, bulk import, recalculation, monthly cost, package size): writes docs/benchmarks.md
	$(VENV)/bin/python -m tests.benchmarks

fuzz: $(VENV)/.installed ## schemathesis for 15 minutes against a fresh demo stack; writes docs/reliability.md
	$(VENV)/bin/python -m tests.fuzz --max-examples 100 --max-time 900

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint template.yaml

typecheck: $(VENV)/.installed ## mypy, strict, over the layer and the functions (pyproject.toml's [tool.mypy])
	$(VENV)/bin/mypy

build: $(SAM_VENV)/.installed ## sam build (what `make deploy` ships)
	$(SAM_VENV)/bin/sam build

# ENV is an environment of samconfig.toml (default, prod): its stack name, region and parameters.
# AWS credentials come from the usual places (AWS_PROFILE, SSO, environment).
deploy: build ## Deploy to AWS with samconfig.toml's ENV (default or prod): make deploy ENV=prod
	$(SAM_VENV)/bin/sam deploy --config-env $(ENV)

dashboard: $(VENV)/.installed node_modules/.installed ## Publish dashboard/ to ENV's stack, deployed with Dashboard=enabled: make dashboard ENV=prod
	$(VENV)/bin/python -m local.dashboard publish --config-env $(ENV)

admin: $(VENV)/.installed ## Tenants, users, API keys: make admin ARGS="organizations list" (make dev's table; ARGS="--stack-name NAME ..." for a deployed one)
	$(VENV)/bin/python -m carbon_accounting.admin $(ARGS)

openapi: $(VENV)/.installed ## Regenerate docs/openapi.json from the functions' resolvers
	$(VENV)/bin/python -m local.openapi

recalculate: $(VENV)/.installed ## Run the daily recalculation now, on the running `make dev`
	$(VENV)/bin/python -m local.invoke ScheduleRecalculationFunction --event events/schedule_recalculation.json

token: $(VENV)/.installed ## Mint a JWT for a seeded user of the running `make dev`: make token USER_ID=<uuid>
	$(VENV)/bin/python -m local.token --user $(USER_ID)

# The docs' browser test drives Debian's Chromium and its driver, installed here when missing (CI runs
# as root); where they cannot be installed the test skips, saying so.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  echo "Chromium could not be installed: the browser test will skip"

$(VENV)/.installed: pyproject.toml layers/carbon_accounting/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	$(VENV)/bin/python -m pip install --quiet -e layers/carbon_accounting --group dev
	touch $@

# aws-sam-cli lives in its own virtualenv: it pins boto3 and pydantic lower than the app does.
$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) $(SAM_VENV) node_modules .local .aws-sam .pytest_cache
