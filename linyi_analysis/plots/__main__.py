"""``python -m linyi_analysis.plots [DIR]``: regenerate every figure (PNG and SVG) into DIR."""

import sys

from .output import main

sys.exit(main())
