# Two promises on a fresh machine: `make report` and `make test` (each sets up .venv first).
# Each target installs what it needs: the package alone (report), with its `test` extra (test,
# lint), or with its `lab` extra (lab). A stamp per set says it is installed and newer than
# pyproject.toml, so a change of dependencies installs again and `make test` after `make report`
# adds the test extra.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed
TEST := $(VENV)/.installed-test
LAB := $(VENV)/.installed-lab

.PHONY: setup test report notebooks lint format audit lab bench docs clean

setup: $(RUNTIME)

$(RUNTIME): EXTRA :=
$(TEST): EXTRA := [test]
$(LAB): EXTRA := [lab]
$(RUNTIME) $(TEST) $(LAB): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.$(EXTRA)'
	@# matplotlib builds its font cache on first import and says so on stderr: do it now, not in a
	@# notebook cell (nbval would see the message as an output the stored notebook does not have).
	$(PY) -c "import matplotlib.font_manager"
	@# an extra comes with the package's own dependencies: those are installed too
	touch $@ $(RUNTIME)

# Every test and, with nbval, every notebook cell (pyproject.toml); a file's tests share a worker.
test: $(TEST)
	$(PY) -m pytest -n auto --dist loadfile

# The report site in reports/ (index.html, HTML and executed notebooks, charts), and the same
# charts in figures/ (python -m linyi_analysis.plots draws the same files: a test checks it).
report: $(RUNTIME)
	$(VENV)/bin/linyi-report --figures figures

# Re-run the notebooks and store them clean with their new outputs (after a change to the data
# or the notebooks; nbval in `make test` compares against them).
notebooks: $(RUNTIME)
	$(PY) -m linyi_analysis.report.stored

audit: $(RUNTIME)
	$(PY) -m linyi_analysis.audit

# benchmarks/run.py also times `make test`
bench: $(TEST)
	$(PY) benchmarks/run.py

lint: $(TEST)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(TEST)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The generated reference pages (docs/data-dictionary.md, the rule tables of docs/delivery.md);
# tests/test_docs.py checks they are current.
docs: $(RUNTIME)
	$(PY) docs/generate.py

lab: $(LAB)
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
