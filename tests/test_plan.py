"""The offline plan and the CLI: what the dev stack creates, JSON shape, determinism, comparison, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aifactory.tools.cli import app
from aifactory.tools.plan import run_plan
from tests.conftest import REPO, load_yaml, write_yaml

runner = CliRunner()


@pytest.fixture(scope="module")
def dev_plan():
    return run_plan(REPO, "dev")


def test_dev_plan_shows_hub_spokes_and_address_plan(dev_plan):
    data = dev_plan.to_dict()
    assert data["stack"] == "dev" and data["environment"] == "dev"
    assert data["network"]["pools"] == {"addressPool": "10.64.0.0/16", "agentAddressPool": "172.16.0.0/16"}
    assert data["network"]["hub"] == "10.60.0.0/23"
    assert data["network"]["projects"]["churn-prediction"]["cidr"] == "10.64.0.0/24"
    assert data["network"]["projects"]["support-copilot"] == {
        "cidr": "172.16.0.0/23",
        "pool": "agentAddressPool",
        "subnets": {"pep": "172.16.1.0/25", "aml": "172.16.1.128/26", "apps": "172.16.1.192/26", "agents": "172.16.0.0/24"},
    }
    assert data["violations"] == []
    types = {r["type"] for r in data["resources"]}
    assert {"aifactory:network:HubNetwork", "aifactory:network:ProjectSpoke", "azure-native:network:VirtualNetwork"} <= types
    for resource in data["resources"]:
        assert set(resource) >= {"urn", "type", "name", "parent", "inputs", "id"}
    vnets = {r["inputs"]["virtualNetworkName"] for r in data["resources"] if r["type"] == "azure-native:network:VirtualNetwork"}
    assert vnets == {"vnet-aif-hub-dev", "vnet-aif-churn-prediction-dev", "vnet-aif-support-copilot-dev", "vnet-aif-telemetry-stream-dev"}
    assert data["summary"]["byProject"]["churn-prediction"] > 0
    assert data["projects"]["support-copilot"]["services"] == ["agents", "foundry", "keyvault"]


def test_every_resource_has_the_azure_id_its_inputs_give(dev_plan):
    ids = {r.id for r in dev_plan.custom_resources}
    assert len(ids) == len(dev_plan.custom_resources)
    peering = next(r for r in dev_plan.custom_resources if r.name == "churn-prediction-spoke-peer-from-hub")
    assert peering.id.endswith(
        "/resourceGroups/rg-aif-hub-dev/providers/Microsoft.Network/virtualNetworks/vnet-aif-hub-dev"
        "/virtualNetworkPeerings/peer-to-aif-churn-prediction-dev"
    )


def test_plan_is_identical_on_every_run(dev_plan):
    again = run_plan(REPO, "dev")
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(dev_plan.to_dict(), sort_keys=True)


def test_every_taggable_resource_carries_environment_and_project_tags(dev_plan):
    from tests.sdk_inputs import resource_args_class

    owner = dev_plan.project_of()
    checked = 0
    for resource in dev_plan.custom_resources:
        if not resource.type.startswith("azure-native:") or resource.type == "azure-native:resources:Resource":
            continue
        if "tags" not in {getattr(getattr(cls_prop, "fget", None), "_pulumi_name", None) for cls_prop in vars(resource_args_class(resource.type)).values()}:
            continue
        checked += 1
        tags = resource.inputs.get("tags")
        assert tags, f"{resource.urn} has no tags"
        assert tags["environment"] == "dev" and tags["managedBy"] == "aifactory" and tags["owner"] == "platform-team"
        if owner[resource.urn]:
            assert tags["project"] == owner[resource.urn] and tags["costCenter"].startswith("CC-"), resource.urn
    assert checked > 50


def test_adding_a_project_changes_no_other_projects_resources(factory_dir: Path):
    before = run_plan(factory_dir, "dev")
    write_yaml(
        factory_dir / "projects" / "new-one.yaml",
        {
            "name": "new-one",
            "type": "esml",
            "costCenter": "CC-9",
            "owners": [{"objectId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "type": "User"}],
            "environments": {"dev": {"cidr": "10.64.4.0/24"}},
        },
    )
    after = run_plan(factory_dir, "dev")
    old = {r.urn: r.inputs for r in before.resources}
    new = {r.urn: r.inputs for r in after.resources}
    assert set(old) < set(new)
    assert all(new[urn] == inputs for urn, inputs in old.items())


def test_cli_plan_writes_json_and_exits_zero(factory_dir: Path, tmp_path: Path):
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", "--stack", "dev", "--dir", str(factory_dir), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "Address plan" in result.output and "churn-prediction" in result.output
    data = json.loads(out.read_text())
    assert {"stack", "environment", "resources", "network", "violations"} <= set(data)


def test_cli_config_override_changes_the_plan(factory_dir: Path, tmp_path: Path):
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["plan", "-s", "dev", "--dir", str(factory_dir), "--config", "hub.firewall=true", "--json", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    types = [r["type"] for r in json.loads(out.read_text())["resources"]]
    assert "azure-native:network:AzureFirewall" in types
    assert types.count("azure-native:network:RouteTable") == 3  # every spoke sends egress to it


def test_cli_projects_dir_option(factory_dir: Path, tmp_path: Path):
    only = tmp_path / "only"
    only.mkdir()
    (only / "churn.yaml").write_text((factory_dir / "projects" / "churn-prediction.yaml").read_text())
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "--projects-dir", str(only), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert list(json.loads(out.read_text())["network"]["projects"]) == ["churn-prediction"]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["plan", "-s", "staging"], "Pulumi.staging.yaml: no stack file"),
        (["plan", "-s", "dev", "--config", "addressPool"], "--config: takes KEY=VALUE"),
        (["plan", "-s", "dev", "--config", "hub={bad json"], "--config: hub: value is not valid JSON"),
        (["plan", "-s", "dev", "--config", "prefix=UPPER"], "--config: prefix: invalid naming prefix"),
        (["plan", "-s", "dev", "--fail-on-remove"], "--fail-on-remove needs --compare"),
    ],
)
def test_cli_bad_input_exits_2_naming_where(factory_dir: Path, args, expected):
    result = runner.invoke(app, [*args, "--dir", str(factory_dir)])
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_cli_bad_project_file_names_file_and_field(factory_dir: Path):
    path = factory_dir / "projects" / "support-copilot.yaml"
    data = load_yaml(path)
    data["owners"][0]["objectId"] = "12345"
    write_yaml(path, data)
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == 2
    assert f"{path}: owners[0].objectId: must be a GUID" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_compare_lists_added_changed_and_removed_resources(factory_dir: Path, tmp_path: Path):
    old = tmp_path / "old.json"
    assert runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "--json", str(old), "-q"]).exit_code == 0
    (factory_dir / "projects" / "telemetry-stream.yaml").unlink()
    path = factory_dir / "projects" / "churn-prediction.yaml"
    path.write_text(path.read_text().replace("monthlyAmount: 3000", "monthlyAmount: 3500"))

    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "-q", "--compare", str(old)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "~ azure-native:consumption:Budget churn-prediction-budget-budget (amount)" in text
    assert "- azure-native:containerservice:ManagedCluster telemetry-stream-aks-aks" in text
    assert "projects removed: telemetry-stream" in text

    refused = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "-q", "--compare", str(old), "--fail-on-remove"])
    assert refused.exit_code == 4
    assert "would be removed" in refused.output


def test_compare_with_the_same_plan_changes_nothing(factory_dir: Path, tmp_path: Path):
    old = tmp_path / "old.json"
    runner.invoke(app, ["plan", "-s", "test", "--dir", str(factory_dir), "--json", str(old), "-q"])
    result = runner.invoke(app, ["plan", "-s", "test", "--dir", str(factory_dir), "-q", "--compare", str(old), "--fail-on-remove"])
    assert result.exit_code == 0, result.output
    assert "0 to add, 0 to change, 0 to remove" in result.output


def test_compare_refuses_a_file_that_is_not_a_plan(factory_dir: Path, tmp_path: Path):
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"not": "a plan"}')
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "--compare", str(bogus)])
    assert result.exit_code == 2
    assert f"{bogus}: --compare: not a plan JSON" in " ".join(result.output.split())


def test_differing_keys_names_nested_paths():
    from aifactory.tools.compare import differing_keys

    old = {"sku": {"name": "basic"}, "tags": {"a": "1"}, "list": [1, 2]}
    new = {"sku": {"name": "standard"}, "tags": {"a": "1", "b": "2"}, "list": [1, 3]}
    assert differing_keys(old, new) == ["list", "sku.name", "tags.b"]
    assert differing_keys(old, old) == []


def test_a_closed_pipe_is_not_a_failure(factory_dir: Path):
    """`aifactory plan | head -1`: the reader leaves early; the plan still exits with its own code, quietly."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aifactory", "plan", "-s", "dev", "--dir", str(factory_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    code = process.wait(timeout=120)
    errors = process.stderr.read().decode()
    assert code == 0, errors
    assert "Traceback" not in errors and "BrokenPipe" not in errors


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("aifactory ")


def test_internal_errors_exit_3_and_ask_for_a_report(factory_dir: Path, monkeypatch):
    import aifactory.tools.plan as plan_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(plan_module, "run_plan", broken)
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == 3
    assert "a bug in aifactory, please report it" in result.output and "boom" in result.output


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root, check=True, capture_output=True)


