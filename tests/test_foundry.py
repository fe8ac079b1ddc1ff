"""GenAI on Microsoft Foundry: the Foundry resource and project, the Agent Service standard setup, its network,
its DNS, its keyless access and the order Azure needs, as the dev plan registers them."""

from __future__ import annotations

import ipaddress

import pytest

from aifactory.core.access import Role
from aifactory.tools.plan import Plan, run_plan
from tests.conftest import REPO

COPILOT = "support-copilot"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_plan(REPO, "dev")


def of(plan: Plan, type_token: str) -> list:
    owner = plan.project_of()
    return [r for r in plan.custom_resources if r.type == type_token and owner[r.urn] == COPILOT]


def by_name(plan: Plan, suffix: str):
    return next(r for r in plan.custom_resources if r.name == f"{COPILOT}-{suffix}")


def test_the_foundry_resource_is_private_keyless_and_injects_the_agent_subnet(plan: Plan):
    account = by_name(plan, "aif-account")
    inputs = account.inputs
    assert inputs["kind"] == "AIServices" and inputs["identity"] == {"type": "SystemAssigned"}
    properties = inputs["properties"]
    assert properties["allowProjectManagement"] is True
    assert properties["customSubDomainName"] == inputs["accountName"]
    assert (properties["disableLocalAuth"], properties["publicNetworkAccess"]) == (True, "Disabled")
    assert properties["networkAcls"]["defaultAction"] == "Deny"
    spoke = next(r for r in plan.custom_resources if r.type == "azure-native:network:VirtualNetwork" and r.inputs["virtualNetworkName"] == "vnet-aif-support-copilot-dev")
    assert properties["networkInjections"] == [
        {"scenario": "agent", "subnetArmId": f"{spoke.id}/subnets/snet-agents", "useMicrosoftManagedNetwork": False}
    ]
    deployments = {d.inputs["deploymentName"]: d.inputs for d in of(plan, "azure-native:cognitiveservices:Deployment")}
    assert set(deployments) == {"chat", "embeddings"} and deployments["chat"]["sku"]["capacity"] == 50
    assert not of(plan, "azure-native:cognitiveservices:AccountCapabilityHost")  # Azure makes it with the injection


def test_the_agent_subnet_is_delegated_exactly_and_outside_class_a(plan: Plan):
    spoke = next(r for r in plan.custom_resources if r.type == "azure-native:network:VirtualNetwork" and r.inputs["virtualNetworkName"] == "vnet-aif-support-copilot-dev")
    agents = next(s for s in spoke.inputs["subnets"] if s["name"] == "snet-agents")
    assert agents["delegations"] == [{"name": "delegation-agents", "serviceName": "Microsoft.App/environments"}]
    network = ipaddress.ip_network(agents["addressPrefix"])
    assert network.prefixlen == 24 and not network.overlaps(ipaddress.ip_network("10.0.0.0/8"))


def test_the_project_has_its_own_identity_and_the_team_its_roles_on_it(plan: Plan):
    project = by_name(plan, "aif-project")
    assert project.inputs["identity"] == {"type": "SystemAssigned"}
    grants = [r.inputs for r in plan.custom_resources if r.type == "azure-native:authorization:RoleAssignment" and r.inputs["scope"] == project.id]
    roles = {(g["principalId"], g["roleDefinitionId"].rsplit("/", 1)[-1]) for g in grants}
    assert ("1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", Role.AZURE_AI_PROJECT_MANAGER.value) in roles  # owners
    assert ("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", Role.AZURE_AI_USER.value) in roles  # members


def test_the_agent_dependencies_are_private_and_keyless(plan: Plan):
    cosmos = of(plan, "azure-native:cosmosdb:DatabaseAccount")[0].inputs
    assert (cosmos["publicNetworkAccess"], cosmos["disableLocalAuth"], cosmos["disableKeyBasedMetadataWriteAccess"]) == ("Disabled", True, True)
    assert cosmos["minimalTlsVersion"] == "Tls12" and cosmos["databaseAccountOfferType"] == "Standard"
    storage = next(r.inputs for r in of(plan, "azure-native:storage:StorageAccount"))
    assert (storage["publicNetworkAccess"], storage["allowSharedKeyAccess"]) == ("Disabled", False)
    search = next(r.inputs for r in of(plan, "azure-native:search:Service"))
    assert (search["publicNetworkAccess"], search["disableLocalAuth"]) == ("Disabled", True)


