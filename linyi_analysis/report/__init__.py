"""The report run: execute the notebooks through papermill and publish them as a small site.

Modules, one job each (papermill's own layout is the model):

- :mod:`~linyi_analysis.report.parameters` — which actions get a report; checking the values
  a notebook was given (the notebooks call it in the cell after their ``parameters`` cell);
- :mod:`~linyi_analysis.report.notebooks` — where the shipped notebooks are;
- :mod:`~linyi_analysis.report.execute` — running one notebook with papermill, and a pool of
  worker processes running many at once;
- :mod:`~linyi_analysis.report.html` — executed notebook → self-contained HTML page (no code,
  nothing loaded from the network);
- :mod:`~linyi_analysis.report.index` — the ``index.html`` linking every report with its numbers;
- :mod:`~linyi_analysis.report.publish` — building in a temporary directory, the lock, and
  moving the result into place;
- :mod:`~linyi_analysis.report.build` — the whole run; :mod:`~linyi_analysis.report.cli` — the
  ``linyi-report`` command (also ``python -m linyi_analysis.report``);
- :mod:`~linyi_analysis.report.stored` — the clean form the notebooks are stored in (``make
  notebooks``), with the execution counts of a clean run, so stock nbval compares every output.

Importing this package is light: papermill and nbconvert are imported by the modules that use them.
"""
