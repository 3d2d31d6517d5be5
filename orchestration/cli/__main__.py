"""``python -m orchestration.cli``: the same as the ``psops`` script."""

import sys

from orchestration.cli import main

sys.exit(main())
