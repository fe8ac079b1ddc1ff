"""Onboarding, offboarding (retire, destroy, release) and the Automation API orchestration (runner seam replaced)."""

from __future__ import annotations

import datetime as dt
import io
import stat
import threading
import time
from pathlib import Path
from typing import Optional

import pytest
from rich.console import Console
from typer.testing import CliRunner

from aifactory.core.errors import FactoryError
from aifactory.core.factory import load_factory
from aifactory.services import load_catalog
from aifactory.tools.cli import app
from aifactory.tools.deploy import AutomationInspector, StackJob, StackResult, deploy, plan_waves, run_waves
from aifactory.tools.onboarding import offboard, onboard, release
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


def cidrs(factory_dir: Path, env: str = "dev") -> dict[str, str]:
    return {p.name: str(p.spoke.cidr) for p in load_factory(factory_dir, env, catalog=load_catalog()).projects}


def test_onboard_allocates_the_lowest_free_block_and_records_it(factory_dir: Path, tmp_path: Path):
    before = cidrs(factory_dir)
    allocation = onboard(request_file(tmp_path), root=factory_dir, environment="dev")
    assert allocation.cidr == "10.64.1.0/24" and allocation.new_project and allocation.changed
    recorded = load_yaml(factory_dir / "projects" / "fraud-detect.yaml")
    assert recorded["environments"]["dev"] == {"services": {"databricks": False}, "cidr": "10.64.1.0/24"}
    after = cidrs(factory_dir)
    assert {k: v for k, v in after.items() if k != "fraud-detect"} == before


def test_onboarding_edits_only_the_lines_it_must(factory_dir: Path, tmp_path: Path):
    """Comments, key order, quoting and the file's mode survive; the diff is the allocation."""
    import difflib

    text = (
        "# ticket AIF-42, approved by the platform team\n"
        "name: fraud-detect   # do not rename\n"
        "type: esml\n"
        'costCenter: "CC-7777"\n'
        "owners:\n"
        "  - objectId: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n"
        "    type: Group\n"
        "environments:\n"
        "  dev:\n"
        "    services: {databricks: false}   # no Spark yet\n"
    )
    path = tmp_path / "request.yaml"
    path.write_text(text)
    path.chmod(0o640)
    onboard(path, root=factory_dir, environment="dev")
    written = factory_dir / "projects" / "fraud-detect.yaml"
    assert stat.S_IMODE(written.stat().st_mode) == 0o640

    def diff(old: str, new: str) -> list[str]:
        return [line for line in difflib.ndiff(old.splitlines(), new.splitlines()) if line[:1] in "+-"]

    assert diff(text, written.read_text()) == ["+     cidr: 10.64.1.0/24"]
    before = written.read_text()
    onboard(path, root=factory_dir, environment="test")  # the same project, another environment
    assert diff(before, written.read_text()) == ["+   test:", "+     cidr: 10.65.1.0/24"]


