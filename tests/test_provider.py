"""The components as a Pulumi package for every language: the schema the plugin serves, and each component
constructed from plain inputs the way the plugin constructs it.

No Pulumi CLI is needed. The schema comes from the SDK's own ``ComponentProvider`` through the gRPC
servicer's ``GetSchema`` (in-process). Construction goes through the provider's real construct path:
inputs as they cross the wire (a protobuf ``Struct``, numbers as doubles) deserialized by the servicer's
``_construct_inputs``, mapped by ``ComponentProvider.construct`` onto the component, under Pulumi mocks
(``aifactory.tools.plan.record``), and the result serialized by the servicer's ``_construct_response``.
Only the gRPC transport and the engine are left out of construction; the plugin itself is also started the way
Pulumi's Python host starts it and asked for its schema over gRPC on loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import runpy
import select
import subprocess
import sys
from typing import Any, Mapping, Optional

import grpc
import pulumi
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.errors import InputPropertyError
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError, ProviderServicer
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from aifactory.components import (
    AksCluster as PyAksCluster,
    AksClusterArgs,
    ComponentSettings,
    EventHubs as PyEventHubs,
    EventHubsArgs,
    FirewallRule as PyFirewallRule,
    HubNetwork as PyHubNetwork,
    HubNetworkArgs,
    MachineLearningWorkspace as PyMachineLearningWorkspace,
    MachineLearningWorkspaceArgs,
    NodePool as PyNodePool,
    ServicePlacement,
)
from aifactory.components.datalake import lake_account_name
from aifactory.components.foundry import FoundryProject as PyFoundryProject
from aifactory.components.foundry import FoundryProjectArgs
from aifactory.components.machine_learning import ComputeCluster as PyComputeCluster
from aifactory.components.machine_learning import LakeDatastore as PyLakeDatastore
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.core.access import Role
from aifactory.core.errors import ComponentArgsError, Problem
from aifactory.core.naming import NamingContext
from aifactory.provider import COMPONENTS, NAMESPACE, PACKAGE_NAME, package_version, type_token
from aifactory.provider.inputs import camel_path, from_wire
from aifactory.services import builtin_catalog
from aifactory.tools.plan import PlannedResource, Recording, record
from tests.conftest import REPO

SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
HUB_SUB = "8b0e6d4c-1a2f-4e3d-9c5b-7a6f5e4d3c21"
TENANT = "0e1d2c3b-4a59-4867-9584-a3b2c1d0e9f8"
GROUP = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
LOCATION = "swedencentral"
NAMING = {"prefix": "aif", "environment": "dev", "subscriptionId": SUB}
CONTEXT = NamingContext("aif", "dev", SUB)

HUB_RG = "rg-aif-hub-dev"
HUB_VNET = f"/subscriptions/{SUB}/resourceGroups/{HUB_RG}/providers/Microsoft.Network/virtualNetworks/vnet-aif-hub-dev"
ZONE_IDS = {
    zone: f"/subscriptions/{SUB}/resourceGroups/{HUB_RG}/providers/Microsoft.Network/privateDnsZones/{zone}"
    for zone in builtin_catalog().zones(LOCATION)
}
RG = "rg-aif-churn-dev"
SPOKE_VNET = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet-aif-churn-dev"
PEP_SUBNET = f"{SPOKE_VNET}/subnets/snet-pep"
LOG = f"/subscriptions/{SUB}/resourceGroups/rg-aif-platform-dev/providers/Microsoft.OperationalInsights/workspaces/log-aif-dev"
KEY_VAULT = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/kv-aif-churn-dev"
LAKE_NAME = lake_account_name(CONTEXT)
LAKE_ID = f"/subscriptions/{SUB}/resourceGroups/rg-aif-platform-dev/providers/Microsoft.Storage/storageAccounts/{LAKE_NAME}"
PLACEMENT = {
    "project": "churn",
    "location": LOCATION,
    "resourceGroupName": RG,
    "endpointSubnetId": PEP_SUBNET,
    "dnsZoneIds": ZONE_IDS,
    "logAnalyticsWorkspaceId": LOG,
}
GROUP_GRANT = {"principalId": GROUP, "principalType": "Group"}

# Plain inputs, spelled as the schema spells them (what a TypeScript or YAML program sends).
INPUTS: dict[str, dict[str, Any]] = {
    "HubNetwork": {
        "naming": NAMING,
        "location": LOCATION,
        "cidr": "10.60.0.0/23",
        "firewall": True,
        "bastion": True,
        "egress": [{"name": "aks", "kind": "application", "sources": ["10.64.0.0/22"], "protocols": ["Https:443"],
                    "fqdnTags": ["AzureKubernetesService"]}],
        "tags": {"owner": "platform"},
    },
    "ProjectSpoke": {
        "naming": NAMING,
        "project": "churn",
        "location": LOCATION,
        "cidr": "10.64.0.0/22",
        "subnets": [
            {"name": "pep", "prefixLength": 26, "privateEndpoints": True},
            {"name": "aks", "prefixLength": 24},
            {"name": "dbw-host", "prefixLength": 26, "minPrefixLength": 26, "delegation": "Microsoft.Databricks/workspaces"},
            {"name": "dbw-container", "prefixLength": 26, "minPrefixLength": 26, "delegation": "Microsoft.Databricks/workspaces"},
        ],
        "hub": {"vnetId": HUB_VNET, "dnsZoneIds": ZONE_IDS, "firewallPrivateIp": "10.60.1.4"},
        "dnsZones": ["privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"],
    },
    "DataLake": {
        "naming": NAMING,
        "placement": {**{k: v for k, v in PLACEMENT.items() if k != "project"}, "resourceGroupName": "rg-aif-platform-dev",
                      "endpointSubnetId": f"{HUB_VNET}/subnets/snet-pep"},
        "protection": {"protect": True, "deleteLock": True},
        "projectAreas": [{"project": "churn", "grants": [{**GROUP_GRANT, "role": "write"}]}],
    },
    "ProjectLakeArea": {
        "naming": NAMING,
        "project": "churn",
        "accountName": LAKE_NAME,
        "accountId": LAKE_ID,
        "resourceGroupName": "rg-aif-platform-dev",
        "grants": [{**GROUP_GRANT, "role": "read"}],
    },
    "MachineLearningWorkspace": {
        "naming": NAMING,
        "placement": PLACEMENT,
        "keyVaultId": KEY_VAULT,
        "compute": {"maxNodes": 2},
        "lake": {"accountId": LAKE_ID, "accountName": LAKE_NAME, "filesystem": "prj-churn"},
        "grants": [{**GROUP_GRANT, "role": "dataScientist"}],
    },
    "DatabricksWorkspace": {
        "naming": NAMING,
        "placement": PLACEMENT,
        "subnets": {"vnetId": SPOKE_VNET, "hostSubnetName": "snet-dbw-host", "hostSubnetCidr": "10.64.1.64/26",
                    "containerSubnetName": "snet-dbw-container", "containerSubnetCidr": "10.64.1.128/26"},
        "grants": [{**GROUP_GRANT, "role": "reader"}],
    },
    "EventHubs": {
        "naming": NAMING,
        "placement": PLACEMENT,
        "capacity": 2,
        "hubs": [{"name": "events", "partitions": 8, "consumerGroups": ["scoring"]}],
        "grants": [{**GROUP_GRANT, "role": "sender"}],
    },
    "AksCluster": {
        "naming": NAMING,
        "placement": PLACEMENT,
        "nodeSubnetId": f"{SPOKE_VNET}/subnets/snet-aks",
        "nodeSubnetCidr": "10.64.2.0/24",
        "tenantId": TENANT,
        "systemPool": {"vmSize": "Standard_D8ds_v5"},
        "userPoolEnabled": False,
        "privateDnsZoneId": ZONE_IDS[f"privatelink.{LOCATION}.azmk8s.io"],
        "grants": [{**GROUP_GRANT, "role": "clusterUser"}],
    },
    "FoundryProject": {
        "naming": NAMING,
        "placement": PLACEMENT,
        "deployments": [{"name": "chat", "model": "gpt-4o", "version": "2024-11-20", "capacity": 50}],
        "agentSubnetId": f"{SPOKE_VNET}/subnets/snet-agents",
        "grants": [{**GROUP_GRANT, "role": "user"}],
    },
}

# What the schema must say of each component: (required inputs, optional inputs, required outputs, optional outputs).
SERVICE_OPTIONAL = {"grants", "tags"}
EXPECTED: dict[str, tuple[set[str], set[str], set[str], set[str]]] = {
    "HubNetwork": (
        {"naming", "location"},
        {"cidr", "existing", "dnsZones", "firewall", "bastion", "egress", "tags"},
        {"vnetId", "resourceGroupName", "endpointSubnetId", "dnsZoneIds"},
        {"firewallPrivateIp"},
    ),
    "ProjectSpoke": (
        {"naming", "project", "location", "cidr", "subnets", "hub"},
        {"dnsZones", "routeEgressToFirewall", "tags"},
        {"resourceGroupName", "vnetId", "vnetName", "subnetIds", "subnetNames", "subnetCidrs"},
        {"routeTableId"},
    ),
    "DataLake": (
        {"naming", "placement"},
        {"sharedAreas", "sku", "softDeleteDays", "lifecycle", "protection", "allowPublicNetworkAccess", "projectAreas", "tags"},
        {"accountId", "accountName", "dfsEndpoint", "sharedAreaUrls", "sharedAreaScopes", "projectAreaUrls", "projectAreaScopes"},
        set(),
    ),
    "ProjectLakeArea": (
        {"naming", "project", "accountName", "accountId", "resourceGroupName"},
        {"protect", "grants"},
        {"filesystem", "url", "scope"},
        set(),
    ),
    "MachineLearningWorkspace": (
        {"naming", "placement", "keyVaultId"},
        {"containerRegistryId", "applicationInsightsId", "isolationMode", "compute", "computeEnabled", "lake",
         "attachedAksId", "storageSku", "zoneRedundant", "protection"} | SERVICE_OPTIONAL,
        {"workspaceId", "workspaceName", "principalId"},
        set(),
    ),
    "DatabricksWorkspace": (
        {"naming", "placement", "subnets"},
        SERVICE_OPTIONAL,
        {"workspaceId", "workspaceName", "workspaceUrl"},
        set(),
    ),
    "EventHubs": (
        {"naming", "placement"},
        {"sku", "capacity", "zoneRedundant", "hubs"} | SERVICE_OPTIONAL,
        {"namespaceId", "namespaceName", "fqdn"},
        set(),
    ),
    "AksCluster": (
        {"naming", "placement", "nodeSubnetId", "nodeSubnetCidr", "tenantId"},
        {"podCidr", "serviceCidr", "dnsServiceIp", "reservedRanges", "adminGroupObjectIds", "systemPool", "userPool",
         "userPoolEnabled", "kubernetesVersion", "tier", "privateDnsZoneId", "routeTableId"} | SERVICE_OPTIONAL,
        {"clusterId", "clusterName", "oidcIssuerUrl", "kubeletPrincipalId"},
        set(),
    ),
    "FoundryProject": (
        {"naming", "placement"},
        {"deployments", "agentSubnetId", "displayName", "description", "sku"} | SERVICE_OPTIONAL,
        {"accountId", "accountName", "projectId", "projectName", "endpoint", "projectEndpoint", "projectPrincipalId"},
        set(),
    ),
}

PROVIDER = ComponentProvider(COMPONENTS, PACKAGE_NAME, NAMESPACE, package_version())
SERVICER = ProviderServicer(PROVIDER, [], engine_address="")


# --- the schema -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The schema exactly as the plugin answers the engine's GetSchema (the CLI generates SDKs from it)."""
    response = asyncio.run(SERVICER.GetSchema(provider_pb2.GetSchemaRequest(version=0), None))
    return json.loads(response.schema)


