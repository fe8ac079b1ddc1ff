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
from aifactory.tools.onboarding import offboard, onboard, parse_purge_time, protected_data_stores, release
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


def test_promoting_a_recorded_file_adds_an_environment_and_is_idempotent(factory_dir: Path):
    """`onboard projects/x.yaml --env prod` (the runbook's promotion): the file is its own record."""
    path = factory_dir / "projects" / "support-copilot.yaml"
    command = ["onboard", str(path), "--env", "prod", "--dir", str(factory_dir)]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("added environment to support-copilot in prod: spoke 172.18.")
    assert set(load_yaml(path)["environments"]) == {"dev", "test", "prod"}
    text = path.read_text()
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert "support-copilot is already onboarded in prod at 172.18." in again.output and "nothing to do" in again.output
    assert path.read_text() == text


def test_a_fresh_request_put_in_the_projects_folder_is_a_new_project(factory_dir: Path, tmp_path: Path):
    path = write_yaml(factory_dir / "projects" / "fraud-detect.yaml", REQUEST)
    result = runner.invoke(app, ["onboard", str(path), "--env", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("onboarded fraud-detect in dev: spoke 10.64.1.0/24")
    promoted = runner.invoke(app, ["onboard", str(path), "--env", "test", "--dir", str(factory_dir)])
    assert promoted.output.startswith("added environment to fraud-detect in test: spoke 10.65.1.0/24"), promoted.output


def test_onboarding_never_overwrites_another_projects_file(factory_dir: Path, tmp_path: Path):
    squatter = factory_dir / "projects" / "fraud-detect.yaml"
    squatter.write_text((factory_dir / "projects" / "churn-prediction.yaml").read_text().replace("name: churn-prediction", "name: churn-two"))
    squatter_text = squatter.read_text()
    (factory_dir / "projects" / "churn-prediction.yaml").unlink()
    with pytest.raises(FactoryError, match="already exists and records another project") as raised:
        onboard(request_file(tmp_path), root=factory_dir, environment="dev")
    assert raised.value.field == "name"
    assert squatter.read_text() == squatter_text


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


DEPLOYED = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)


class FakeInspector:
    """What the Pulumi CLI would say of the stacks in one backend: the project's stack (``resources``: None if
    there is no such stack; ``ended``: its last update, None if never updated) and the platform's (``platform``
    resources, None if absent; deployed at DEPLOYED)."""

    def __init__(self, resources: Optional[int] = None, ended: Optional[dt.datetime] = None, platform: Optional[int] = 40) -> None:
        self.resources, self.ended, self.platform = resources, ended, platform
        self.asked: list[str] = []

    def resource_count(self, stack: str) -> Optional[int]:
        self.asked.append(stack)
        return self.platform if stack.endswith("-platform") else self.resources

    def last_update(self, stack: str) -> Optional[dt.datetime]:
        if stack.endswith("-platform"):
            return DEPLOYED if self.platform is not None else None
        return self.ended if self.resources is not None else None


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
    freed = release("telemetry-stream", root=factory_dir, environment="dev", inspector=FakeInspector(resources=0, ended=DEPLOYED))
    assert freed.freed == "10.64.2.0/23" and freed.file_removed
    assert freed.evidence == f"stack dev-telemetry-stream in {freed.backend} holds no resources after its last update"
    assert onboard(request_file(tmp_path, name="logs", type="streaming", environments={"dev": {}}), root=factory_dir, environment="dev").cidr == "10.64.2.0/23"


def test_release_of_an_active_project_is_refused(factory_dir: Path):
    with pytest.raises(FactoryError, match="retire it first"):
        release("churn-prediction", root=factory_dir, environment="dev", inspector=FakeInspector(resources=0))


PURGE = "az cognitiveservices account purge --name aif-aif-support-copilot-dev-95e9f --resource-group rg-aif-support-copilot-dev --location swedencentral"


def test_offboarding_lists_the_purge_between_the_destroy_and_the_release(factory_dir: Path):
    steps = offboard("support-copilot", root=factory_dir, environment="dev").next_steps
    assert [step.split("   (")[0] for step in steps] == [
        "aifactory deploy --env dev --project support-copilot --destroy",
        PURGE,
        "aifactory offboard support-copilot --env dev --release --purged-at <when the purge finished, e.g. "
        "`date -u +%Y-%m-%dT%H:%MZ` run right after it>",
    ]
    assert "an hour after the purge" in steps[2]
    again = offboard("support-copilot", root=factory_dir, environment="dev")  # already retiring: the same steps
    assert not again.changed and again.next_steps == steps
    plain = offboard("telemetry-stream", root=factory_dir, environment="dev").next_steps  # no account, no purge
    assert [step.split("   (")[0] for step in plain] == [
        "aifactory deploy --env dev --project telemetry-stream --destroy",
        "aifactory offboard telemetry-stream --env dev --release",
    ]


def test_an_agent_block_is_freed_only_an_hour_after_the_purge_not_the_destroy(factory_dir: Path):
    offboard("support-copilot", root=factory_dir, environment="dev")
    path = factory_dir / "projects" / "support-copilot.yaml"
    before = path.read_text()
    now = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.timezone.utc)
    destroyed_long_ago = FakeInspector(resources=0, ended=now - dt.timedelta(days=2))

    with pytest.raises(FactoryError) as unpurged:  # the destroy was days ago, but nothing says the account was purged
        release("support-copilot", root=factory_dir, environment="dev", now=now, inspector=destroyed_long_ago)
    assert (unpurged.value.file, unpurged.value.field) == (str(path), "environments.dev")
    assert PURGE in unpurged.value.message and "--purged-at" in unpurged.value.message
    assert "an hour after the account is purged" in unpurged.value.message

    with pytest.raises(FactoryError, match="release again in 21 minutes") as early:
        release("support-copilot", root=factory_dir, environment="dev", now=now, inspector=destroyed_long_ago,
                purged_at=now - dt.timedelta(minutes=40))
    assert early.value.field == "environments.dev"
    with pytest.raises(FactoryError, match="is in the future") as future:
        release("support-copilot", root=factory_dir, environment="dev", now=now, inspector=destroyed_long_ago,
                purged_at=now + dt.timedelta(hours=1))
    assert future.value.field == "--purged-at"
    assert path.read_text() == before

    done = release("support-copilot", root=factory_dir, environment="dev", now=now, inspector=destroyed_long_ago,
                   purged_at=now - dt.timedelta(minutes=61))
    assert not done.file_removed and "dev" not in load_yaml(path)["environments"]  # still recorded in test
    assert done.notes == ()  # purged already: nothing left to say


