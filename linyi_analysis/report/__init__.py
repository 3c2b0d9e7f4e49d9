"""The report run: execute the notebooks through papermill and publish them as a small site.

Modules, one job each (papermill's own layout is the model). Which actions get a report, and
the check of a notebook's parameters, belong to the notebooks: :mod:`linyi_analysis.parameters`.

- :mod:`~linyi_analysis.report.notebooks` — where the shipped notebooks are;
- :mod:`~linyi_analysis.report.data` — the data each notebook reads: the run's snapshot, and
  one reduced data package per action (the rows its page needs, and nothing else);
- :mod:`~linyi_analysis.report.execute` — running one notebook with papermill, and a pool of
  worker processes running several at once;
- :mod:`~linyi_analysis.report.html` — executed notebook → self-contained HTML page;
- :mod:`~linyi_analysis.report.index` — the ``index.html`` linking every report with its numbers;
- :mod:`~linyi_analysis.report.changes` — what changed in the data since the site was built;
- :mod:`~linyi_analysis.report.site` — where a run may write, the marker, the lock, putting a
  new site in place at once;
- :mod:`~linyi_analysis.report.build` — the whole run, with the job keys and the reuse of
  unchanged pages; :mod:`~linyi_analysis.report.cli` — the ``linyi-report`` command;
- :mod:`~linyi_analysis.report.stored` — the clean form the notebooks are stored in (``make
  notebooks``), so stock nbval compares every output.

Importing this package is light: papermill and nbconvert are imported by the modules that use them.
"""