def ref_name(prop: Mapping[str, Any]) -> Optional[str]:
    ref = prop.get("$ref")
    return ref.rsplit(":", 1)[-1] if ref else None


def test_the_package_has_a_stable_name_namespace_and_the_projects_version(schema):
    assert (schema["name"], schema["namespace"], schema["displayName"]) == ("aifactory", "aifactory", "aifactory")
    assert schema["version"] == package_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+([-+].+)?", schema["version"]), "SDK codegen needs a semver version"
    pyproject = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert pyproject and schema["version"] == pyproject.group(1), "a release tag v<version> must carry this version"


def test_every_component_is_exported_under_its_token(schema):
    names = [component.__name__ for component in COMPONENTS]
    assert set(EXPECTED) == set(names), "EXPECTED lists every exported component"
    assert sorted(schema["resources"]) == sorted(type_token(name) for name in names)
    assert all(schema["resources"][type_token(name)]["isComponent"] for name in names)
    assert {"HubNetwork", "ProjectSpoke", "DataLake", "MachineLearningWorkspace", "DatabricksWorkspace", "EventHubs",
            "AksCluster", "FoundryProject"} <= set(names)


@pytest.mark.parametrize("component", sorted(EXPECTED))
def test_each_component_has_its_inputs_required_and_optional_and_its_outputs(schema, component):
    resource = schema["resources"][type_token(component)]
    required_inputs, optional_inputs, required_outputs, optional_outputs = EXPECTED[component]
    assert set(resource["inputProperties"]) == required_inputs | optional_inputs
    assert set(resource["requiredInputs"]) == required_inputs
    assert set(resource["properties"]) == required_outputs | optional_outputs
    assert set(resource["required"]) == required_outputs


