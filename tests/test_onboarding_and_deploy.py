"""Onboarding, offboarding and the Automation API orchestration (with the runner seam replaced)."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from aifactory.tools.cli import app
from aifactory.tools.deploy import StackJob, StackResult, deploy, plan_waves, run_waves
from aifactory.core.errors import FactoryError
from aifactory.core.factory import load_factory
from aifactory.tools.onboarding import offboard, onboard
from tests.conftest import load_yaml, write_yaml

runner = CliRunner()
REQUEST = {
    "name": "fraud-detect",
    "type": "esml",
    "costCenter": "CC-7777",
    "owners": [{"objectId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "type": "Group", "email": "fraud@contoso.example"}],
    "environments": {"dev": {"services": {"databricks": False}}},
}


def request_file(tmp_path: Path, **changes) -> Path:
    return write_yaml(tmp_path / "request.yaml", {**REQUEST, **changes})


def test_onboard_allocates_the_lowest_free_block_and_records_it(factory_dir: Path, tmp_path: Path):
    before = {p.name: p.spoke.cidr for p in load_factory(factory_dir, "dev").projects}
    allocation = onboard(request_file(tmp_path), root=factory_dir, environment="dev")
    assert allocation.cidr == "10.64.4.0/24" and allocation.new_project  # 0,1 taken; 2-3 by the /23
    recorded = load_yaml(factory_dir / "projects" / "fraud-detect.yaml")
    assert recorded["environments"]["dev"] == {"services": {"databricks": False}, "cidr": "10.64.4.0/24"}
    after = {p.name: p.spoke.cidr for p in load_factory(factory_dir, "dev").projects}
    assert {k: v for k, v in after.items() if k != "fraud-detect"} == before


def test_onboarding_another_environment_adds_only_that_environment(factory_dir: Path, tmp_path: Path):
    onboard(request_file(tmp_path), root=factory_dir, environment="dev")
    allocation = onboard(request_file(tmp_path), root=factory_dir, environment="test")
    assert not allocation.new_project and allocation.cidr == "10.65.2.0/24"
    recorded = load_yaml(factory_dir / "projects" / "fraud-detect.yaml")
    assert set(recorded["environments"]) == {"dev", "test"}
    assert recorded["environments"]["dev"]["cidr"] == "10.64.4.0/24"


def test_a_streaming_project_gets_the_bigger_block_its_type_needs(factory_dir: Path, tmp_path: Path):
    allocation = onboard(request_file(tmp_path, name="clicks", type="streaming", environments={"dev": {}}), root=factory_dir, environment="dev")
    assert allocation.cidr == "10.64.4.0/23"


def test_offboarding_frees_the_block_for_reuse(factory_dir: Path, tmp_path: Path):
    result = offboard("support-copilot", root=factory_dir, environment="dev")
    assert result.freed == "10.64.1.0/24" and not result.file_removed
    assert "dev" not in load_yaml(factory_dir / "projects" / "support-copilot.yaml")["environments"]
    assert onboard(request_file(tmp_path), root=factory_dir, environment="dev").cidr == "10.64.1.0/24"


def test_offboarding_the_last_environment_removes_the_file(factory_dir: Path):
    result = offboard("telemetry-stream", root=factory_dir, environment="dev")
    assert result.file_removed and not (factory_dir / "projects" / "telemetry-stream.yaml").exists()


def test_offboarding_in_prod_refuses_while_data_is_protected(factory_dir: Path):
    before = (factory_dir / "projects" / "churn-prediction.yaml").read_text()
    with pytest.raises(FactoryError, match="pulumi state unprotect") as raised:
        offboard("churn-prediction", root=factory_dir, environment="prod")
    assert raised.value.field == "environments.prod"
    assert (factory_dir / "projects" / "churn-prediction.yaml").read_text() == before
    offboard("churn-prediction", root=factory_dir, environment="prod", data_stores_unprotected=True)
    assert "prod" not in load_yaml(factory_dir / "projects" / "churn-prediction.yaml")["environments"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"type": "genai", "name": "churn-prediction", "environments": {"test": {}}}, "two requests for the same name are refused"),
        ({"name": "churn-prediction", "type": "esml", "costCenter": "CC-4711"}, "already onboarded in dev"),
        ({"environments": {"dev": {"cidr": "10.64.9.0/24"}}}, "leave cidr out"),
        ({"type": "quantum"}, "unknown project type"),
        ({"owners": [{"objectId": "nope", "type": "User"}]}, "must be a GUID"),
    ],
)
def test_bad_requests_change_nothing(factory_dir: Path, tmp_path: Path, changes, message):
    snapshot = {p.name: p.read_text() for p in (factory_dir / "projects").glob("*.yaml")}
    with pytest.raises(FactoryError, match=message):
        onboard(request_file(tmp_path, **changes), root=factory_dir, environment="dev")
    assert {p.name: p.read_text() for p in (factory_dir / "projects").glob("*.yaml")} == snapshot


def test_exhausted_pool_is_a_clear_error(factory_dir: Path, tmp_path: Path):
    data = load_yaml(factory_dir / "Pulumi.dev.yaml")
    data["config"]["aifactory:addressPool"] = "10.64.0.0/22"
    write_yaml(factory_dir / "Pulumi.dev.yaml", data)
    with pytest.raises(FactoryError, match="no free /24 left; nothing is free"):
        onboard(request_file(tmp_path), root=factory_dir, environment="dev")


def test_onboard_cli(factory_dir: Path, tmp_path: Path):
    result = runner.invoke(app, ["onboard", str(request_file(tmp_path)), "--env", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == 0, result.output
    assert "spoke 10.64.4.0/24" in result.output and "dbx-host" in result.output
    again = runner.invoke(app, ["onboard", str(request_file(tmp_path)), "--env", "dev", "--dir", str(factory_dir)])
    assert again.exit_code == 2 and "already onboarded" in again.output


# --- deployments -----------------------------------------------------------------------------------------


class FakeRunner:
    """An in-memory Automation API: records calls, fails where told, measures concurrency."""

    def __init__(self, fail: set[str] = frozenset(), delay: float = 0.0) -> None:
        self.fail = set(fail)
        self.delay = delay
        self.calls: list[StackJob] = []
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, job: StackJob) -> StackResult:
        with self._lock:
            self.calls.append(job)
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.delay)
        with self._lock:
            self.running -= 1
        if job.stack in self.fail:
            return StackResult(job.stack, "failed", job.operation, message="boom", log_path=job.log_path)
        return StackResult(job.stack, "succeeded", job.operation, changes={"create": 3}, seconds=self.delay, log_path=job.log_path)


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def run(factory_dir: Path, fake: FakeRunner, **kwargs):
    options = dict(operation="up", project=None, everything=True, parallel=2, backend_url=None, secrets_provider=None)
    options.update(kwargs)
    return deploy(factory_dir, "dev", console=quiet(), runner=fake, **options)


def test_platform_runs_first_then_projects(factory_dir: Path):
    fake = FakeRunner()
    results = run(factory_dir, fake)
    assert [c.stack for c in fake.calls][0] == "dev-platform"
    assert {c.stack for c in fake.calls[1:]} == {"dev-churn-prediction", "dev-support-copilot", "dev-telemetry-stream"}
    assert all(r.status == "succeeded" for r in results)
    job = next(c for c in fake.calls if c.stack == "dev-churn-prediction")
    assert job.config["aifactory:scope"] == "project:churn-prediction"
    assert job.config["aifactory:platformStack"] == "dev-platform"
    assert job.config["aifactory:addressPool"] == "10.64.0.0/16"
    assert job.config["azure-native:location"] == "swedencentral"
    assert job.config["aifactory:hub"].startswith("{")  # structured values as JSON
    assert job.backend_url.startswith("file://") and job.log_path.endswith("dev-churn-prediction.log")


def test_platform_only(factory_dir: Path):
    fake = FakeRunner()
    run(factory_dir, fake, everything=False, platform_only=True)
    assert [c.stack for c in fake.calls] == ["dev-platform"] and fake.calls[0].config["aifactory:scope"] == "platform"


def test_destroy_runs_projects_first(factory_dir: Path):
    fake = FakeRunner()
    run(factory_dir, fake, operation="destroy")
    assert fake.calls[-1].stack == "dev-platform" and all(c.operation == "destroy" for c in fake.calls)


def test_concurrency_is_bounded(factory_dir: Path):
    fake = FakeRunner(delay=0.1)
    run(factory_dir, fake, parallel=2)
    assert fake.peak == 2
    single = FakeRunner(delay=0.05)
    run(factory_dir, single, parallel=1)
    assert single.peak == 1


def test_one_failing_project_does_not_stop_the_others(factory_dir: Path):
    fake = FakeRunner(fail={"dev-support-copilot"})
    results = {r.stack: r.status for r in run(factory_dir, fake)}
    assert results == {"dev-platform": "succeeded", "dev-churn-prediction": "succeeded",
                       "dev-support-copilot": "failed", "dev-telemetry-stream": "succeeded"}


def test_a_failed_platform_skips_its_projects(factory_dir: Path):
    fake = FakeRunner(fail={"dev-platform"})
    results = run(factory_dir, fake)
    assert [c.stack for c in fake.calls] == ["dev-platform"]
    assert {r.status for r in results[1:]} == {"skipped"} and "dev-platform failed" in results[1].message


def test_a_runner_exception_is_a_failed_stack_not_a_crash(factory_dir: Path):
    def exploding(job: StackJob) -> StackResult:
        raise RuntimeError("engine exploded")

    results = run(factory_dir, exploding, project="churn-prediction", everything=False)
    assert results[0].status == "failed" and "engine exploded" in results[0].message


def test_single_project_and_argument_errors(factory_dir: Path):
    fake = FakeRunner()
    run(factory_dir, fake, project="support-copilot", everything=False, operation="preview")
    assert [(c.stack, c.operation) for c in fake.calls] == [("dev-support-copilot", "preview")]
    factory = load_factory(factory_dir, "dev")
    common = dict(operation="up", backend_url="file:///x", secrets_provider="passphrase", log_dir=factory_dir)
    with pytest.raises(FactoryError, match="--project NAME, --platform or --all"):
        plan_waves(factory, project=None, everything=False, **common)
    with pytest.raises(FactoryError, match="not enabled in dev"):
        plan_waves(factory, project="nope", everything=False, **common)
    with pytest.raises(FactoryError, match="at least 1"):
        run_waves([], fake, parallel=0, console=quiet())


def test_deploy_without_the_pulumi_cli_says_how_to_install_it(factory_dir: Path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    result = runner.invoke(app, ["deploy", "--env", "dev", "--all", "--dir", str(factory_dir)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert output.startswith("error: the Pulumi CLI is not on PATH") and "get.pulumi.com" in output
    assert "Traceback" not in result.output


def test_deploy_cli_summary_and_exit_code(factory_dir: Path, monkeypatch):
    fake = FakeRunner(fail={"dev-telemetry-stream"})
    monkeypatch.setattr("aifactory.tools.deploy.require_pulumi_cli", lambda which=None: "/usr/bin/pulumi")
    monkeypatch.setattr("aifactory.tools.deploy.subprocess_runner", fake)
    result = runner.invoke(app, ["deploy", "--env", "dev", "--all", "--dir", str(factory_dir), "-n", "3"], terminal_width=200)
    assert result.exit_code == 1
    assert "Summary" in result.output and "failed" in result.output and "dev-telemetry-stream" in result.output
    ok = runner.invoke(app, ["deploy", "--env", "dev", "--project", "churn-prediction", "--preview", "--dir", str(factory_dir)])
    assert ok.exit_code == 0, ok.output
    both = runner.invoke(app, ["deploy", "--env", "dev", "--all", "--preview", "--destroy", "--dir", str(factory_dir)])
    assert both.exit_code == 2 and "choose one of --preview and --destroy" in both.output


def test_worker_reports_failure_as_json(tmp_path: Path, monkeypatch, capsys):
    from aifactory import deploy_worker

    job = StackJob("dev-x", "dev", "platform", "up", {}, str(tmp_path), "file:///tmp/s", "passphrase", str(tmp_path / "x.log"))
    (tmp_path / "job.json").write_text(job.to_json())

    def broken(job):
        raise RuntimeError("no pulumi here")

    monkeypatch.setattr(deploy_worker, "automation_run", broken)
    assert deploy_worker.main(["worker", str(tmp_path / "job.json")]) == 1
    result = StackResult(**__import__("json").loads(capsys.readouterr().out.strip().splitlines()[-1]))
    assert result.status == "failed" and "no pulumi here" in result.message
