# The two commands the README opens with are `make lab` and `make test`.
SHELL := /bin/bash
export VIRTUAL_ENV := $(CURDIR)/.venv
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# One value per make run: scripts/fresh_state.sh keeps a base image that this
# same run's setup has just built from scratch, instead of building it twice.
export MULTIDC_MAKE_RUN := $(shell date +%s%N)

.PHONY: setup lab lab-down test unit lint sanity molecule bench build integration galaxy-import ee

setup: ## Install everything this machine needs (idempotent)
	bash scripts/setup.sh

lab: setup ## Bring up the local two-DC lab and deploy it with site.yml
	ansible-playbook -i inventories/lab playbooks/lab/up.yml
	ansible-playbook -i inventories/lab site.yml
	@bash scripts/lab_endpoints.sh

lab-down: setup ## Remove the lab's containers and networks
	ansible-playbook -i inventories/lab playbooks/lab/down.yml

test: setup ## Unit tests, ansible-lint, ansible-test sanity, Molecule
	bash scripts/test.sh

unit: setup
	pytest tests/unit -q

lint: setup
	ansible-lint --profile production --offline

sanity: setup
	bash scripts/sanity.sh

molecule: setup
	molecule test --all

bench: setup ## Benchmarks; they print ratios, they assert nothing
	for b in bench/*.py; do python "$$b" || exit 1; done

build: setup ## The Galaxy tarball, in build/
	ansible-galaxy collection build --output-path build --force

integration: setup ## site.yml through ansible-runner, as AWX runs it (needs `make lab` first)
	pytest tests/integration -v

galaxy-import: setup ## galaxy-importer, offline, on the built tarball
	python tests/unit/awx/galaxy_importer_run.py

ee: setup ## ansible-builder build context for the execution environment, in build/ee-context
	ansible-builder create -f execution-environment.yml -c build/ee-context
