"""Pipeline templates: valid against the GitHub and Azure DevOps schemas, and calling real CLI options."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from aifactory.tools.cli import app

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / "pipelines" / "github" / "aifactory.yml"
AZURE = [REPO / "pipelines" / "azure-devops" / "azure-pipelines.yml", REPO / "pipelines" / "azure-devops" / "deploy-environment.yml"]
runner = CliRunner()


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
        # expressions and macros (`${{ matrix.x }}`, `$(env)`) as placeholders, then to the end of the command:
        # a line end, a pipe, a redirection, a command substitution's end or a code span's
        text = re.sub(r"\$\{\{[^}]*\}\}|\$\(\w[\w.]*\)", "VALUE", path.read_text())
        for match in re.finditer(r"aifactory (\w[\w-]*)([^\n|)>;`]*)", text):
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


# --- project fan-out: active projects are updated, retiring ones destroyed --------------------------------


def github_condition(condition: str | None, retiring: bool) -> bool:
    """Whether a GitHub step runs for a matrix entry (the only conditions the fan-out uses: on retiring)."""
    if condition is None:
        return True
    match = re.fullmatch(r"\$\{\{\s*(!?)\s*matrix\.stack\.retiring\s*\}\}", condition.strip())
    assert match, f"unexpected condition {condition!r}"
    return retiring != bool(match.group(1))


def azure_condition(condition: str | None, retiring: bool) -> bool:
    """Whether an Azure DevOps step runs for a matrix entry (its `retiring` variable is "true" or "false")."""
    if condition is None:
        return True
    match = re.fullmatch(r"and\(succeeded\(\), (eq|ne)\(variables\['retiring'\], 'true'\)\)", condition.strip())
    assert match, f"unexpected condition {condition!r}"
    return retiring == (match.group(1) == "eq")


def deploy_commands(steps: list[dict], key: str, runs) -> list[str]:
    """The `aifactory deploy` commands of the steps that run, one line each, whitespace squeezed."""
    commands = []
    for step in steps:
        text = step.get(key) or step.get("inputs", {}).get("inlineScript") or ""
        if "aifactory deploy" in text and runs(step):
            commands.append(" ".join(text.split()))
    return commands


@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_github_updates_active_projects_and_destroys_retiring_ones(env: str):
    steps = yaml.safe_load(GITHUB.read_text())["jobs"][f"{env}-projects"]["steps"]
    secrets = '--secrets-provider "${{ vars.PULUMI_SECRETS_PROVIDER }}"'
    project = f".venv/bin/aifactory deploy --env {env} --project ${{{{ matrix.stack.project }}}}"
    active = deploy_commands(steps, "run", lambda step: github_condition(step.get("if"), retiring=False))
    retiring = deploy_commands(steps, "run", lambda step: github_condition(step.get("if"), retiring=True))
    assert active == [f"{project} --policy-pack policypack {secrets}"]
    assert retiring == [f"{project} --destroy --policy-pack policypack {secrets}"]


def test_azure_devops_updates_active_projects_and_destroys_retiring_ones():
    jobs = {j.get("job") or j.get("deployment"): j for j in yaml.safe_load(AZURE[1].read_text())["jobs"]}
    steps = jobs["projects"]["steps"]
    project = ".venv/bin/aifactory deploy --env ${{ parameters.env }} --project $(project)"
    secrets = '--secrets-provider "$(PULUMI_SECRETS_PROVIDER)"'
    active = deploy_commands(steps, "script", lambda step: azure_condition(step.get("condition"), retiring=False))
    retiring = deploy_commands(steps, "script", lambda step: azure_condition(step.get("condition"), retiring=True))
    assert active == [f"{project} --policy-pack policypack {secrets}"]
    assert retiring == [f"{project} --destroy --policy-pack policypack {secrets}"]


def test_every_deploy_runs_the_policy_pack():
    deploys = [options for name, options in cli_calls([GITHUB, *AZURE]) if name == "deploy"]
    assert len(deploys) == 3 * 3 + 3  # GitHub: platform, update, destroy per environment; Azure DevOps: the same, once
    assert all("--policy-pack" in options for options in deploys)


def test_the_matrices_carry_what_the_fan_out_reads(factory_dir: Path):
    """Every `matrix.stack.X` (GitHub) and matrix variable (Azure DevOps) the project jobs read is in what
    `aifactory stacks` prints, retiring projects included and marked."""
    from aifactory.tools.onboarding import offboard

    offboard("telemetry-stream", root=factory_dir, environment="dev")
    listed = runner.invoke(app, ["stacks", "--env", "dev", "--json", "--projects-only", "--dir", str(factory_dir)])
    entries = json.loads(listed.output)
    assert {e["project"]: e["retiring"] for e in entries} == {
        "churn-prediction": False, "support-copilot": False, "telemetry-stream": True,
    }
    used = set(re.findall(r"matrix\.stack\.(\w+)", GITHUB.read_text()))
    assert used == {"stack", "project", "retiring"} and all(used <= set(e) for e in entries)

    matrix = json.loads(runner.invoke(app, ["stacks", "--env", "dev", "--projects-only", "--azure-devops-matrix", "--dir", str(factory_dir)]).output)
    assert matrix["dev_telemetry_stream"] == {
        "stack": "dev-telemetry-stream", "scope": "project:telemetry-stream", "project": "telemetry-stream", "retiring": "true",
    }
    assert matrix["dev_churn_prediction"]["retiring"] == "false"
    projects_job = yaml.safe_dump(next(j for j in yaml.safe_load(AZURE[1].read_text())["jobs"] if j.get("job") == "projects"))
    group_variables = {"PULUMI_SECRETS_PROVIDER", "SERVICE_CONNECTION"}
    variables = (set(re.findall(r"\$\((\w+)\)", projects_job)) | set(re.findall(r"variables\['(\w+)'\]", projects_job))) - group_variables
    assert variables == {"stack", "project", "retiring"} and all(variables <= set(e) for e in matrix.values())


def test_the_fan_outs_list_projects_only():
    calls = [options for name, options in cli_calls([GITHUB, AZURE[1]]) if name == "stacks" and "--changed-since" not in options]
    assert calls == [["--env", "--json", "--projects-only"], ["--env", "--projects-only", "--azure-devops-matrix"]]


# --- pull requests: plan only the stacks the change touches ----------------------------------------------


def git(where: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(where), *args], check=True, capture_output=True, text=True).stdout


def factory_repo(tmp_path: Path) -> Path:
    """A git repository holding the example factory, committed, with origin/main at that commit and the
    pipeline's `.venv/bin` commands standing for this environment's."""
    root = tmp_path / "repo"
    root.mkdir()
    for stack_file in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, root / stack_file.name)
    shutil.copytree(REPO / "projects", root / "projects")
    (root / ".gitignore").write_text(".venv/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, target in (("python", sys.executable), ("aifactory", str(Path(sys.executable).parent / "aifactory"))):
        (bin_dir / name).write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
        (bin_dir / name).chmod(0o755)
    return root


def retire_on_main(root: Path, project: str, environment: str = "dev") -> None:
    """Mark ``project`` retiring in ``environment`` and move origin/main there (offboarding's first step, merged)."""
    path = root / "projects" / f"{project}.yaml"
    path.write_text(path.read_text().replace(f"  {environment}:\n", f"  {environment}:\n    retiring: true\n", 1))
    git(root, "commit", "-q", "-am", f"retire {project}")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")


def test_stacks_changed_since_lists_changed_stacks_and_removed_projects(tmp_path: Path):
    root = factory_repo(tmp_path)
    retire_on_main(root, "telemetry-stream")
    churn = root / "projects" / "churn-prediction.yaml"
    churn.write_text(churn.read_text().replace("monthlyAmount: 3000", "monthlyAmount: 3500"))
    (root / "projects" / "telemetry-stream.yaml").unlink()

    def stacks(*options: str):
        return runner.invoke(app, ["stacks", "--env", "dev", "--dir", str(root), "--changed-since", "origin/main", *options], terminal_width=200)

    data = json.loads(stacks("--json").output)
    assert (data["environment"], data["ref"], data["everything"]) == ("dev", "origin/main", False)
    assert [(s["stack"], s["reasons"]) for s in data["stacks"]] == [
        ("dev-platform", ["projects/churn-prediction.yaml", "projects/telemetry-stream.yaml"]),
        ("dev-churn-prediction", ["projects/churn-prediction.yaml"]),
    ]
    assert data["stacks"][1]["retiring"] is False and data["stacks"][1]["scope"] == "project:churn-prediction"
    assert data["removedProjects"] == [
        {"project": "telemetry-stream", "stack": "dev-telemetry-stream", "file": "projects/telemetry-stream.yaml", "reason": "request deleted",
         "retiring": True}
    ]
    assert [s["stack"] for s in json.loads(stacks("--json", "--projects-only").output)["stacks"]] == ["dev-churn-prediction"]
    assert list(json.loads(stacks("--azure-devops-matrix").output)) == ["dev_platform", "dev_churn_prediction"]
    table = stacks()
    assert table.exit_code == 0 and "changed by" in table.output
    assert "removed: dev-telemetry-stream (request deleted: projects/telemetry-stream.yaml)" in table.output


def test_stacks_changed_since_an_unknown_ref_is_a_located_error(tmp_path: Path):
    root = factory_repo(tmp_path)
    result = runner.invoke(app, ["stacks", "--env", "dev", "--dir", str(root), "--changed-since", "origin/nope"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert " ".join(result.output.split()).startswith("error: --changed-since: 'origin/nope' is not a commit")


def test_pull_requests_check_out_the_base_branch_and_list_changed_stacks():
    plan = yaml.safe_load(GITHUB.read_text())["jobs"]["plan"]
    assert plan["steps"][0]["with"]["fetch-depth"] == 0 and plan["env"]["BASE"] == "origin/${{ github.base_ref }}"
    azure = yaml.safe_load(AZURE[0].read_text())["stages"][0]["jobs"][0]
    assert azure["steps"][0] == {"checkout": "self", "fetchDepth": "0"}
    for path in (GITHUB, AZURE[0]):
        stacks = [options for name, options in cli_calls([path]) if name == "stacks" and "--env" in options]
        assert stacks[:2] == [["--env", "--changed-since", "--json"], ["--env", "--changed-since"]]  # for the plan, for the log
        plans = [options for name, options in cli_calls([path]) if name == "plan" and options]
        assert plans == [["--stack", "--json"], ["--stack", "--config", "--json"]]  # everything at once, or slice by slice


def pull_request_steps(pipeline: str) -> tuple[list[str], dict[str, str], list[str]]:
    """The scripts of the plan job's stack listing, plan and summary steps, the variables the CI sets, and the shell."""
    if pipeline == "github":
        steps = {s.get("name"): s.get("run") for s in yaml.safe_load(GITHUB.read_text())["jobs"]["plan"]["steps"]}
        names = ("Stacks this pull request changes", "Offline plan of the changed stacks with policy checks", "Policy results in the job summary")
        return [steps[n] for n in names], {"AIF_ENV": "dev", "BASE": "origin/main"}, ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
    job = yaml.safe_load(AZURE[0].read_text())["stages"][0]["jobs"][0]
    steps = {s.get("displayName"): s.get("script") for s in job["steps"]}
    names = ("Stacks this pull request changes", "Offline plan of the changed stacks with policy checks", "Policy results in the run summary")
    return [steps[n].replace("$(env)", "dev") for n in names], {"SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/main"}, ["bash", "--noprofile", "--norc", "-c"]


@pytest.mark.skipif(shutil.which("jq") is None, reason="the pipelines read the stack list with jq")
@pytest.mark.parametrize(
    "pipeline, change, plans",
    [
        ("github", "request", {"plan-dev-platform.json": "platform", "plan-dev-churn-prediction.json": "project:churn-prediction"}),
        ("azure-devops", "request", {"plan-dev-platform.json": "platform", "plan-dev-churn-prediction.json": "project:churn-prediction"}),
        ("github", "stack file", {"plan-dev.json": "all"}),  # the same script in both: every stack, planned as one
    ],
)
def test_a_pull_request_plans_only_the_stacks_it_changes(tmp_path: Path, pipeline: str, change: str, plans: dict[str, str]):
    """The plan job's own scripts, run in a repository with one change: the stacks it lists are the ones planned."""
    root = factory_repo(tmp_path)
    if change == "request":
        churn = root / "projects" / "churn-prediction.yaml"
        churn.write_text(churn.read_text().replace("monthlyAmount: 3000", "monthlyAmount: 3500"))
    else:
        stack_file = root / "Pulumi.dev.yaml"
        stack_file.write_text(stack_file.read_text() + "# reviewed by the platform team\n")
    scripts, variables, shell = pull_request_steps(pipeline)
    summary = root / "summary.md"
    environment = {**os.environ, **variables, "GITHUB_STEP_SUMMARY": str(summary)}
    for script in scripts:
        script = script.replace("$(System.DefaultWorkingDirectory)", str(root))
        done = subprocess.run([*shell, script], cwd=root, env=environment, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    planned = {path.name: json.loads(path.read_text()).get("scope", "all") for path in root.glob("plan-dev*.json")}
    assert planned == plans
    report = summary.read_text() if pipeline == "github" else (root / "summary-dev.md").read_text()
    assert report.count("### aifactory plan: dev, scope ") == len(plans) and "no violations" in report