def test_the_same_onboarding_again_changes_nothing(factory_dir: Path, tmp_path: Path):
    onboard(request_file(tmp_path), root=factory_dir, environment="dev")
    written = factory_dir / "projects" / "fraud-detect.yaml"
    text, modified = written.read_text(), written.stat().st_mtime_ns
    again = onboard(request_file(tmp_path), root=factory_dir, environment="dev")
    assert again.changed is False and again.cidr == "10.64.1.0/24"
    assert written.read_text() == text and written.stat().st_mtime_ns == modified
    result = runner.invoke(app, ["onboard", str(request_file(tmp_path)), "--env", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == 0 and "already onboarded in dev at 10.64.1.0/24: nothing to do" in result.output


def test_onboarding_another_environment_adds_only_that_environment(factory_dir: Path, tmp_path: Path):
    onboard(request_file(tmp_path), root=factory_dir, environment="dev")
    allocation = onboard(request_file(tmp_path), root=factory_dir, environment="test")
    assert not allocation.new_project and allocation.cidr == "10.65.1.0/24"
    recorded = load_yaml(factory_dir / "projects" / "fraud-detect.yaml")
    assert set(recorded["environments"]) == {"dev", "test"}
    assert recorded["environments"]["dev"]["cidr"] == "10.64.1.0/24"


def test_a_streaming_project_gets_the_bigger_block_its_type_needs(factory_dir: Path, tmp_path: Path):
    allocation = onboard(request_file(tmp_path, name="clicks", type="streaming", environments={"dev": {}}), root=factory_dir, environment="dev")
    assert allocation.cidr == "10.64.4.0/23"


def test_a_project_with_agents_gets_its_spoke_from_the_agent_pool(factory_dir: Path, tmp_path: Path):
    allocation = onboard(request_file(tmp_path, name="helpdesk", type="genai", environments={"dev": {}}), root=factory_dir, environment="dev")
    assert allocation.cidr == "172.16.2.0/23" and allocation.subnets["agents"] == "172.16.2.0/24"
    without = onboard(
        request_file(tmp_path, name="notes", type="genai", environments={"dev": {"services": {"agents": False}}}),
        root=factory_dir,
        environment="dev",
    )
    assert without.cidr.startswith("10.64.")


def test_agents_without_an_agent_pool_is_an_error_naming_the_setting(factory_dir: Path, tmp_path: Path):
    path = factory_dir / "Pulumi.dev.yaml"
    path.write_text("\n".join(line for line in path.read_text().splitlines() if "agentAddressPool" not in line) + "\n")
    (factory_dir / "projects" / "support-copilot.yaml").unlink()
    with pytest.raises(FactoryError) as error:
        onboard(request_file(tmp_path, name="helpdesk", type="genai", environments={"dev": {}}), root=factory_dir, environment="dev")
    assert error.value.field == "agentAddressPool" and "10.0.0.0/8" in error.value.message


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"type": "genai", "name": "churn-prediction", "environments": {"test": {}}}, "a different project named 'churn-prediction' already exists"),
        ({"environments": {"dev": {"cidr": "10.64.9.0/24"}}}, "leave them out and onboard allocates them"),
        ({"type": "quantum"}, "unknown project type"),
        ({"owners": [{"objectId": "nope", "type": "User"}]}, "must be a GUID"),
        ({"name": "hub"}, "reserved and can never be a project"),
    ],
)
def test_bad_requests_change_nothing(factory_dir: Path, tmp_path: Path, changes, message):
    snapshot = {p.name: p.read_text() for p in (factory_dir / "projects").glob("*.yaml")}
    with pytest.raises(FactoryError, match=message):
        onboard(request_file(tmp_path, **changes), root=factory_dir, environment="dev")
    assert {p.name: p.read_text() for p in (factory_dir / "projects").glob("*.yaml")} == snapshot


def test_exhausted_pool_is_a_clear_error(factory_dir: Path, tmp_path: Path):
    path = factory_dir / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace("aifactory:addressPool: 10.64.0.0/16", "aifactory:addressPool: 10.64.0.0/24"))
    (factory_dir / "projects" / "telemetry-stream.yaml").unlink()
    with pytest.raises(FactoryError, match="no free /24 left; nothing is free"):
        onboard(request_file(tmp_path), root=factory_dir, environment="dev")


class FakeInspector:
    """What the Pulumi CLI would say of a stack."""

    def __init__(self, resources: Optional[int] = None, ended: Optional[dt.datetime] = None) -> None:
        self.resources, self.ended = resources, ended

    def resource_count(self, stack: str) -> Optional[int]:
        return self.resources

    def last_update(self, stack: str) -> Optional[dt.datetime]:
        return self.ended


def test_offboarding_retires_then_release_frees_the_block_after_destroy(factory_dir: Path, tmp_path: Path):
    retired = offboard("telemetry-stream", root=factory_dir, environment="dev")
    assert retired.changed and retired.cidr == "10.64.2.0/23"
    assert "aifactory deploy --env dev --project telemetry-stream --destroy" in retired.next_steps[0]
    assert load_yaml(factory_dir / "projects" / "telemetry-stream.yaml")["environments"]["dev"]["retiring"] is True

    # retiring: nothing of it is built, its stack can still be destroyed, its block is still reserved
    factory = load_factory(factory_dir, "dev", catalog=load_catalog())
    assert "telemetry-stream" not in {p.name for p in factory.active_projects}
    assert onboard(request_file(tmp_path, name="clicks", type="streaming", environments={"dev": {}}), root=factory_dir, environment="dev").cidr == "10.64.4.0/23"

    with pytest.raises(FactoryError, match="still holds 12 resource"):
        release("telemetry-stream", root=factory_dir, environment="dev", inspector=FakeInspector(resources=12))
    freed = release("telemetry-stream", root=factory_dir, environment="dev", inspector=FakeInspector(resources=0))
    assert freed.freed == "10.64.2.0/23" and freed.file_removed
    assert onboard(request_file(tmp_path, name="logs", type="streaming", environments={"dev": {}}), root=factory_dir, environment="dev").cidr == "10.64.2.0/23"


def test_release_of_an_active_project_is_refused(factory_dir: Path):
    with pytest.raises(FactoryError, match="retire it first"):
        release("churn-prediction", root=factory_dir, environment="dev", inspector=FakeInspector(resources=0))