def described(prop: Mapping[str, Any]) -> bool:
    return bool((prop.get("description") or "").strip())


def test_every_component_input_output_type_and_property_is_described(schema):
    missing = []
    for token, resource in schema["resources"].items():
        if not described(resource):
            missing.append(token)
        for kind in ("inputProperties", "properties"):
            missing += [f"{token}.{kind}.{name}" for name, prop in resource[kind].items() if not described(prop)]
    for token, type_spec in schema["types"].items():
        if not described(type_spec):
            missing.append(token)
        missing += [f"{token}.{name}" for name, prop in type_spec["properties"].items() if not described(prop)]
    assert not missing, missing
    texts = [resource["description"] for resource in schema["resources"].values()]
    assert all(not re.search(r"\n[ \t]", text) for text in texts), "descriptions are dedented"
    assert all("``" not in json.dumps(prop) for prop in schema["types"].values()), "descriptions are Markdown, not reST"


def test_nested_types_maps_and_lists_are_typed(schema):
    types = schema["types"]
    assert sorted(name.rsplit(":", 1)[-1] for name in types) == sorted([
        "ComputeCluster", "DatabricksSubnets", "EventHub", "ExistingHub", "FirewallRule", "HubConnection",
        "LakeDatastore", "LakeLifecycle", "ModelDeployment", "Naming", "NodePool", "Placement", "ProjectArea",
        "Protection", "RoleGrant", "Subnet",
    ])
    assert all(token.startswith("aifactory:index:") for token in types)
    naming = types["aifactory:index:Naming"]
    assert set(naming["required"]) == {"prefix", "environment", "subscriptionId"}
    placement = types["aifactory:index:Placement"]["properties"]
    assert placement["dnsZoneIds"]["type"] == "object" and placement["dnsZoneIds"]["additionalProperties"]["type"] == "string"
    assert set(types["aifactory:index:Placement"]["required"]) == {"location", "resourceGroupName", "logAnalyticsWorkspaceId"}
    hub = schema["resources"]["aifactory:index:HubNetwork"]
    assert ref_name(hub["inputProperties"]["existing"]) == "ExistingHub"
    assert ref_name(hub["inputProperties"]["egress"]["items"]) == "FirewallRule"
    assert hub["properties"]["dnsZoneIds"]["additionalProperties"]["type"] == "string"
    spoke = schema["resources"]["aifactory:index:ProjectSpoke"]
    assert ref_name(spoke["inputProperties"]["subnets"]["items"]) == "Subnet"
    assert types["aifactory:index:Subnet"]["properties"]["prefixLength"]["type"] == "integer"
    lake = schema["resources"]["aifactory:index:DataLake"]["inputProperties"]
    assert ref_name(lake["projectAreas"]["items"]) == "ProjectArea"
    assert ref_name(types["aifactory:index:ProjectArea"]["properties"]["grants"]["items"]) == "RoleGrant"
    assert types["aifactory:index:FirewallRule"]["properties"]["sources"]["items"]["type"] == "string"
    for token, resource in schema["resources"].items():
        assert ref_name(resource["inputProperties"]["naming"]) == "Naming", token
        if "placement" in resource["inputProperties"]:
            assert ref_name(resource["inputProperties"]["placement"]) == "Placement", token
        if "grants" in resource["inputProperties"]:
            assert ref_name(resource["inputProperties"]["grants"]["items"]) == "RoleGrant", token


def test_what_is_checked_at_plan_time_is_plain_and_what_comes_from_resources_may_be_an_output(schema):
    """Names, CIDRs and zone names are checked when the program runs, so SDKs demand plain values for them;
    ids that other resources produce stay inputs (outputs allowed)."""
    types = schema["types"]
    assert all(prop.get("plain") for prop in types["aifactory:index:Naming"]["properties"].values())
    placement = types["aifactory:index:Placement"]["properties"]
    assert placement["location"].get("plain") and placement["project"].get("plain")
    assert not placement["resourceGroupName"].get("plain") and not placement["endpointSubnetId"].get("plain")
    assert placement["dnsZoneIds"].get("plain") and not placement["dnsZoneIds"]["additionalProperties"].get("plain")
    aks = schema["resources"]["aifactory:index:AksCluster"]["inputProperties"]
    assert aks["nodeSubnetCidr"].get("plain") and not aks["nodeSubnetId"].get("plain") and not aks["tenantId"].get("plain")
    spoke = schema["resources"]["aifactory:index:ProjectSpoke"]["inputProperties"]
    assert spoke["cidr"].get("plain") and spoke["subnets"].get("plain")
    hub_connection = types["aifactory:index:HubConnection"]["properties"]
    assert not hub_connection["vnetId"].get("plain") and not hub_connection["firewallPrivateIp"].get("plain")
    assert all(not prop.get("plain") for resource in schema["resources"].values() for prop in resource["properties"].values())