def test_plan_changed_since_plans_only_the_changed_slices(factory_dir: Path, tmp_path: Path):
    _git(factory_dir, "init", "-q")
    _git(factory_dir, "add", "-A")
    _git(factory_dir, "commit", "-q", "-m", "base")
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "--changed-since", "HEAD", "-q"])
    assert result.exit_code == 0, result.output
    assert "nothing changed since HEAD" in result.output

    request = factory_dir / "projects" / "churn-prediction.yaml"
    data = load_yaml(request)
    data["description"] = "changed"
    write_yaml(request, data)
    out = tmp_path / "plans.json"
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "--changed-since", "HEAD", "-q", "--json", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert [p["scope"] for p in document["plans"]] == ["platform", "project:churn-prediction"]
    assert [s["stack"] for s in document["changes"]["stacks"]] == ["dev-platform", "dev-churn-prediction"]
    assert "dev-churn-prediction: projects/churn-prediction.yaml" in result.output


def test_plan_changed_since_refuses_what_needs_one_plan(factory_dir: Path):
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir), "--changed-since", "HEAD", "--compare", "x.json"])
    assert result.exit_code == 2
    assert "--changed-since plans several stacks" in result.output


def test_worker_processes_make_the_same_plan_as_one(factory_dir: Path):
    """Sharding projects over forked workers is an implementation detail: the JSON is byte for byte the same."""
    one = run_plan(factory_dir, "dev", workers=1).to_dict()
    two = run_plan(factory_dir, "dev", workers=2).to_dict()
    assert len(one["resources"]) > 200
    assert json.dumps(two, indent=2) == json.dumps(one, indent=2)


def test_the_plan_json_is_the_plan_with_one_line_per_resource():
    from aifactory.tools.plan import render_plan_json

    data = run_plan(REPO, "prod").to_dict()
    text = render_plan_json(data)
    assert json.loads(text) == data
    lines = text.splitlines()
    assert sum(1 for line in lines if line.startswith('    {"urn": ')) == len(data["resources"])
    assert render_plan_json({"resources": [], "violations": [], "x": {"a": 1}}) == '{\n  "resources": [],\n  "violations": [],\n  "x": {\n    "a": 1\n  }\n}\n'