def test_release_still_names_the_purge_of_a_project_without_agents(factory_dir: Path, tmp_path: Path):
    onboard(request_file(tmp_path, name="notes", type="genai", environments={"dev": {"services": {"agents": False}}}),
            root=factory_dir, environment="dev")
    offboard("notes", root=factory_dir, environment="dev")
    done = release("notes", root=factory_dir, environment="dev", inspector=FakeInspector(resources=0, ended=DEPLOYED))
    assert done.file_removed
    assert any("az cognitiveservices account purge --name aif-aif-notes-dev-" in note for note in done.notes)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-25T17:05Z", dt.datetime(2026, 11, 25, 17, 5, tzinfo=dt.timezone.utc)),
        ("2026-11-25T18:05:30+01:00", dt.datetime(2026, 11, 25, 17, 5, 30, tzinfo=dt.timezone.utc)),
    ],
)
def test_purge_times_need_their_zone(text, expected):
    assert parse_purge_time(text) == expected


@pytest.mark.parametrize("text, message", [("2026-11-25T17:05", "has no time zone"), ("an hour ago", "is not a time")])
def test_a_purge_time_without_a_zone_is_refused(text, message):
    with pytest.raises(FactoryError, match=message) as raised:
        parse_purge_time(text)
    assert raised.value.field == "--purged-at"