def test_type_names_leave_room_for_every_languages_generated_names(schema):
    """Go, C# and Python SDKs derive <Resource>Args/Input/Output/Array/Map/State names; a type must not take one."""
    resources = {token.rsplit(":", 1)[-1] for token in schema["resources"]}
    derived = {f"{name}{suffix}" for name in resources for suffix in ("", "Args", "Input", "Output", "Array", "Map", "State")}
    types = {token.rsplit(":", 1)[-1] for token in schema["types"]}
    type_derived = {f"{name}{suffix}" for name in types for suffix in ("Args", "Input", "Output", "Array", "Map", "Ptr")}
    assert not types & derived and not type_derived & derived


# --- the plugin -----------------------------------------------------------------------------------------


def test_the_plugin_manifest_runs_the_entry_point_with_python():
    manifest = yaml.safe_load((REPO / "provider" / "PulumiPlugin.yaml").read_text())
    runtime = manifest["runtime"]
    assert runtime == "python" or runtime["name"] == "python"
    assert (REPO / "provider" / "__main__.py").is_file()
    requirements = (REPO / "provider" / "requirements.txt").read_text().split()
    assert "-e" in requirements and ".." in requirements, "the plugin's virtualenv installs this checkout"


def test_the_entry_point_hosts_every_component_under_the_package_identity(monkeypatch):
    import pulumi.provider.experimental as experimental

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(experimental, "component_provider_host", lambda *args, **kwargs: calls.append((args, kwargs)))
    runpy.run_path(str(REPO / "provider" / "__main__.py"), run_name="__main__")
    assert calls == [((COMPONENTS,), {"name": PACKAGE_NAME, "namespace": NAMESPACE, "version": package_version()})]


def test_the_plugin_boots_as_the_language_host_runs_it_and_serves_the_schema_over_grpc(tmp_path):
    """`python <plugin folder> <engine address>` is how Pulumi's Python host starts it: it must print its port
    and answer GetPluginInfo and GetSchema (what `pulumi package add` asks) on loopback."""
    plugin = subprocess.Popen(
        [sys.executable, str(REPO / "provider"), "127.0.0.1:1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    try:
        ready, _, _ = select.select([plugin.stdout], [], [], 120)
        assert ready, "the plugin printed no port"
        port = plugin.stdout.readline().strip()  # type: ignore[union-attr]
        assert port.isdigit(), port + plugin.stderr.read()  # type: ignore[union-attr]
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            assert stub.GetPluginInfo(empty_pb2.Empty(), timeout=60).version == package_version()
            served = json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60).schema)
    finally:
        plugin.kill()
        plugin.wait()
    assert sorted(served["resources"]) == sorted(type_token(c.__name__) for c in COMPONENTS)
    assert served["version"] == package_version()


# --- construct, through the provider's construct path -------------------------------------------------------


