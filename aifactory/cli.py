"""The ``aifactory`` console entry point (the command line lives in :mod:`aifactory.tools.cli`)."""

from aifactory.tools.cli import app, main

__all__ = ["app", "main"]
