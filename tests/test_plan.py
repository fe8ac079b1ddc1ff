"""The offline plan and the CLI: what the dev stack creates, JSON shape, determinism, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aifactory.tools.cli import app
from aifactory.tools.plan import run_plan
from tests.conftest import load_yaml, write_yaml

runner = CliRunner()


@pytest.fixture(scope="module")
def dev_plan():
    return run_plan(Path(__file__).resolve().parent.parent, "dev")


def test_dev_plan_shows_hub_spokes_and_address_plan(dev_plan):
    data = dev_plan.to_dict()
    assert data["stack"] == "dev" and data["environment"] == "dev"
    assert data["network"]["pool"] == "10.64.0.0/16"
    assert data["network"]["hub"] == "10.60.0.0/23"
    assert data["network"]["projects"]["churn-prediction"]["cidr"] == "10.64.0.0/24"
    assert data["network"]["projects"]["telemetry-stream"]["subnets"]["aks"] == "10.64.2.0/24"
    assert data["violations"] == []
    types = {r["type"] for r in data["resources"]}
    assert {"aifactory:network:HubNetwork", "aifactory:network:ProjectSpoke", "azure-native:network:VirtualNetwork"} <= types
    for resource in data["resources"]:
        assert set(resource) >= {"urn", "type", "name", "parent", "inputs"}
    vnets = {r["inputs"]["virtualNetworkName"] for r in data["resources"] if r["type"] == "azure-native:network:VirtualNetwork"}
    assert vnets == {"vnet-aif-hub-dev", "vnet-aif-churn-prediction-dev", "vnet-aif-support-copilot-dev", "vnet-aif-telemetry-stream-dev"}
    assert data["summary"]["byProject"]["churn-prediction"] > 0


def test_plan_is_identical_on_every_run(dev_plan):
    again = run_plan(Path(__file__).resolve().parent.parent, "dev")
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(dev_plan.to_dict(), sort_keys=True)


def _accepts_tags(type_token: str) -> bool:
    import importlib
    import inspect

    _, module, name = type_token.split(":")
    cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    return "tags" in inspect.signature(cls._internal_init).parameters


def test_every_taggable_resource_carries_environment_and_project_tags(dev_plan):
    owner = dev_plan.project_of()
    azure = [r for r in dev_plan.custom_resources if r.type.startswith("azure-native:")]
    # a Data Factory managed VNet is an ARM child resource without tags (made with the generic Resource)
    taggable = [r for r in azure if _accepts_tags(r.type) and r.type != "azure-native:resources:Resource"]
    assert len(taggable) > 50
    for resource in taggable:
        tags = resource.inputs.get("tags")
        assert tags, f"{resource.urn} has no tags"
        assert tags["environment"] == "dev" and tags["managedBy"] == "aifactory" and tags["owner"] == "platform-team"
        if owner[resource.urn]:
            assert tags["project"] == owner[resource.urn] and tags["costCenter"].startswith("CC-"), resource.urn


def test_adding_a_project_changes_no_other_projects_resources(factory_dir: Path):
    before = run_plan(factory_dir, "dev")
    write_yaml(
        factory_dir / "projects" / "new-one.yaml",
        {
            "name": "new-one",
            "type": "genai",
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
        (["plan", "-s", "dev", "--config", "addressPool"], "--config takes KEY=VALUE"),
        (["plan", "-s", "dev", "--config", "hub={bad json"], "value is not valid JSON"),
        (["plan", "-s", "dev", "--config", "prefix=UPPER"], "Pulumi.dev.yaml: prefix: invalid naming prefix"),
    ],
)
def test_cli_bad_input_exits_2_with_one_message(factory_dir: Path, args, expected):
    result = runner.invoke(app, [*args, "--dir", str(factory_dir)])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_cli_bad_project_file_names_file_and_field(factory_dir: Path):
    path = factory_dir / "projects" / "support-copilot.yaml"
    data = load_yaml(path)
    data["owners"][0]["objectId"] = "12345"
    write_yaml(path, data)
    result = runner.invoke(app, ["plan", "-s", "dev", "--dir", str(factory_dir)])
    assert result.exit_code == 2
    assert f"{path}: owners[0].objectId: objectId must be a GUID" in " ".join(result.output.split())
    assert "Traceback" not in result.output
