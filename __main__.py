"""Pulumi entry point: the whole program lives in the aifactory package."""

from aifactory.program import main

main()