def over_the_wire(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the provider receives them: a protobuf Struct (numbers are doubles) deserialized by the servicer."""
    struct = struct_pb2.Struct()
    struct.update(inputs)
    return asyncio.run(ProviderServicer._construct_inputs(struct, {}))


def construct(component: str, inputs: Mapping[str, Any], *, name: str = "churn",
              stack_sub: str = SUB) -> tuple[Recording, dict[str, Any]]:
    """Construct through ComponentProvider.construct under mocks; the state as the servicer sends it back."""
    wire = over_the_wire(inputs)
    states: list[dict[str, Any]] = []

    async def program() -> None:
        result = PROVIDER.construct(name, type_token(component), wire, None)
        response = await SERVICER._construct_response(result)
        states.append(rpc.deserialize_properties(response.state))

    rec = record(program, subscription_id=stack_sub)
    return rec, states[0]


def custom(rec: Recording) -> list[PlannedResource]:
    return [r for r in rec.resources if r.custom]


def by_type(rec: Recording, type_token_: str) -> list[dict[str, Any]]:
    return [r.inputs for r in rec.of_type(type_token_)]


def roles_granted(rec: Recording) -> set[tuple[str, str, str]]:
    """(principal, role definition GUID, scope) of every role assignment."""
    return {
        (a["principalId"], a["roleDefinitionId"].rsplit("/", 1)[-1], a["scope"])
        for a in by_type(rec, "azure-native:authorization:RoleAssignment")
    }


def test_the_integer_inputs_arrive_as_doubles_and_are_made_whole_again():
    wire = over_the_wire(INPUTS["ProjectSpoke"])
    assert wire["subnets"][0]["prefixLength"] == 26.0 and isinstance(wire["subnets"][0]["prefixLength"], float)
    mapped = PROVIDER.map_inputs(wire, PROVIDER._component_defs["ProjectSpoke"])
    assert isinstance(mapped["subnets"][0]["prefix_length"], float), "the SDK's mapper leaves integers as floats"
    assert from_wire(mapped)["subnets"][0]["prefix_length"] == 26 and type(from_wire(mapped)["subnets"][0]["prefix_length"]) is int
    assert from_wire({"x": 2.5}) == {"x": 2.5}


@pytest.mark.parametrize("component", sorted(INPUTS))
def test_each_component_constructs_from_plain_inputs_and_sends_back_every_output(component):
    rec, state = construct(component, INPUTS[component])
    wrapper = rec.one(type_token(component))
    assert wrapper.parent is None
    inner = [r for r in rec.resources if r.parent == wrapper.urn and not r.custom]
    assert len(inner) == 1 and inner[0].type.startswith("aifactory:") and inner[0].name.startswith("churn"), "ours is its child"
    assert custom(rec), "it registers Azure resources"
    _, _, required_outputs, _ = EXPECTED[component]
    assert required_outputs <= set(state), required_outputs - set(state)
    assert all(state[key] not in (None, "", {}) or key.startswith("project") for key in required_outputs), state


def test_hub_network_is_secure_from_plain_inputs():
    rec, state = construct("HubNetwork", INPUTS["HubNetwork"], name="hub")
    nsg = by_type(rec, "azure-native:network:NetworkSecurityGroup")
    assert [rule["name"] for n in nsg for rule in n["securityRules"]] == ["DenyInternetInbound"]
    assert nsg[0]["securityRules"][0]["access"] == "Deny" and nsg[0]["securityRules"][0]["sourceAddressPrefix"] == "Internet"
    assert by_type(rec, "azure-native:network:FirewallPolicy")[0]["threatIntelMode"] == "Deny"
    bastion = by_type(rec, "azure-native:network:BastionHost")[0]
    assert (bastion["disableCopyPaste"], bastion["enableShareableLink"]) == (True, False)
    rules = by_type(rec, "azure-native:network:FirewallPolicyRuleCollectionGroup")[0]["ruleCollections"]
    assert rules[0]["rules"][0]["fqdnTags"] == ["AzureKubernetesService"]
    assert all(r.inputs.get("tags") == {"owner": "platform"} for r in custom(rec) if "tags" in r.inputs)
    assert ipaddress.ip_address(state["firewallPrivateIp"]) in ipaddress.ip_network("10.60.0.0/23")
    assert set(state["dnsZoneIds"]) == set(ZONE_IDS)


def test_an_adopted_hub_registers_no_azure_resource_and_exposes_the_given_ids():
    existing = {"virtualNetworkId": HUB_VNET, "privateDnsZoneIds": ZONE_IDS, "endpointSubnetId": f"{HUB_VNET}/subnets/snet-pep"}
    rec, state = construct("HubNetwork", {"naming": NAMING, "location": LOCATION, "existing": existing}, name="hub")
    assert not custom(rec)
    assert (state["vnetId"], state["resourceGroupName"], state["dnsZoneIds"]) == (HUB_VNET, HUB_RG, ZONE_IDS)
    assert "firewallPrivateIp" not in state


def test_project_spoke_from_plain_inputs_protects_every_subnet_and_peers_both_ways():
    rec, state = construct("ProjectSpoke", INPUTS["ProjectSpoke"])
    subnets = by_type(rec, "azure-native:network:VirtualNetwork")[0]["subnets"]
    assert len(subnets) == 4 and all(s["networkSecurityGroup"]["id"] for s in subnets)
    assert all(s["routeTable"]["id"] for s in subnets), "egress goes to the hub firewall"
    assert {s["name"]: s.get("delegations") for s in subnets}["snet-dbw-host"][0]["serviceName"] == "Microsoft.Databricks/workspaces"
    assert len(by_type(rec, "azure-native:network:VirtualNetworkPeering")) == 2
    assert len(by_type(rec, "azure-native:privatedns:VirtualNetworkLink")) == 2
    assert state["subnetCidrs"] == {"pep": "10.64.1.0/26", "aks": "10.64.0.0/24", "dbw-host": "10.64.1.64/26",
                                    "dbw-container": "10.64.1.128/26"}
    assert state["subnetNames"]["dbw-host"] == "snet-dbw-host" and state["subnetIds"]["pep"] == PEP_SUBNET
    assert state["routeTableId"]


def test_a_hub_in_another_subscription_gets_its_own_provider_for_the_hub_side():
    hub_vnet = HUB_VNET.replace(SUB, HUB_SUB)
    inputs = {**INPUTS["ProjectSpoke"], "hub": {
        "vnetId": hub_vnet,
        "dnsZoneIds": {zone: zone_id.replace(SUB, HUB_SUB) for zone, zone_id in ZONE_IDS.items()},
        "naming": {**NAMING, "subscriptionId": HUB_SUB},
    }}
    rec, _ = construct("ProjectSpoke", inputs)
    peerings = {r.name: r.id for r in rec.of_type("azure-native:network:VirtualNetworkPeering")}
    assert peerings["churn-peer-from-hub"].startswith(f"{hub_vnet}/virtualNetworkPeerings/")
    assert peerings["churn-peer-to-hub"].startswith(f"/subscriptions/{SUB}/")
    assert all(r.id.startswith(f"/subscriptions/{HUB_SUB}/") for r in rec.of_type("azure-native:privatedns:VirtualNetworkLink"))
    assert not rec.of_type("azure-native:network:RouteTable"), "no firewall IP, no route"



def test_zones_in_other_subscriptions_are_linked_in_theirs():
    """Each zone link lands in its zone's subscription: the hub's, a third one, or the spoke's own."""
    dns_sub = "5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c"
    where = {"privatelink.blob.core.windows.net": dns_sub, "privatelink.dfs.core.windows.net": SUB}
    zone_ids = {zone: zone_id.replace(SUB, where.get(zone, HUB_SUB)) for zone, zone_id in ZONE_IDS.items()}
    inputs = {**INPUTS["ProjectSpoke"], "hub": {
        "vnetId": HUB_VNET.replace(SUB, HUB_SUB), "dnsZoneIds": zone_ids, "naming": {**NAMING, "subscriptionId": HUB_SUB},
    }}
    rec, _ = construct("ProjectSpoke", inputs)
    links = {r.inputs["privateZoneName"]: r.id for r in rec.of_type("azure-native:privatedns:VirtualNetworkLink")}
    assert links and all(link.startswith(zone_ids[zone] + "/virtualNetworkLinks/") for zone, link in links.items())
    assert set(where) <= set(links), "both zones outside the hub's subscription are linked"


def test_data_lake_with_a_project_area_is_private_keyless_protected_and_grants_on_the_area_only():
    rec, state = construct("DataLake", INPUTS["DataLake"], name="lake")
    account = rec.one("azure-native:storage:StorageAccount")
    inputs = account.inputs
    assert (inputs["isHnsEnabled"], inputs["publicNetworkAccess"], inputs["allowSharedKeyAccess"]) == (True, "Disabled", False)
    assert inputs["minimumTlsVersion"] == "TLS1_2" and inputs["allowBlobPublicAccess"] is False
    assert account.protect and rec.of_type("azure-native:authorization:ManagementLockByScope")
    containers = {c["containerName"]: c for c in by_type(rec, "azure-native:storage:BlobContainer")}
    assert "prj-churn" in containers and all(c["publicAccess"] == "None" for c in containers.values())
    scope = state["projectAreaScopes"]["churn"]
    assert scope.endswith("/blobServices/default/containers/prj-churn")
    assert (GROUP, Role.STORAGE_BLOB_DATA_CONTRIBUTOR.value, scope) in roles_granted(rec)
    assert state["projectAreaUrls"]["churn"] == f"abfss://prj-churn@{LAKE_NAME}.dfs.core.windows.net/"
    assert state["accountName"] == LAKE_NAME and set(state["sharedAreaUrls"])
    groups = {e["privateLinkServiceConnections"][0]["groupIds"][0] for e in by_type(rec, "azure-native:network:PrivateEndpoint")}
    assert groups == {"blob", "dfs"}


def test_a_project_lake_area_joins_an_existing_lake_with_its_grants():
    rec, state = construct("ProjectLakeArea", INPUTS["ProjectLakeArea"])
    container = rec.one("azure-native:storage:BlobContainer").inputs
    assert (container["accountName"], container["containerName"], container["publicAccess"]) == (LAKE_NAME, "prj-churn", "None")
    assert state["scope"] == f"{LAKE_ID}/blobServices/default/containers/prj-churn"
    assert roles_granted(rec) == {(GROUP, Role.STORAGE_BLOB_DATA_READER.value, state["scope"])}


def test_machine_learning_workspace_is_private_with_an_approved_outbound_managed_network():
    rec, state = construct("MachineLearningWorkspace", INPUTS["MachineLearningWorkspace"])
    workspace = rec.one("azure-native:machinelearningservices:Workspace").inputs
    assert (workspace["publicNetworkAccess"], workspace["allowPublicAccessWhenBehindVnet"]) == ("Disabled", False)
    assert workspace["managedNetwork"]["isolationMode"] == "AllowOnlyApprovedOutbound"
    assert workspace["systemDatastoresAuthMode"] == "Identity"
    computes = by_type(rec, "azure-native:machinelearningservices:Compute")
    assert computes[0]["properties"]["disableLocalAuth"] is True
    assert computes[0]["properties"]["properties"]["scaleSettings"]["maxNodeCount"] == 2
    assert (GROUP, Role.AZUREML_DATA_SCIENTIST.value, state["workspaceId"]) in roles_granted(rec)
    assert state["principalId"]


def test_a_workspace_without_compute_when_compute_is_switched_off():
    rec, _ = construct("MachineLearningWorkspace", {**INPUTS["MachineLearningWorkspace"], "compute": None, "computeEnabled": False})
    assert not rec.of_type("azure-native:machinelearningservices:Compute")


def test_databricks_is_injected_without_public_ips_or_network_access():
    rec, state = construct("DatabricksWorkspace", INPUTS["DatabricksWorkspace"])
    workspace = rec.one("azure-native:databricks:Workspace").inputs
    assert workspace["parameters"]["enableNoPublicIp"] == {"value": True}
    assert (workspace["publicNetworkAccess"], workspace["requiredNsgRules"]) == ("Disabled", "NoAzureDatabricksRules")
    assert workspace["parameters"]["customVirtualNetworkId"] == {"value": SPOKE_VNET}
    assert state["workspaceUrl"].endswith(".azuredatabricks.net")
    assert (GROUP, Role.READER.value, state["workspaceId"]) in roles_granted(rec)


def test_event_hubs_is_entra_only_tls12_and_private_with_its_hubs():
    rec, state = construct("EventHubs", INPUTS["EventHubs"])
    namespace = rec.one("azure-native:eventhub:Namespace").inputs
    assert (namespace["disableLocalAuth"], namespace["minimumTlsVersion"], namespace["publicNetworkAccess"]) == (True, "1.2", "Disabled")
    assert namespace["sku"]["capacity"] == 2
    hub = rec.one("azure-native:eventhub:EventHub").inputs
    assert (hub["eventHubName"], hub["partitionCount"]) == ("events", 8)
    assert rec.one("azure-native:eventhub:ConsumerGroup").inputs["consumerGroupName"] == "scoring"
    assert state["fqdn"] == f"{state['namespaceName']}.servicebus.windows.net"
    assert (GROUP, Role.EVENT_HUBS_DATA_SENDER.value, state["namespaceId"]) in roles_granted(rec)


def test_aks_is_private_entra_only_and_keeps_the_default_pool_values_not_given():
    rec, state = construct("AksCluster", INPUTS["AksCluster"])
    cluster = rec.one("azure-native:containerservice:ManagedCluster").inputs
    api = cluster["apiServerAccessProfile"]
    assert (api["enablePrivateCluster"], api["enablePrivateClusterPublicFQDN"]) == (True, False)
    assert api["privateDNSZone"] == ZONE_IDS[f"privatelink.{LOCATION}.azmk8s.io"]
    assert (cluster["disableLocalAccounts"], cluster["publicNetworkAccess"]) == (True, "Disabled")
    assert cluster["aadProfile"]["enableAzureRBAC"] is True and cluster["aadProfile"]["tenantID"] == TENANT
    pools = cluster["agentPoolProfiles"]
    assert [(p["name"], p["vmSize"], p["minCount"], p["maxCount"]) for p in pools] == [("system", "Standard_D8ds_v5", 2, 3)]
    assert all(p["enableNodePublicIP"] is False and p["enableEncryptionAtHost"] is True for p in pools)
    assert cluster["identity"]["type"] == "UserAssigned"
    assert (GROUP, Role.AKS_CLUSTER_USER.value, state["clusterId"]) in roles_granted(rec)
    assert state["oidcIssuerUrl"].startswith("https://") and state["kubeletPrincipalId"]


def test_foundry_has_local_auth_and_public_access_off_and_grants_on_the_project():
    rec, state = construct("FoundryProject", INPUTS["FoundryProject"])
    account = rec.one("azure-native:cognitiveservices:Account").inputs["properties"]
    assert (account["disableLocalAuth"], account["publicNetworkAccess"]) == (True, "Disabled")
    assert account["networkAcls"]["defaultAction"] == "Deny"
    assert account["networkInjections"][0]["subnetArmId"] == f"{SPOKE_VNET}/subnets/snet-agents"
    deployment = rec.one("azure-native:cognitiveservices:Deployment").inputs
    assert (deployment["deploymentName"], deployment["sku"]["capacity"]) == ("chat", 50)
    assert (GROUP, Role.AZURE_AI_USER.value, state["projectId"]) in roles_granted(rec)
    assert state["projectEndpoint"] == f"{state['endpoint']}api/projects/{state['projectName']}"


# --- the same resources as the Python API -------------------------------------------------------------------


def python_placement() -> ServicePlacement:
    return ServicePlacement(
        naming=CONTEXT,
        resource_group_name=RG,
        endpoints=EndpointPlacement(subnet_id=PEP_SUBNET, resource_group_name=RG, location=LOCATION, dns_zone_ids=ZONE_IDS),
        log_analytics_workspace_id=LOG,
        project="churn",
    )


def python_hub() -> None:
    PyHubNetwork("hub", HubNetworkArgs(
        location=LOCATION, naming=CONTEXT, cidr="10.60.0.0/23", firewall=True, bastion=True,
        egress=(PyFirewallRule(name="aks", kind="application", sources=("10.64.0.0/22",), protocols=("Https:443",),
                               fqdn_tags=("AzureKubernetesService",)),),
        settings=ComponentSettings(tags={"owner": "platform"}),
    ))


def python_workspace() -> None:
    workspace = PyMachineLearningWorkspace("churn", MachineLearningWorkspaceArgs(
        placement=python_placement(), key_vault_id=KEY_VAULT, compute=PyComputeCluster(max_nodes=2),
        lake=PyLakeDatastore(account_id=LAKE_ID, account_name=LAKE_NAME, filesystem="prj-churn"),
    ))
    workspace.grant_data_scientist(Grantee.entra(GROUP, "Group"))


def python_event_hubs() -> None:
    hubs = PyEventHubs("churn", EventHubsArgs(
        placement=python_placement(), capacity=2, hubs=({"name": "events", "partitions": 8, "consumer_groups": ("scoring",)},),
    ))
    hubs.grant_send(Grantee.entra(GROUP, "Group"))


def python_aks() -> None:
    cluster = PyAksCluster("churn", AksClusterArgs(
        placement=python_placement(), node_subnet_id=f"{SPOKE_VNET}/subnets/snet-aks", node_subnet_cidr="10.64.2.0/24",
        tenant_id=TENANT, system_pool=PyNodePool(name="system", vm_size="Standard_D8ds_v5", min_count=2, max_count=3),
        user_pool=None, private_dns_zone_id=ZONE_IDS[f"privatelink.{LOCATION}.azmk8s.io"],
    ))
    cluster.grant_cluster_user(Grantee.entra(GROUP, "Group"))


def python_foundry() -> None:
    foundry = PyFoundryProject("churn", FoundryProjectArgs(
        placement=python_placement(), deployments=({"name": "chat", "model": "gpt-4o", "version": "2024-11-20", "capacity": 50},),
        agent_subnet_id=f"{SPOKE_VNET}/subnets/snet-agents",
    ))
    foundry.grant_user(Grantee.entra(GROUP, "Group"))


def azure_side(rec: Recording) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.type, r.name): r.inputs for r in custom(rec)}


