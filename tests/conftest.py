"""Shared fixtures: a copy of the example factory in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def factory_dir(tmp_path: Path) -> Path:
    """The example stack files and project requests, safe to edit."""
    for stack_file in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, tmp_path / stack_file.name)
    shutil.copytree(REPO / "projects", tmp_path / "projects")
    return tmp_path


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())
