"""Pipeline templates: valid against the GitHub and Azure DevOps schemas, and calling real CLI options."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typer.main
import yaml

from aifactory.tools.cli import app

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / "pipelines" / "github" / "aifactory.yml"
AZURE = [REPO / "pipelines" / "azure-devops" / "azure-pipelines.yml", REPO / "pipelines" / "azure-devops" / "deploy-environment.yml"]


def check_schema(schema: str, files: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--regex-variant", "python", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
    )


def test_github_workflow_is_valid():
    result = check_schema("vendor.github-workflows", [GITHUB])
    assert result.returncode == 0, result.stdout + result.stderr


def test_azure_pipelines_are_valid():
    result = check_schema("vendor.azure-pipelines", AZURE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path):
    broken = yaml.safe_load(GITHUB.read_text())
    broken["jobs"]["plan"]["runs-on"] = {"not": "valid"}
    del broken["jobs"]["plan"]["steps"]
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    assert check_schema("vendor.github-workflows", [path]).returncode != 0


def cli_calls(paths: list[Path]) -> list[tuple[str, list[str]]]:
    """Every ``aifactory <command> --option ...`` the files run, as (command, options)."""
    calls = []
    for path in paths:
        for match in re.finditer(r"aifactory (\w[\w-]*)([^\n|)\"']*)", path.read_text()):
            calls.append((match.group(1), re.findall(r"(--[\w-]+)", match.group(2))))
    return calls


def unknown_cli_usage(paths: list[Path]) -> list[tuple[str, set[str]]]:
    """Commands the CLI does not have, and options a command does not take."""
    group = typer.main.get_command(app)
    unknown = []
    for name, options in cli_calls(paths):
        command = group.commands.get(name)  # type: ignore[attr-defined]
        if command is None:
            unknown.append((name, set()))
            continue
        known = {opt for param in command.params for opt in param.opts}
        if set(options) - known:
            unknown.append((name, set(options) - known))
    return unknown


def test_pipelines_use_existing_commands_and_options():
    assert {name for name, _ in cli_calls([GITHUB, *AZURE])} >= {"plan", "stacks", "deploy"}
    assert unknown_cli_usage([GITHUB, *AZURE]) == []


def test_the_cli_check_catches_unknown_commands_and_options(tmp_path: Path):
    path = tmp_path / "pipeline.yml"
    path.write_text("steps:\n  - run: .venv/bin/aifactory plan --stack dev --no-such-option\n  - run: aifactory launch --env dev\n")
    assert unknown_cli_usage([path]) == [("plan", {"--no-such-option"}), ("launch", set())]


def test_github_deploys_platform_before_projects_with_approvals_for_test_and_prod():
    jobs = yaml.safe_load(GITHUB.read_text())["jobs"]
    for env in ("dev", "test", "prod"):
        assert f"{env}-platform" in jobs[f"{env}-projects"]["needs"]
        assert jobs[f"{env}-projects"]["environment"] == f"aifactory-{env}"
        assert "fromJSON(needs.stacks.outputs" in jobs[f"{env}-projects"]["strategy"]["matrix"]["stack"]
    assert "test-projects" in jobs["prod-platform"]["needs"] and "dev-projects" in jobs["test-platform"]["needs"]
    assert jobs["plan"]["if"] == "github.event_name == 'pull_request'"


def test_azure_devops_stages_run_in_order():
    stages = yaml.safe_load(AZURE[0].read_text())["stages"]
    assert [s["stage"] for s in stages] == ["Plan", "Deploy_dev", "Deploy_test", "Deploy_prod"]
    assert stages[2]["dependsOn"] == "Deploy_dev" and stages[3]["dependsOn"] == "Deploy_test"
    jobs = {j.get("job") or j.get("deployment"): j for j in yaml.safe_load(AZURE[1].read_text())["jobs"]}
    assert jobs["platform"]["environment"] == "aifactory-${{ parameters.env }}"
    assert jobs["projects"]["dependsOn"] == ["stacks", "platform"]
