"""Every entry point as a hostile user would use it: exit code 2, every problem on its own line as
``error: FILE: FIELD: MESSAGE`` with user text shown verbatim, never a traceback; exit 3 only for bugs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
from typer.testing import CliRunner

import aifactory.services as services_module
from aifactory.core.config import MOVED_KEYS
from aifactory.services import SERVICES_GROUP, TYPES_GROUP
from aifactory.tools.cli import EXIT_INTERNAL, EXIT_INVALID, app
from tests.conftest import load_yaml, write_yaml

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()
GOOD = {
    "name": "fraud-detect",
    "type": "esml",
    "costCenter": "CC-1",
    "owners": [{"objectId": "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d", "type": "Group"}],
    "environments": {"dev": {"cidr": "10.64.10.0/24"}},
}
ERROR_LINE = re.compile(r"^error: (?P<where>.+?): (?P<message>.+)$")
SUMMARY_LINE = re.compile(r"^\d+ problems; nothing was changed$")


def project_file(content: object, name: str = "fraud-detect.yaml") -> Callable[[Path], str]:
    def write(root: Path) -> str:
        path = root / "projects" / name
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


def duplicate_key(root: Path) -> str:
    path = root / "projects" / "churn-prediction.yaml"
    path.write_text(path.read_text() + "type: esml\n")
    return str(path)


def error_lines(output: str) -> list[str]:
    """The output's lines, each checked to be a problem (or the closing count)."""
    lines = [line for line in output.splitlines() if line.strip()]
    for line in lines:
        assert ERROR_LINE.match(line) or SUMMARY_LINE.match(line), f"not a problem line: {line!r}"
    return [line for line in lines if line.startswith("error: ")]


