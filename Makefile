# IEP Navigator. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help venv train run run-prod bench shell test test-unit test-stories test-dev test-heldout validate check-seeds browser-deps clean

help:
	@echo "make run    start the assistant (creates the environment and trains the model when needed)"
	@echo "make test   run every check: unit tests, story tests, real-message and held-out reports, data validation"
	@echo "make train  train the model now if the training data changed (make train FORCE=1 to retrain)"
	@echo "make shell  talk to the assistant in the terminal"
	@echo "make run-prod  several Rasa servers on PostgreSQL and Redis (deploy/README.md)"
	@echo "make bench  measure speed and memory against a stock Rasa assistant (several minutes)"

venv:
	@scripts/bootstrap.sh

train: venv
	@scripts/train.sh $(if $(FORCE),--force,)

run: train
	@scripts/run.sh

run-prod: train
	@scripts/run_prod.sh

# Not part of `make test`: it prints numbers (bench/README.md) and writes bench/out/*.json.
bench: train
	@source scripts/env.sh && source scripts/defaults.sh && .venv/bin/python -m bench.stack $(BENCH_ARGS)

shell: train
	@scripts/shell.sh

test: train validate test-unit test-stories test-dev test-heldout check-seeds
	@echo "All checks passed."

validate: venv
	@source scripts/env.sh && .venv/bin/python -m bot.serving.rasa_cli data validate --quiet \
	    --config config.yml --domain domain --data data

# The browser tests (tests/browser) need Debian's Chromium and axe-core: installed once, where missing.
browser-deps:
	@scripts/browser_deps.sh >/dev/null

test-unit: train browser-deps
	@source scripts/env.sh && source scripts/defaults.sh && .venv/bin/python -m pytest -q

# `rasa test` exits 0 when stories fail, so fail on prediction errors and read the report as well.
test-stories: train
	@source scripts/env.sh && source scripts/defaults.sh && rm -rf results/stories && \
	  .venv/bin/python -m bot.serving.rasa_cli test core --model models/current.tar.gz --stories tests/stories \
	    --endpoints endpoints.yml --out results/stories --fail-on-prediction-errors --quiet && \
	  .venv/bin/python scripts/check_story_results.py results/stories

# The headline: real parent messages (../shared/dev) through `iep-navigator triage --jsonl`, as a new user sends them.
test-dev: train
	@source scripts/env.sh && .venv/bin/python -m bot.serving.reports dev --model models/current.tar.gz

test-heldout: train
	@source scripts/env.sh && .venv/bin/python -m bot.serving.reports heldout --model models/current.tar.gz

check-seeds:
	@python3 ../shared/tools/seed_overlap.py . || (echo "Text repeats the seed documents: rewrite it in our own words." && exit 1)

clean:
	rm -rf .venv models results var