def test_an_agent_subnet_is_held_an_hour_after_the_destroy(factory_dir: Path):
    offboard("support-copilot", root=factory_dir, environment="dev")
    now = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.timezone.utc)
    with pytest.raises(FactoryError, match="release again in 21 minutes"):
        release("support-copilot", root=factory_dir, environment="dev", now=now,
                inspector=FakeInspector(resources=None, ended=now - dt.timedelta(minutes=40)))
    done = release("support-copilot", root=factory_dir, environment="dev", now=now,
                   inspector=FakeInspector(resources=None, ended=now - dt.timedelta(minutes=61)))
    assert not done.file_removed  # still recorded in test
    assert any("az cognitiveservices account purge --name aif-aif-support-copilot-dev-" in note for note in done.notes)


def test_offboarding_in_prod_refuses_while_data_is_protected_and_names_only_that_stack(factory_dir: Path):
    path = factory_dir / "projects" / "churn-prediction.yaml"
    before = path.read_text()
    with pytest.raises(FactoryError) as raised:
        offboard("churn-prediction", root=factory_dir, environment="prod")
    assert raised.value.field == "environments.prod"
    assert "pulumi state unprotect --stack prod-churn-prediction --all --yes" in raised.value.message
    assert path.read_text() == before
    offboard("churn-prediction", root=factory_dir, environment="prod", data_stores_unprotected=True)
    assert load_yaml(path)["environments"]["prod"]["retiring"] is True


def test_release_without_the_pulumi_cli_says_why(factory_dir: Path, monkeypatch):
    offboard("telemetry-stream", root=factory_dir, environment="dev")
    inspector = AutomationInspector(factory_dir, which=lambda name: None)
    with pytest.raises(FactoryError, match="needs the Pulumi CLI"):
        release("telemetry-stream", root=factory_dir, environment="dev", inspector=inspector)