def plan(root: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["plan", "--stack", "dev", "--dir", str(root), *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


CASES = [
    ("malformed yaml", project_file("name: [oops\n"), "malformed YAML at line"),
    ("empty file", project_file(""), "project file is empty"),
    ("binary file", project_file(b"\x89PNG\x00\x01"), "not UTF-8"),
    ("top-level list", project_file("- a\n- b\n"), "must be a mapping"),
    ("wrong type for owners", project_file(changed(owners="everyone")), "owners"),
    ("unknown key", project_file(changed(colour="blue")), "colour: unknown key"),
    ("old model deployments", project_file(changed(modelDeployments=[])), "modelDeployments: model deployments moved to services."),
    ("huge budget", project_file(changed(budget={"monthlyAmount": 10**15})), "budget.monthlyAmount"),
    ("huge name", project_file(changed(name="a" * 5000)), "name: invalid project name"),
    ("unicode name", project_file(changed(name="prøject")), "name: invalid project name"),
    ("reserved name", project_file(changed(name="shared")), "name: 'shared' is reserved"),
    ("path separator in name", project_file(changed(name="../../etc")), "name: invalid project name"),
    ("host address cidr", project_file(changed(environments={"dev": {"cidr": "10.64.10.1/24"}})), "environments.dev.cidr"),
    ("ipv6 cidr", project_file(changed(environments={"dev": {"cidr": "2001:db8::/48"}})), "IPv6"),
    ("unknown environment", project_file(changed(environments={"qa": {"cidr": "10.64.10.0/24"}})), "environments.qa"),
    ("unknown project type", project_file(changed(type="quantum")), "type: unknown project type"),
    ("unknown service", project_file(changed(services={"quantum": {}})), "services.quantum: project type 'esml' has no service"),
    ("duplicate project names", duplicate, "is already defined in"),
    ("duplicate yaml key", duplicate_key, "duplicate key 'type' at line"),
    ("not a request file", project_file("name: x\n", "fraud.YAML"), "not a request file (write .yaml)"),
    ("stack: bad pool", stack_change("addressPool", "10.64.0.0/99"), "addressPool"),
    ("stack: unknown key", stack_change("colour", "blue"), "colour: unknown key"),
    ("stack: removed key", stack_change("keepLegacyAliases", True), "keepLegacyAliases: removed:"),
    ("stack: moved key", stack_change("searchSku", "basic"), "searchSku: moved to aifactory:services.search.sku"),
    ("stack: pool as a number", stack_change("addressPool", 42), "addressPool"),
    ("stack: unicode prefix", stack_change("prefix", "äif"), "prefix"),
    ("stack: unknown environment", stack_change("environment", "staging"), "environment"),
    ("stack: hub as a list", stack_change("hub", ["10.60.0.0/23"]), "hub"),
    ("stack: unknown service", stack_change("services", {"quantum": {}}), "services.quantum: unknown service 'quantum'"),
]


@pytest.mark.parametrize("label, setup, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_exits_2_with_one_located_message(factory_dir: Path, label, setup, expected):
    where = setup(factory_dir)
    code, output = plan(factory_dir)
    assert code == EXIT_INVALID, output
    lines = error_lines(output)
    assert len(lines) == 1, output
    assert lines[0].startswith(f"error: {where}: ")
    assert expected in lines[0]


def test_every_problem_is_printed_on_its_own_line(factory_dir: Path):
    source = project_file(changed(colour="blue", costCenter="", budget={"monthlyAmount": -1}))(factory_dir)
    project_file(changed(name="second", modelDeployments=[]), "second.yaml")(factory_dir)
    code, output = plan(factory_dir)
    assert code == EXIT_INVALID
    lines = error_lines(output)
    second = str(factory_dir / "projects" / "second.yaml")
    assert sorted(lines) == sorted(
        [
            f"error: {source}: colour: unknown key; check its spelling against the documented format",
            f"error: {source}: costCenter: String should have at least 1 character",
            f"error: {source}: budget.monthlyAmount: Input should be greater than 0",
            f"error: {second}: modelDeployments: {MOVED_KEYS['modelDeployments']}",
        ]
    )
    assert output.splitlines()[-1] == "4 problems; nothing was changed"


@pytest.mark.parametrize(
    "setup, verbatim",
    [
        (project_file(changed(name="[acl]")), "invalid project name '[acl]'"),
        (project_file(changed(name="^[a-z]")), "invalid project name '^[a-z]'"),
        (project_file(changed(name="[bold red]x[/]")), "'[bold red]x[/]'"),
        (project_file(changed(type="ESML!")), "type: String should match pattern '^[a-z][a-z0-9_-]{0,39}$'"),
        (project_file("name: x\n", "[acl].txt"), "projects/[acl].txt: not a request file"),
        (project_file("'[acl]': 1\n'[acl]': 2\n"), "duplicate key '[acl]' at line 2 (first at line 1)"),
        (stack_change("tags", {"[link=x]a/b[/link]": "v"}), "tag name '[link=x]a/b[/link]'"),
    ],
    ids=["name [acl]", "name ^[a-z]", "markup name", "pattern", "file name", "duplicate key", "tag name"],
)
def test_user_text_is_printed_verbatim(factory_dir: Path, setup, verbatim):
    setup(factory_dir)
    code, output = plan(factory_dir)
    assert code == EXIT_INVALID
    assert verbatim in output


def test_problems_of_config_overrides_name_config(factory_dir: Path):
    code, output = plan(factory_dir, "--config", "prefix=AIF", "-c", "colour=blue")
    assert code == EXIT_INVALID
    assert sorted(error_lines(output)) == [
        "error: --config: colour: unknown key; check its spelling against the documented format",
        "error: --config: prefix: invalid naming prefix 'AIF': use 2-6 lowercase letters and digits, starting with a letter",
    ]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["plan"], "Missing option '--stack'"),
        (["plan", "--stack", "dev", "--config", "=x"], "error: --config: takes KEY=VALUE, got '=x'"),
        (["plan", "--stack", "dev", "--config", "hub..cidr=x"], "error: --config: hub..cidr: invalid key"),
        (["plan", "--stack", "dev", "--config", "tags={oops"], "error: --config: tags: value is not valid JSON"),
        (["plan", "--stack", "../etc/passwd"], "no stack file"),
        (["plan", "--stack", "dev", "--fail-on-remove"], "--fail-on-remove needs --compare"),
        (["stacks", "--env", "nowhere"], "no stack file"),
        (["plan", "--stack", "dev", "--projects-dir", "/nonexistent"], "projects directory does not exist"),
        (["lake-acls", "--stack", "nowhere"], "no stack file"),
    ],
)
def test_hostile_cli_arguments_exit_2(factory_dir: Path, args, expected):
    result = runner.invoke(app, [*args, "--dir", str(factory_dir)] if args != ["plan"] else args)
    assert result.exit_code == EXIT_INVALID
    assert expected in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_bug_exits_3_without_a_traceback(factory_dir: Path, monkeypatch: pytest.MonkeyPatch):
    import aifactory.core.factory as factory_module

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom [acl]")

    monkeypatch.delenv("AIFACTORY_DEBUG", raising=False)
    monkeypatch.setattr(factory_module, "load_factory", broken)
    result = runner.invoke(app, ["stacks", "--env", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == EXIT_INTERNAL
    assert "internal error (a bug in aifactory, please report it): RuntimeError: boom [acl]" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    # bad input is never reported as a bug
    monkeypatch.undo()
    result = runner.invoke(app, ["stacks", "--env", "nowhere", "--dir", str(factory_dir)])
    assert result.exit_code == EXIT_INVALID


class FakeEntryPoint:
    def __init__(self, name: str, value: str, group: str) -> None:
        self.name, self.value, self.group = name, value, group
        self.dist = SimpleNamespace(name="aifactory-quantum")

    def load(self) -> object:
        raise ModuleNotFoundError("No module named 'quantum_sdk'")


def test_a_broken_plugin_exits_2_naming_its_package_and_entry_point(factory_dir: Path, monkeypatch: pytest.MonkeyPatch):
    groups = {SERVICES_GROUP: [FakeEntryPoint("quantum", "aifactory_quantum:SERVICE", SERVICES_GROUP)], TYPES_GROUP: []}
    monkeypatch.setattr(services_module, "entry_points", lambda *, group: groups[group])
    result = runner.invoke(app, ["stacks", "--env", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == EXIT_INVALID
    assert error_lines(result.output) == [
        f"error: plug-in {SERVICES_GROUP}: entry point 'quantum' (aifactory_quantum:SERVICE) of package aifactory-quantum "
        "failed to load: ModuleNotFoundError: No module named 'quantum_sdk'"
    ]


def test_the_installed_command_prints_one_unwrapped_line_per_problem(factory_dir: Path):
    """``python -m aifactory`` in a narrow terminal: still one line per problem, on stderr, exit 2."""
    write_yaml(factory_dir / "projects" / "fraud-detect.yaml", changed(name="[acl]", colour="^[a-z]"))
    (factory_dir / "projects" / "notes.txt").write_text("todo")
    env = {**os.environ, "COLUMNS": "40", "AIFACTORY_DEBUG": "", "PYTHONPATH": str(REPO)}
    completed = subprocess.run(
        [sys.executable, "-m", "aifactory", "stacks", "--env", "dev", "--dir", str(factory_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=REPO,
    )
    assert completed.returncode == EXIT_INVALID, completed.stderr
    assert completed.stdout == ""
    assert "Traceback" not in completed.stderr
    lines = error_lines(completed.stderr)
    source = factory_dir / "projects"
    assert sorted(lines) == [
        f"error: {source / 'fraud-detect.yaml'}: colour: unknown key; check its spelling against the documented format",
        f"error: {source / 'fraud-detect.yaml'}: name: invalid project name '[acl]': use 3-24 characters, lowercase letters, "
        "digits and single hyphens, starting with a letter",
        f"error: {source / 'notes.txt'}: not a request file: requests end in .yaml or .yml, documentation in .md, and "
        "hidden files (starting with '.') are ignored",
    ]