@pytest.mark.parametrize(
    "component, name, python_program",
    [
        ("HubNetwork", "hub", python_hub),
        ("MachineLearningWorkspace", "churn", python_workspace),
        ("EventHubs", "churn", python_event_hubs),
        ("AksCluster", "churn", python_aks),
        ("FoundryProject", "churn", python_foundry),
    ],
)
def test_a_component_from_plain_inputs_registers_exactly_what_the_python_api_registers(component, name, python_program):
    """Same secure defaults whichever language calls: the Azure resources, names and inputs are identical."""
    through_provider, _ = construct(component, INPUTS[component], name=name)
    python = record(python_program, subscription_id=SUB)
    assert azure_side(through_provider) == azure_side(python)


# --- bad plain inputs -----------------------------------------------------------------------------------------


def refused(component: str, inputs: Mapping[str, Any]) -> tuple[ComponentArgsError, list[PlannedResource]]:
    """The ComponentArgsError a construct raises (as the provider wraps it), and what was registered before it."""
    wire = over_the_wire(inputs)
    raised: list[BaseException] = []

    def program() -> None:
        try:
            PROVIDER.construct("churn", type_token(component), wire, None)
        except ComponentInitError as error:  # how the provider reports an error from the component's __init__
            raised.append(error.inner)

    rec = record(program, subscription_id=SUB)
    assert len(raised) == 1, "the construct must fail"
    assert isinstance(raised[0], ComponentArgsError), repr(raised[0])
    return raised[0], rec.resources


