"""``python -m aifactory``: the command line."""

from aifactory.tools.cli import main

main()