def test_offboard_cli_flow(factory_dir: Path):
    result = runner.invoke(app, ["offboard", "churn-prediction", "--env", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == 0, result.output
    assert "retiring in dev; its block 10.64.0.0/24 stays reserved" in result.output
    stacks = runner.invoke(app, ["stacks", "--env", "dev", "--json", "--dir", str(factory_dir)])
    churn = next(s for s in __import__("json").loads(stacks.output) if s["project"] == "churn-prediction")
    assert churn["retiring"] is True


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


def run(factory_dir: Path, fake, **kwargs):
    options = dict(operation="up", project=None, everything=True, parallel=2, backend_url=None, secrets_provider=None)
    options.update(kwargs)
    (factory_dir / "policypack").mkdir(exist_ok=True)
    (factory_dir / "policypack" / "PulumiPolicy.yaml").write_text("runtime: python\n")
    return deploy(factory_dir, "dev", console=quiet(), runner=fake, **options)


def test_platform_runs_first_then_projects_with_the_policy_pack(factory_dir: Path):
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
    assert all(c.policy_packs == (str((factory_dir / "policypack").resolve()),) for c in fake.calls)


def test_no_policy_pack_no_deployment(factory_dir: Path):
    with pytest.raises(FactoryError, match="deployments always run the policies"):
        deploy(factory_dir, "dev", console=quiet(), runner=FakeRunner(), operation="up", project=None, everything=True,
               parallel=1, backend_url=None, secrets_provider=None, policy_pack=factory_dir / "nowhere")


def test_retiring_projects_are_left_out_of_all_and_can_be_destroyed_alone(factory_dir: Path):
    offboard("telemetry-stream", root=factory_dir, environment="dev")
    fake = FakeRunner()
    run(factory_dir, fake)
    assert "dev-telemetry-stream" not in {c.stack for c in fake.calls}
    destroy = FakeRunner()
    run(factory_dir, destroy, project="telemetry-stream", everything=False, operation="destroy")
    assert [(c.stack, c.operation) for c in destroy.calls] == [("dev-telemetry-stream", "destroy")]
    with pytest.raises(FactoryError, match="is retiring in dev"):
        run(factory_dir, FakeRunner(), project="telemetry-stream", everything=False, operation="up")


def test_a_deployment_over_a_limit_is_refused_before_any_stack_runs(factory_dir: Path, monkeypatch):
    from aifactory.core import limits

    monkeypatch.setattr(limits, "ROLE_ASSIGNMENT_LIMIT", 10)
    monkeypatch.setitem(limits.LIMITS, "role-assignments", limits.Limit("role-assignments", "role assignments", "subscription", 10))
    fake = FakeRunner()
    with pytest.raises(FactoryError, match="Azure allows 10 per subscription"):
        run(factory_dir, fake)
    assert fake.calls == []


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
    factory = load_factory(factory_dir, "dev", catalog=load_catalog())
    common = dict(operation="up", backend_url="file:///x", secrets_provider="passphrase", log_dir=factory_dir)
    with pytest.raises(FactoryError, match="--project NAME, --platform or --all"):
        plan_waves(factory, project=None, everything=False, **common)
    with pytest.raises(FactoryError, match="not recorded in dev"):
        plan_waves(factory, project="nope", everything=False, **common)
    with pytest.raises(FactoryError, match="at least 1"):
        run_waves([], fake, parallel=0, console=quiet())


def test_deploy_without_the_pulumi_cli_says_how_to_install_it(factory_dir: Path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    (factory_dir / "policypack").mkdir()
    (factory_dir / "policypack" / "PulumiPolicy.yaml").write_text("runtime: python\n")
    result = runner.invoke(app, ["deploy", "--env", "dev", "--all", "--dir", str(factory_dir)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert output.startswith("error: the Pulumi CLI is not on PATH") and "get.pulumi.com" in output
    assert "Traceback" not in result.output


def test_deploy_cli_summary_and_exit_code(factory_dir: Path, monkeypatch):
    fake = FakeRunner(fail={"dev-telemetry-stream"})
    (factory_dir / "policypack").mkdir()
    (factory_dir / "policypack" / "PulumiPolicy.yaml").write_text("runtime: python\n")
    monkeypatch.setattr("aifactory.tools.deploy.require_pulumi_cli", lambda which=None: "/usr/bin/pulumi")
    monkeypatch.setattr("aifactory.tools.deploy.subprocess_runner", fake)
    result = runner.invoke(app, ["deploy", "--env", "dev", "--all", "--dir", str(factory_dir), "-n", "3"], terminal_width=200)
    assert result.exit_code == 1
    assert "Summary" in result.output and "failed" in result.output and "dev-telemetry-stream" in result.output
    ok = runner.invoke(app, ["deploy", "--env", "dev", "--project", "churn-prediction", "--preview", "--dir", str(factory_dir)])
    assert ok.exit_code == 0, ok.output
    both = runner.invoke(app, ["deploy", "--env", "dev", "--all", "--preview", "--destroy", "--dir", str(factory_dir)])
    assert both.exit_code == 2 and "choose one of --preview and --destroy" in both.output


def test_the_automation_run_passes_the_policy_packs(tmp_path: Path, monkeypatch):
    """The worker hands the packs to the Automation API's preview and up (the engine itself is not here)."""
    import pulumi.automation as auto

    from aifactory.tools import deploy as deploy_module

    seen: dict[str, object] = {}

    class FakeStack:
        def set_all_config(self, config):
            seen["config"] = config

        def up(self, on_output=None, policy_packs=None):
            seen["up"] = policy_packs
            return type("R", (), {"summary": type("S", (), {"resource_changes": {"create": 1}})()})()

        def preview(self, on_output=None, policy_packs=None):
            seen["preview"] = policy_packs
            return type("P", (), {"change_summary": {"same": 2}})()

    monkeypatch.setattr(auto, "create_or_select_stack", lambda **kwargs: FakeStack())
    job = StackJob("dev-x", "dev", "platform", "up", {}, str(tmp_path), "file:///tmp/s", "passphrase", str(tmp_path / "x.log"), ("/packs/aifactory",))
    assert deploy_module.automation_run(job).status == "succeeded"
    preview = StackJob(**{**job.__dict__, "operation": "preview"})
    deploy_module.automation_run(preview)
    assert seen["up"] == ["/packs/aifactory"] and seen["preview"] == ["/packs/aifactory"]


def test_worker_reports_failure_as_json(tmp_path: Path, monkeypatch, capsys):
    from aifactory.tools import deploy_worker

    job = StackJob("dev-x", "dev", "platform", "up", {}, str(tmp_path), "file:///tmp/s", "passphrase", str(tmp_path / "x.log"))
    (tmp_path / "job.json").write_text(job.to_json())

    def broken(job):
        raise RuntimeError("no pulumi here")

    monkeypatch.setattr(deploy_worker, "automation_run", broken)
    assert deploy_worker.main(["worker", str(tmp_path / "job.json")]) == 1
    result = StackResult(**__import__("json").loads(capsys.readouterr().out.strip().splitlines()[-1]))
    assert result.status == "failed" and "no pulumi here" in result.message