def test_offboarding_in_prod_refuses_while_data_is_protected_and_names_only_that_stack(factory_dir: Path):
    path = factory_dir / "projects" / "churn-prediction.yaml"
    before = path.read_text()
    with pytest.raises(FactoryError) as raised:
        offboard("churn-prediction", root=factory_dir, environment="prod")
    assert raised.value.field == "environments.prod"
    assert "pulumi state unprotect --stack prod-churn-prediction --all --yes" in raised.value.message
    assert "(its lake area; Azure Machine Learning: storage:StorageAccount; Key Vault: keyvault:Vault)" in raised.value.message
    assert path.read_text() == before
    offboard("churn-prediction", root=factory_dir, environment="prod", data_stores_unprotected=True)
    assert load_yaml(path)["environments"]["prod"]["retiring"] is True


def test_the_prod_refusal_lists_the_agents_data_stores_from_the_catalog(factory_dir: Path):
    """support-copilot has agents: their Cosmos DB and storage are protected in prod and the message says so."""
    onboard(factory_dir / "projects" / "support-copilot.yaml", root=factory_dir, environment="prod")
    with pytest.raises(FactoryError) as raised:
        offboard("support-copilot", root=factory_dir, environment="prod")
    message = raised.value.message
    assert "Foundry Agent Service (standard setup): cosmosdb:DatabaseAccount, storage:StorageAccount" in message
    planned = load_factory(factory_dir, "prod", catalog=load_catalog()).project("support-copilot")
    catalog = load_catalog()
    for key in planned.services:  # every protected type of every service it has, and only those
        for token in catalog.services[key].protected_types:
            assert token.split(":", 1)[1] in message
    assert protected_data_stores(catalog, planned)[0] == "its lake area"
    assert "ML storage" not in message  # support-copilot has no Azure ML


def test_release_without_the_pulumi_cli_says_why(factory_dir: Path, monkeypatch):
    offboard("telemetry-stream", root=factory_dir, environment="dev")
    inspector = AutomationInspector(factory_dir, which=lambda name: None)
    with pytest.raises(FactoryError, match="needs the Pulumi CLI") as raised:
        release("telemetry-stream", root=factory_dir, environment="dev", inspector=inspector)
    assert raised.value.field == "environments.dev" and raised.value.file.endswith("telemetry-stream.yaml")


@pytest.mark.parametrize(
    "inspector, evidence",
    [
        (FakeInspector(resources=0, ended=DEPLOYED, platform=None), "holds no resources after its last update"),
        (FakeInspector(resources=None), "was never deployed in {backend}, where the environment's platform stack dev-platform is"),
        (FakeInspector(resources=0, ended=None), "was never deployed in"),  # a preview made it; the platform is deployed here
    ],
)
def test_what_counts_as_destroyed(factory_dir: Path, inspector, evidence):
    offboard("telemetry-stream", root=factory_dir, environment="dev")
    done = release("telemetry-stream", root=factory_dir, environment="dev", inspector=inspector)
    assert evidence.format(backend=done.backend) in done.evidence


@pytest.mark.parametrize(
    "inspector",
    [
        FakeInspector(resources=None, platform=None),  # neither stack in this backend: most likely not deploy's backend
        FakeInspector(resources=0, ended=None, platform=None),  # only an empty stack a preview created here
    ],
)
def test_release_refuses_when_the_backend_cannot_show_the_destroy(factory_dir: Path, inspector, monkeypatch):
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    offboard("telemetry-stream", root=factory_dir, environment="dev")
    path = factory_dir / "projects" / "telemetry-stream.yaml"
    before = path.read_text()
    with pytest.raises(FactoryError) as raised:
        release("telemetry-stream", root=factory_dir, environment="dev", inspector=inspector)
    local = f"file://{(factory_dir / '.aifactory').resolve() / 'state'}"
    assert (raised.value.file, raised.value.field) == (str(path), "environments.dev")
    assert raised.value.message.startswith(
        f"cannot tell whether stack dev-telemetry-stream was destroyed: neither it nor the environment's platform "
        f"stack dev-platform was ever deployed in {local}"
    )
    assert "--backend" in raised.value.message
    assert path.read_text() == before


