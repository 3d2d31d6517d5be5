"""``python -m orchestration.cli``: the same as the ``psops`` script."""

from orchestration.cli import run

run()
