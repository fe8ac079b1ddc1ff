"""Every entry point as a hostile user would use it: exit code 2, one message naming file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

from aifactory.tools.cli import app
from tests.conftest import load_yaml, write_yaml

runner = CliRunner()
GOOD = {
    "name": "fraud-detect",
    "type": "esml",
    "costCenter": "CC-1",
    "owners": [{"objectId": "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d", "type": "Group"}],
    "environments": {"dev": {"cidr": "10.64.10.0/24"}},
}


def project_file(content: object) -> Callable[[Path], str]:
    def write(root: Path) -> str:
        path = root / "projects" / "fraud-detect.yaml"
        if isinstance(content, (str, bytes)):
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        else:
            write_yaml(path, content)
        return str(path)

    return write


def changed(**changes: object) -> dict:
    data = dict(GOOD)
    data.update(changes)
    return data


def stack_change(key: str, value: object) -> Callable[[Path], str]:
    def write(root: Path) -> str:
        path = root / "Pulumi.dev.yaml"
        data = load_yaml(path)
        data["config"][f"aifactory:{key}"] = value
        write_yaml(path, data)
        return "Pulumi.dev.yaml"

    return write


def duplicate(root: Path) -> str:
    write_yaml(root / "projects" / "zz-dup.yaml", load_yaml(root / "projects" / "churn-prediction.yaml"))
    return str(root / "projects" / "zz-dup.yaml")


CASES = [
    ("malformed yaml", project_file("name: [oops\n"), "malformed YAML at line"),
    ("empty file", project_file(""), "project file is empty"),
    ("binary file", project_file(b"\x89PNG\x00\x01"), "not UTF-8"),
    ("top-level list", project_file("- a\n- b\n"), "must be a mapping"),
    ("wrong type for owners", project_file(changed(owners="everyone")), "owners"),
    ("unknown key", project_file(changed(colour="blue")), "colour: unknown key"),
    ("huge budget", project_file(changed(budget={"monthlyAmount": 10**15})), "budget.monthlyAmount"),
    ("huge name", project_file(changed(name="a" * 5000)), "name: invalid project name"),
    ("unicode name", project_file(changed(name="prøject")), "name: invalid project name"),
    ("path separator in name", project_file(changed(name="../../etc")), "name: invalid project name"),
    ("host address cidr", project_file(changed(environments={"dev": {"cidr": "10.64.10.1/24"}})), "environments.dev.cidr"),
    ("ipv6 cidr", project_file(changed(environments={"dev": {"cidr": "2001:db8::/48"}})), "IPv6"),
    ("object id not a guid", project_file(changed(owners=[{"objectId": "alice@contoso.com", "type": "User"}])), "owners[0].objectId"),
    ("unknown environment", project_file(changed(environments={"qa": {"cidr": "10.64.10.0/24"}})), "environments.qa"),
    ("unknown project type", project_file(changed(type="quantum")), "type: unknown project type"),
    ("duplicate project names", duplicate, "is already defined in"),
    ("stack: bad pool", stack_change("addressPool", "10.64.0.0/99"), "addressPool"),
    ("stack: unknown key", stack_change("colour", "blue"), "colour: unknown key"),
    ("stack: pool as a number", stack_change("addressPool", 42), "addressPool"),
    ("stack: unicode prefix", stack_change("prefix", "äif"), "prefix"),
    ("stack: unknown environment", stack_change("environment", "staging"), "environment"),
    ("stack: hub as a list", stack_change("hub", ["10.60.0.0/23"]), "hub"),
]


@pytest.mark.parametrize("label, setup, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_exits_2_with_one_message(factory_dir: Path, label, setup, expected):
    where = setup(factory_dir)
    result = runner.invoke(app, ["plan", "--stack", "dev", "--dir", str(factory_dir)])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert output.startswith("error: ") and output.count("error:") == 1
    assert where in output and expected in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "args, expected",
    [
        (["plan"], "Missing option '--stack'"),
        (["plan", "--stack", "dev", "--config", "=x"], "--config takes KEY=VALUE"),
        (["plan", "--stack", "../etc/passwd"], "no stack file"),
        (["stacks", "--env", "nowhere"], "no stack file"),
        (["plan", "--stack", "dev", "--projects-dir", "/nonexistent"], "projects directory does not exist"),
    ],
)
def test_hostile_cli_arguments_exit_2(factory_dir: Path, args, expected):
    result = runner.invoke(app, [*args, "--dir", str(factory_dir)] if args != ["plan"] else args)
    assert result.exit_code == 2
    assert expected in " ".join(result.output.split())
    assert "Traceback" not in result.output
