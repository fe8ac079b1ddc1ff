"""Inputs Azure accepts: every resource of the dev, test and prod plans (and of a plan with every service and
option switched on) is checked against the installed azure-native SDK itself: no property the SDK does not
know, every enum value exactly one of the SDK enum's values, every property the SDK requires (or documents as
"Required on create") set. Derived from the SDK (``tests/sdk_inputs.py``), not from a hand list."""

from __future__ import annotations

import pytest

from aifactory.core.arm_ids import known_type
from aifactory.tools.plan import run_plan
from tests.conftest import REPO, write_yaml
from tests.sdk_inputs import check_inputs

SERVICE_REQUIRES: dict[tuple[str, str, str], str] = {
    ("azure-native:cognitiveservices:ProjectConnection", "properties.category", "AzureStorageAccount"): (
        "the Agent Service's capability host works only with this category for its file storage ('AzureBlob' is not "
        "supported); the SDK's ConnectionCategory (API 2025-06-01) predates it and is an open enum that accepts any "
        "string (Azure/bicep-ptn-aiml-landing-zone modules/ai-foundry/project/main.bicep)"
    ),
}
"""Values the service needs that the SDK's (open) enum lacks, each with its source. Nothing else is excused."""


def problems_of(plan) -> list[str]:
    found = []
    for resource in plan.custom_resources:
        for problem in check_inputs(resource.type, resource.inputs):
            path, _, rest = problem.partition(": ")
            value = rest.split("'")[1] if rest.startswith("enum") and "'" in rest else None
            if (resource.type, path, value) in SERVICE_REQUIRES:
                continue
            found.append(f"{resource.name} ({resource.type}): {problem}")
    return found


@pytest.fixture(scope="module")
def everything_plan(tmp_path_factory):
    """dev with the firewall, bastion and ML registry on, and a genai project with every optional service."""
    import shutil

    root = tmp_path_factory.mktemp("everything")
    for stack in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack, root / stack.name)
    shutil.copytree(REPO / "projects", root / "projects")
    write_yaml(
        root / "projects" / "genai-all.yaml",
        {
            "name": "genai-all",
            "type": "genai",
            "costCenter": "CC-1",
            "owners": [{"objectId": "6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d", "type": "Group"}],
            "readers": [{"objectId": "9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a", "type": "User"}],
            "services": {"aiservices": {"deployments": [{"name": "chat", "model": "gpt-4o", "version": "2024-11-20"}]}},
            "environments": {"dev": {"cidr": "172.16.2.0/23", "services": {"aiservices": True, "search": True, "aml": True}}},
        },
    )
    overrides = {"hub.firewall": "true", "hub.bastion": "true", "mlRegistry": "true", "platformBudget": '{"monthlyAmount": 100}'}
    return run_plan(root, "dev", overrides=overrides)


@pytest.mark.parametrize("stack", ["dev", "test", "prod"])
def test_shipped_plans_send_what_the_sdk_accepts(stack):
    assert problems_of(run_plan(REPO, stack)) == []


def test_a_plan_with_everything_on_sends_what_the_sdk_accepts(everything_plan):
    types = {r.type for r in everything_plan.custom_resources}
    assert {"azure-native:network:AzureFirewall", "azure-native:network:BastionHost", "azure-native:machinelearningservices:Registry",
            "azure-native:search:Service", "azure-native:machinelearningservices:Workspace"} <= types
    assert problems_of(everything_plan) == []


def test_every_type_the_plans_register_has_its_azure_id_rule(everything_plan):
    missing = sorted({r.type for r in everything_plan.custom_resources if not known_type(r.type)})
    assert missing == []


def test_the_checker_catches_what_the_old_plans_sent():
    """The inputs main shipped before this check existed, each refused for the reason the SDK gives."""
    search = {"resourceGroupName": "rg", "publicNetworkAccess": "disabled", "hostingMode": "default", "sku": {"name": "basic"}}
    assert any("publicNetworkAccess: enum" in p for p in check_inputs("azure-native:search:Service", search))
    assert any("hostingMode: enum" in p for p in check_inputs("azure-native:search:Service", search))
    databricks = {"resourceGroupName": "rg", "managedResourceGroupId": "/subscriptions/x/resourceGroups/y", "sku": {"name": "premium"}}
    assert any(p.startswith("computeMode: required") for p in check_inputs("azure-native:databricks:Workspace", databricks))
