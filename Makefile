# Two promises on a fresh machine: `make report` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test report notebooks lint format audit lab bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@# matplotlib builds its font cache on first import and says so on stderr: do it now, not in a
	@# notebook cell (nbval would see the message as an output the stored notebook does not have).
	$(PY) -c "import matplotlib.font_manager"
	touch $(STAMP)

# Every test and, with nbval, every notebook cell (pyproject.toml); a file's tests share a worker.
test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadfile

# The report site in reports/ (index.html, HTML and executed notebooks, charts), and the same
# charts in figures/ (python -m linyi_analysis.plots draws the same files: a test checks it).
report: $(STAMP)
	$(VENV)/bin/linyi-report --figures figures

# Re-run the notebooks and store them clean with their new outputs (after a change to the data
# or the notebooks; nbval in `make test` compares against them).
notebooks: $(STAMP)
	$(PY) -m linyi_analysis.report.stored

audit: $(STAMP)
	$(PY) -m linyi_analysis.audit

bench: $(STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