def changed(component: str, path: str, value: Any) -> dict[str, Any]:
    """INPUTS[component] with one value at a dotted path replaced (a list index as a number)."""
    inputs = json.loads(json.dumps(INPUTS[component]))
    *parents, last = path.split(".")
    target: Any = inputs
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return inputs


@pytest.mark.parametrize(
    "component, path, value, file, field",
    [
        ("HubNetwork", "firewall", "no", "HubNetworkArgs", "firewall"),
        ("HubNetwork", "location", "Sweden Central", "HubNetworkArgs", "location"),
        ("HubNetwork", "naming.prefix", "AI-Factory", "HubNetworkArgs", "naming.prefix"),
        ("HubNetwork", "naming.environment", "qa", "HubNetworkArgs", "naming.environment"),
        ("HubNetwork", "egress.0.name", "bad name", "HubNetworkArgs", "egress[0].name"),
        ("ProjectSpoke", "project", "Churn_Prediction", "ProjectSpokeArgs", "project"),
        ("ProjectSpoke", "subnets.1.prefixLength", 30, "ProjectSpokeArgs", "subnets[1]"),
        ("ProjectSpoke", "subnets.0.name", "Pep!", "ProjectSpokeArgs", "subnets[0].name"),
        ("ProjectSpoke", "routeEgressToFirewall", "yes", "ProjectSpokeArgs", "routeEgressToFirewall"),
        ("DataLake", "softDeleteDays", 400, "DataLakeArgs", "softDeleteDays"),
        ("DataLake", "projectAreas.0.grants.0.role", "owner", "DataLakeArgs", "projectAreas[0].grants[0].role"),
        ("MachineLearningWorkspace", "compute.maxNodes", 2.5, "MachineLearningWorkspaceArgs", "compute.maxNodes"),
        ("MachineLearningWorkspace", "placement.project", "x", "MachineLearningWorkspaceArgs", "placement.project"),
        ("DatabricksWorkspace", "subnets.hostSubnetCidr", "10.64.1.64/27", "DatabricksWorkspaceArgs", "subnets.hostSubnetCidr"),
        ("EventHubs", "hubs.0.partitions", 99, "EventHubsArgs", "hubs[0].partitions"),
        ("EventHubs", "grants.0.principalId", "not-a-guid", "EventHubsArgs", "grants[0].principalId"),
        ("AksCluster", "systemPool.minCount", 9, "AksClusterArgs", "systemPool.minCount"),
        ("AksCluster", "podCidr", "10.64.2.0/24", "AksClusterArgs", "podCidr"),
        ("HubNetwork", "cidr", "10.60.0.0/26", "HubNetworkArgs", "cidr"),
        ("ProjectSpoke", "dnsZones", ["privatelink.example.net"], "ProjectSpokeArgs", "dnsZones"),
        ("FoundryProject", "deployments.0.capacity", 0, "FoundryProjectArgs", "deployments[0].capacity"),
        ("FoundryProject", "grants.0.principalType", "Robot", "FoundryProjectArgs", "grants[0].principalType"),
    ],
)
def test_bad_plain_inputs_give_our_located_component_args_error_before_anything_registers(component, path, value, file, field):
    error, registered = refused(component, changed(component, path, value))
    assert not registered, "nothing registers when the inputs are bad"
    problem: Problem = error.problems[0]
    assert problem.file == file, error.problems
    assert problem.field == field, error.problems
    assert str(error).startswith(f"{file}: "), str(error)


