"""``python -m linyi_analysis.report``: the same as the ``linyi-report`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
