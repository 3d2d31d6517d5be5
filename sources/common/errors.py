"""Errors a connector raises; the CLI maps them to exit codes (DESIGN.md)."""

from __future__ import annotations


class SourceConfigError(Exception):
    """A source is misconfigured: a variable is missing, or its credentials are refused.

    ``psops refresh`` exits 2 with this message, before anything is written.
    """

    def __init__(self, source: str, variable: str, problem: str) -> None:
        self.source = source
        self.variable = variable
        self.problem = problem
        super().__init__(f"{source}: {problem} (check {variable})")


class SourceUnavailableError(Exception):
    """A source kept failing after every retry; the cursor stays at the last committed page."""
