"""Pulumi entry point: the whole program lives in the aifactory package."""

from aifactory.build.program import main

main()
