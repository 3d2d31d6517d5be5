"""Everything Dagster loads: the ``Definitions`` (``definitions.py``), its assets, asset
checks, schedules, sensors and resources. ``workspace.yaml`` points at
``orchestration.defs.definitions``; the command line (``orchestration.cli``) and the
data-quality plumbing (``orchestration.dq``) live beside this package, not in it."""