def test_every_problem_of_the_plain_inputs_is_reported_at_once():
    inputs = {**INPUTS["HubNetwork"], "firewall": "no", "bastion": "yes", "location": "Sweden Central",
              "naming": {**NAMING, "prefix": "X"}}
    error, _ = refused("HubNetwork", inputs)
    assert {(p.file, p.field) for p in error.problems} == {
        ("HubNetworkArgs", "naming.prefix"), ("HubNetworkArgs", "firewall"), ("HubNetworkArgs", "bastion"),
        ("HubNetworkArgs", "location"),
    }


def test_a_missing_required_input_is_refused_by_the_providers_mapper_with_its_path():
    inputs = {**INPUTS["AksCluster"], "naming": {"prefix": "aif", "environment": "dev"}}
    with pytest.raises(InputPropertyError) as raised:
        PROVIDER.construct("churn", type_token("AksCluster"), over_the_wire(inputs), None)
    assert raised.value.property_path == "naming.subscriptionId"


def test_private_endpoints_need_their_subnet_and_zones_but_aks_has_none():
    placement = {k: v for k, v in PLACEMENT.items() if k not in ("endpointSubnetId", "dnsZoneIds")}
    error, _ = refused("EventHubs", {**INPUTS["EventHubs"], "placement": placement})
    assert {p.field for p in error.problems} == {"placement.endpointSubnetId", "placement.dnsZoneIds"}
    rec, _ = construct("AksCluster", {**INPUTS["AksCluster"], "placement": placement})
    assert rec.one("azure-native:containerservice:ManagedCluster") and not rec.of_type("azure-native:network:PrivateEndpoint")


def test_ids_may_arrive_as_outputs_of_other_resources():
    """What a consumer wires from another resource reaches the component as an output (the engine sends
    output values); the component takes it where our Args take a `StrInput`."""
    wire = over_the_wire(INPUTS["EventHubs"])
    states: list[dict[str, Any]] = []

    def program() -> None:
        inputs = json.loads(json.dumps(wire))
        inputs["placement"]["resourceGroupName"] = pulumi.Output.from_input(RG)
        inputs["placement"]["dnsZoneIds"] = {zone: pulumi.Output.from_input(zone_id) for zone, zone_id in ZONE_IDS.items()}
        result = PROVIDER.construct("churn", type_token("EventHubs"), inputs, None)
        result.state["namespaceId"].apply(lambda value: states.append({"namespaceId": value}))

    rec = record(program, subscription_id=SUB)
    assert rec.one("azure-native:eventhub:Namespace").inputs["resourceGroupName"] == RG
    zone_group = rec.one("azure-native:network:PrivateDnsZoneGroup").inputs
    assert zone_group["privateDnsZoneConfigs"][0]["privateDnsZoneId"] == ZONE_IDS["privatelink.servicebus.windows.net"]
    assert states and states[0]["namespaceId"].startswith(f"/subscriptions/{SUB}/resourceGroups/{RG}/")


def test_problem_paths_use_the_schema_names():
    assert camel_path("system_pool.min_count") == "systemPool.minCount"
    assert camel_path("hubs[0].retention_days") == "hubs[0].retentionDays"
    assert camel_path("(top level)") == "(top level)"


# --- the docs -------------------------------------------------------------------------------------------------


def test_the_multi_language_doc_lists_every_component_and_its_inputs(schema):
    doc = (REPO / "docs" / "components" / "multi-language.md").read_text()
    for token, resource in schema["resources"].items():
        assert f"`{token}`" in doc, token
        for name in resource["inputProperties"]:
            assert f"`{name}`" in doc, f"{token}.{name}"
    readme = (REPO / "docs" / "components" / "README.md").read_text()
    assert "multi-language.md" in "\n".join(readme.splitlines()[:12])
