# The two commands of the README's quick start. Each sets itself up first.
.PHONY: demo test setup setup-dev

demo: setup
	.venv/bin/goban-edge demo

test: setup-dev
	.venv/bin/python -m pytest

setup:
	tools/setup.sh

setup-dev:
	tools/setup.sh dev