def test_a_backend_that_cannot_be_read_means_cannot_tell(factory_dir: Path):
    class Broken(FakeInspector):
        def resource_count(self, stack: str) -> Optional[int]:
            raise RuntimeError("error: 403 AuthorizationPermissionMismatch\n")

    offboard("telemetry-stream", root=factory_dir, environment="dev")
    with pytest.raises(FactoryError, match="reading the backend azblob://state failed: error: 403 AuthorizationPermissionMismatch") as raised:
        release("telemetry-stream", root=factory_dir, environment="dev", backend_url="azblob://state", inspector=Broken())
    assert raised.value.field == "environments.dev"


class RecordingInspector(FakeInspector):
    """Stands in for AutomationInspector: records the backend release hands it."""

    backends: list[Optional[str]] = []

    def __init__(self, root: Path, backend_url: Optional[str] = None) -> None:
        super().__init__(resources=0, ended=DEPLOYED)
        RecordingInspector.backends.append(backend_url)


def test_release_looks_in_the_backend_deploy_uses(factory_dir: Path, monkeypatch):
    """--backend, else PULUMI_BACKEND_URL, else the local default: the resolution deploy uses (backend_url_for)."""
    from aifactory.tools import deploy as deploy_module

    monkeypatch.setattr(deploy_module, "AutomationInspector", RecordingInspector)
    RecordingInspector.backends = []
    monkeypatch.setenv("PULUMI_BACKEND_URL", "azblob://from-env")
    for project in ("telemetry-stream", "churn-prediction"):
        offboard(project, root=factory_dir, environment="dev")
    result = runner.invoke(app, ["offboard", "telemetry-stream", "--env", "dev", "--release", "--backend", "azblob://given", "--dir", str(factory_dir)])
    assert result.exit_code == 0, result.output
    assert "destroyed: stack dev-telemetry-stream in azblob://given holds no resources after its last update" in result.output
    release("churn-prediction", root=factory_dir, environment="dev")
    assert RecordingInspector.backends == ["azblob://given", "azblob://from-env"]
    assert deploy_module.backend_url_for(factory_dir, "azblob://given") == "azblob://given"  # one resolution for both


def test_offboard_cli_refusals_exit_2_without_a_traceback(factory_dir: Path, monkeypatch):
    monkeypatch.setattr("aifactory.tools.deploy.AutomationInspector", lambda root, backend: FakeInspector(resources=None, platform=None))
    offboard("support-copilot", root=factory_dir, environment="dev")
    cases = {
        ("--backend", "azblob://x"): "--backend and --purged-at go with --release",
        ("--release", "--purged-at", "17:05"): "--purged-at: '17:05' is not a time",
        ("--release", "--purged-at", "2026-11-25T17:05"): "has no time zone",
        ("--release",): "cannot tell whether stack dev-support-copilot was destroyed",
    }
    for options, message in cases.items():
        result = runner.invoke(app, ["offboard", "support-copilot", "--env", "dev", "--dir", str(factory_dir), *options])
        output = " ".join(result.output.split())
        assert result.exit_code == 2 and message in output, (options, output)
        assert "Traceback" not in result.output


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
    monkeypatch.setitem(limits.LIMITS, "role-assignments", limits.Limit("role-assignments", "role assignments", "subscription", 10, limits.SPREAD))
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


def test_the_onboarding_lock_file_is_ignored_by_git():
    import shutil
    import subprocess

    from tests.conftest import REPO

    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "projects/.aifactory.lock"])
    assert ignored.returncode == 0
    kept = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "aifactory/build/foundation.py"])
    assert kept.returncode == 1, "the package's build layer must never be ignored"
