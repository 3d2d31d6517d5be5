"""The parts of the sandbox generator (``sources.sandbox.generate`` assembles them)."""
