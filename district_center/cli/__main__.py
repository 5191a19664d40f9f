"""``python -m district_center.cli``: the same as the ``district-center`` command."""

import sys

from district_center.cli import main

sys.exit(main())