def test_connections_use_entra_id_and_the_capability_host_names_them(plan: Plan):
    connections = {c.inputs["connectionName"]: c.inputs["properties"] for c in of(plan, "azure-native:cognitiveservices:ProjectConnection")}
    assert {name: (p["authType"], p["category"]) for name, p in connections.items()} == {
        "cosmos-threads": ("AAD", "CosmosDb"),
        "storage-files": ("AAD", "AzureStorageAccount"),
        "search-vectors": ("AAD", "CognitiveSearch"),
    }
    host = of(plan, "azure-native:cognitiveservices:ProjectCapabilityHost")[0].inputs
    assert host["projectCapabilityHostProperties"] == {
        "threadStorageConnections": ["cosmos-threads"],
        "vectorStoreConnections": ["search-vectors"],
        "storageConnections": ["storage-files"],
    }


def test_the_project_identity_gets_exactly_the_agent_roles(plan: Plan):
    identity_grants = [
        r.inputs for r in plan.custom_resources
        if r.type == "azure-native:authorization:RoleAssignment" and r.name.startswith(f"{COPILOT}-agents-ra-")
    ]
    assert {g["roleDefinitionId"].rsplit("/", 1)[-1] for g in identity_grants} == {
        Role.COSMOS_DB_OPERATOR.value, Role.STORAGE_BLOB_DATA_CONTRIBUTOR.value,
        Role.SEARCH_INDEX_DATA_CONTRIBUTOR.value, Role.SEARCH_SERVICE_CONTRIBUTOR.value,
    }
    assert len({g["principalId"] for g in identity_grants}) == 1
    sql = of(plan, "azure-native:cosmosdb:SqlResourceSqlRoleAssignment")[0].inputs
    cosmos = of(plan, "azure-native:cosmosdb:DatabaseAccount")[0]
    assert sql["roleDefinitionId"] == f"{cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002"
    assert sql["scope"] == f"{cosmos.id}/dbs/enterprise_memory"
    assert sql["principalId"] == identity_grants[0]["principalId"]
    assert "Keys" not in str(plan.outputs["projects"][COPILOT])


def test_resources_come_in_the_order_azure_needs(plan: Plan):
    host = of(plan, "azure-native:cognitiveservices:ProjectCapabilityHost")[0]
    roles = {r.urn for r in plan.custom_resources if r.name.startswith(f"{COPILOT}-agents-ra-")}
    connections = {c.urn for c in of(plan, "azure-native:cognitiveservices:ProjectConnection")}
    assert roles | connections <= set(host.dependencies)
    sql = of(plan, "azure-native:cosmosdb:SqlResourceSqlRoleAssignment")[0]
    assert host.urn in sql.dependencies
    named = {c.inputs["connectionName"]: c for c in of(plan, "azure-native:cognitiveservices:ProjectConnection")}
    assert named["cosmos-threads"].urn in named["storage-files"].dependencies  # one at a time
    assert named["storage-files"].urn in named["search-vectors"].dependencies
    account_endpoint = by_name(plan, "aif-pep-account-pep")
    assert by_name(plan, "aif-project").urn in account_endpoint.dependencies


def test_every_zone_the_agents_need_is_in_the_hub_and_linked_to_the_spoke(plan: Plan):
    zones = {"privatelink.cognitiveservices.azure.com", "privatelink.openai.azure.com", "privatelink.services.ai.azure.com",
             "privatelink.documents.azure.com", "privatelink.search.windows.net", "privatelink.blob.core.windows.net"}
    hub = {r.inputs["privateZoneName"] for r in plan.custom_resources if r.type == "azure-native:privatedns:PrivateZone"}
    linked = {r.inputs["privateZoneName"] for r in of(plan, "azure-native:privatedns:VirtualNetworkLink")}
    assert zones <= hub and zones <= linked


def test_without_agents_the_subnet_is_plain_and_no_dependencies_are_made(factory_dir):
    from tests.conftest import load_yaml, write_yaml

    path = factory_dir / "projects" / "support-copilot.yaml"
    data = load_yaml(path)
    data["environments"]["dev"]["services"] = {"agents": False}
    write_yaml(path, data)
    plan = run_plan(factory_dir, "dev", overrides={"scope": f"project:{COPILOT}"})
    types = {r.type for r in plan.custom_resources}
    assert "azure-native:cosmosdb:DatabaseAccount" not in types and "azure-native:cognitiveservices:ProjectCapabilityHost" not in types
    account = next(r for r in plan.custom_resources if r.name == f"{COPILOT}-aif-account")
    assert "networkInjections" not in account.inputs["properties"]
    spoke = next(r for r in plan.custom_resources if r.type == "azure-native:network:VirtualNetwork")
    assert "delegations" not in next(s for s in spoke.inputs["subnets"] if s["name"] == "snet-agents")
