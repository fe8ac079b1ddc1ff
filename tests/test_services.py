"""AI and data service components under mocks: secure values (in the SDK's exact enums), endpoints,
diagnostics, grants, bad Args; and the service catalog's role rows as a plan applies them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from aifactory.components.ai_search import AiSearch, AiSearchArgs
from aifactory.components.ai_services import AiServices, AiServicesArgs
from aifactory.components.aks import AksCluster, AksClusterArgs, NodePool
from aifactory.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from aifactory.components.data_factory import DataFactory, DataFactoryArgs, LakeLink
from aifactory.components.databricks import DatabricksSubnets, DatabricksWorkspace, DatabricksWorkspaceArgs
from aifactory.components.event_hubs import EventHubs, EventHubsArgs
from aifactory.components.machine_learning import (
    ComputeCluster,
    LakeDatastore,
    MachineLearningRegistry,
    MachineLearningRegistryArgs,
    MachineLearningWorkspace,
    MachineLearningWorkspaceArgs,
)
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServicePlacement
from aifactory.core.access import Persona, Role, principal_key, role_assignment_name
from aifactory.core.dns import GROUP_ZONES
from aifactory.core.errors import ComponentArgsError, Problem
from aifactory.core.factory import load_factory
from aifactory.core.naming import NamingContext, ResourceKind, resource_name
from aifactory.services import builtin_catalog, load_catalog
from aifactory.services.aiservices import AISERVICES, ModelDeployment
from aifactory.services.aks import AKS
from aifactory.services.eventhubs import EventHub
from aifactory.services.keyvault import KEYVAULT
from aifactory.services.search import SEARCH
from aifactory.tools.plan import MOCK_NAMESPACE, Recording, record, run_plan

try:
    from tests.sdk_inputs import check_inputs
except ImportError:  # run from inside tests/
    from sdk_inputs import check_inputs  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parent.parent
SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
NAMING = NamingContext("aif", "dev", SUB)
RG = "rg-aif-churn-dev"
VNET = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet-aif-churn-dev"
ZONES = {
    z: f"/subscriptions/{SUB}/resourceGroups/rg-aif-hub-dev/providers/Microsoft.Network/privateDnsZones/{z}"
    for z in builtin_catalog().zones("swedencentral")
}
WORKSPACE = f"/subscriptions/{SUB}/resourceGroups/rg-aif-platform-dev/providers/Microsoft.OperationalInsights/workspaces/log-aif-dev"
PLACEMENT = ServicePlacement(
    naming=NAMING,
    resource_group_name=RG,
    endpoints=EndpointPlacement(subnet_id=f"{VNET}/subnets/snet-pep", resource_group_name=RG, location="swedencentral", dns_zone_ids=ZONES),
    log_analytics_workspace_id=WORKSPACE,
    project="churn",
)
LAKE_ID = f"/subscriptions/{SUB}/resourceGroups/rg-aif-platform-dev/providers/Microsoft.Storage/storageAccounts/staiflakedev5c4db"
GROUP = Grantee.entra("6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d", "Group")
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"


def endpoint_groups(rec: Recording) -> dict[str, str]:
    """group id -> the zones wired to its endpoint, as 'zone,zone'."""
    groups = {}
    endpoints = rec.of_type("azure-native:network:PrivateEndpoint")
    zone_groups = rec.of_type("azure-native:network:PrivateDnsZoneGroup")
    for endpoint in endpoints:
        group = endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
        zg = next(z for z in zone_groups if z.inputs["privateEndpointName"] == endpoint.inputs["privateEndpointName"])
        groups[group] = ",".join(sorted(c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in zg.inputs["privateDnsZoneConfigs"]))
        assert endpoint.inputs["subnet"]["id"].endswith("/subnets/snet-pep")
    return groups


def assert_diagnostics(rec: Recording, minimum: int = 1) -> None:
    diagnostics = rec.of_type("azure-native:monitor:DiagnosticSetting")
    assert len(diagnostics) >= minimum
    assert all(d.inputs["workspaceId"] == WORKSPACE for d in diagnostics)


def assert_single_grant(rec: Recording, role: Role, scope_suffix: str) -> None:
    assignment = rec.one(ROLE_ASSIGNMENT).inputs
    assert assignment["roleDefinitionId"] == f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role.value}"
    assert assignment["scope"].endswith(scope_suffix)
    assert assignment["principalId"] == GROUP.key
    assert len(assignment["roleAssignmentName"]) == 36


SHARED_PLUMBING = ("azure-native:network:", "azure-native:authorization:", "azure-native:monitor:")
"""Endpoints, grants and diagnostics: checked against the SDK with every plan by tests/test_azure_inputs.py."""


def assert_sdk_accepts(rec: Recording) -> None:
    """The service's own inputs are properties of the installed SDK, in its exact enum spelling, with what create requires."""
    checked = [r for r in rec.resources if r.custom and not r.type.startswith(SHARED_PLUMBING)]
    assert checked
    problems = [f"{r.type} {r.name}: {p}" for r in checked for p in check_inputs(r.type, r.inputs)]
    assert problems == []


def test_the_sdk_check_catches_a_wrong_enum_spelling():
    assert check_inputs("azure-native:search:Service", {"resourceGroupName": RG, "publicNetworkAccess": "disabled"})


def test_container_registry():
    def program() -> None:
        ContainerRegistry("cr", ContainerRegistryArgs(placement=PLACEMENT)).grant_pull(GROUP)

    rec = record(program, subscription_id=SUB)
    registry = rec.one("azure-native:containerregistry:Registry").inputs
    assert registry["sku"] == {"name": "Premium"}
    assert (registry["adminUserEnabled"], registry["anonymousPullEnabled"], registry["publicNetworkAccess"]) == (False, False, "Disabled")
    assert registry["zoneRedundancy"] == "Disabled"
    assert endpoint_groups(rec) == {"registry": "privatelink.azurecr.io"}
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.ACR_PULL, "/registries/" + registry["registryName"])
    assert_sdk_accepts(rec)


def test_ai_search():
    def program() -> None:
        AiSearch("srch", AiSearchArgs(placement=PLACEMENT)).grant_index_read(GROUP)

    rec = record(program, subscription_id=SUB)
    service = rec.one("azure-native:search:Service").inputs
    assert service["disableLocalAuth"] is True
    assert service["publicNetworkAccess"] == "Disabled" and service["hostingMode"] == "Default"
    assert service["sku"] == {"name": "standard"}
    assert endpoint_groups(rec) == {"searchService": "privatelink.search.windows.net"}
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.SEARCH_INDEX_DATA_READER, "/searchServices/" + service["searchServiceName"])
    assert_sdk_accepts(rec)


def test_ai_services_with_sequential_model_deployments():
    deployments = (
        ModelDeployment(name="chat", model="gpt-4o", version="2024-11-20", capacity=50),
        ModelDeployment(name="embed", model="text-embedding-3-large", version="1"),
    )

    def program() -> None:
        AiServices("ais", AiServicesArgs(placement=PLACEMENT, deployments=deployments)).grant_openai_user(GROUP)

    rec = record(program, subscription_id=SUB)
    account = rec.one("azure-native:cognitiveservices:Account").inputs
    props = account["properties"]
    assert props["customSubDomainName"] == account["accountName"]
    assert props["disableLocalAuth"] is True and props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"]["defaultAction"] == "Deny"
    assert account["identity"] == {"type": "SystemAssigned"}
    models = {d.inputs["deploymentName"]: d.inputs for d in rec.of_type("azure-native:cognitiveservices:Deployment")}
    assert models["chat"]["properties"]["model"] == {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}
    assert models["chat"]["sku"] == {"capacity": 50, "name": "GlobalStandard"}
    assert models["embed"]["sku"] == {"capacity": 10, "name": "GlobalStandard"}
    assert endpoint_groups(rec) == {"account": ",".join(sorted(GROUP_ZONES["account"]))}
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.COGNITIVE_SERVICES_OPENAI_USER, "/accounts/" + account["accountName"])
    assert_sdk_accepts(rec)


def test_ai_services_deployments_accept_request_shaped_mappings():
    args = AiServicesArgs(placement=PLACEMENT, deployments=({"name": "chat", "model": "gpt-4o", "version": "1", "sku": "DataZoneStandard"},))
    assert args.deployments[0] == ModelDeployment(name="chat", model="gpt-4o", version="1", sku="DataZoneStandard")


def test_event_hubs_with_hubs_and_consumer_groups():
    hubs = (EventHub(name="telemetry", partitions=8, consumer_groups=("scoring", "archive")),)

    def program() -> None:
        EventHubs("evh", EventHubsArgs(placement=PLACEMENT, hubs=hubs)).grant_send(GROUP)

    rec = record(program, subscription_id=SUB)
    namespace = rec.one("azure-native:eventhub:Namespace").inputs
    assert namespace["disableLocalAuth"] is True and namespace["minimumTlsVersion"] == "1.2"
    assert namespace["publicNetworkAccess"] == "Disabled" and namespace["sku"]["name"] == "Standard"
    assert rec.one("azure-native:eventhub:EventHub").inputs["partitionCount"] == 8
    assert sorted(c.inputs["consumerGroupName"] for c in rec.of_type("azure-native:eventhub:ConsumerGroup")) == ["archive", "scoring"]
    assert endpoint_groups(rec) == {"namespace": "privatelink.servicebus.windows.net"}
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.EVENT_HUBS_DATA_SENDER, "/namespaces/" + namespace["namespaceName"])
    assert_sdk_accepts(rec)


def dbx_subnets(host: str = "10.64.0.128/26", container: str = "10.64.0.192/26") -> DatabricksSubnets:
    return DatabricksSubnets(
        vnet_id=VNET, host_subnet_name="snet-dbx-host", host_subnet_cidr=host,
        container_subnet_name="snet-dbx-container", container_subnet_cidr=container,
    )


def test_databricks_is_injected_private_premium_and_hybrid():
    rec = record(lambda: DatabricksWorkspace("dbw", DatabricksWorkspaceArgs(placement=PLACEMENT, subnets=dbx_subnets())), subscription_id=SUB)
    workspace = rec.one("azure-native:databricks:Workspace").inputs
    assert workspace["sku"] == {"name": "premium"}
    assert workspace["computeMode"] == "Hybrid"  # required on create: classic compute in the customer's VNet
    assert workspace["publicNetworkAccess"] == "Disabled"
    assert workspace["requiredNsgRules"] == "NoAzureDatabricksRules"
    params = workspace["parameters"]
    assert params["enableNoPublicIp"]["value"] is True
    assert params["customVirtualNetworkId"]["value"] == VNET
    assert (params["customPublicSubnetName"]["value"], params["customPrivateSubnetName"]["value"]) == ("snet-dbx-host", "snet-dbx-container")
    managed = resource_name(ResourceKind.RESOURCE_GROUP, NAMING, project="churn", qualifier="dbw-managed")
    assert workspace["managedResourceGroupId"] == f"/subscriptions/{SUB}/resourceGroups/{managed}"
    assert endpoint_groups(rec) == {"databricks_ui_api": "privatelink.azuredatabricks.net"}
    assert_diagnostics(rec)
    assert_sdk_accepts(rec)


def test_data_factory_uses_managed_vnet_and_identity_for_the_lake():
    lake = LakeLink(account_id=LAKE_ID, dfs_endpoint="https://staiflakedev5c4db.dfs.core.windows.net")
    rec = record(lambda: DataFactory("adf", DataFactoryArgs(placement=PLACEMENT, lake=lake)), subscription_id=SUB)
    factory = rec.one("azure-native:datafactory:Factory").inputs
    assert factory["publicNetworkAccess"] == "Disabled" and factory["identity"] == {"type": "SystemAssigned"}
    runtime = rec.one("azure-native:datafactory:IntegrationRuntime").inputs["properties"]
    assert runtime["type"] == "Managed" and runtime["managedVirtualNetwork"]["referenceName"] == "default"
    linked = rec.one("azure-native:datafactory:LinkedService").inputs["properties"]
    assert linked["type"] == "AzureBlobFS" and "accountKey" not in linked and "sasUri" not in linked
    mpe = rec.one("azure-native:datafactory:ManagedPrivateEndpoint").inputs["properties"]
    assert mpe == {"groupId": "dfs", "privateLinkResourceId": LAKE_ID}
    assert endpoint_groups(rec) == {"dataFactory": "privatelink.datafactory.azure.net", "portal": "privatelink.adf.azure.com"}
    assert_diagnostics(rec)
    assert_sdk_accepts(rec)


def aks_args(**changes: Any) -> AksClusterArgs:
    base: dict[str, Any] = dict(
        placement=PLACEMENT, node_subnet_id=f"{VNET}/subnets/snet-aks", node_subnet_cidr="10.64.2.0/24", tenant_id="t",
        reserved_ranges={"the address pool": "10.64.0.0/16", "the hub": "10.60.0.0/23"},
    )
    base.update(changes)
    return AksClusterArgs(**base)


def test_aks_is_private_entra_only_overlay_with_workload_identity():
    def program() -> None:
        AksCluster("aks", aks_args()).grant_cluster_user(GROUP)

    rec = record(program, subscription_id=SUB)
    cluster = rec.one("azure-native:containerservice:ManagedCluster").inputs
    assert cluster["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert cluster["disableLocalAccounts"] is True and cluster["enableRBAC"] is True
    assert cluster["aadProfile"]["managed"] is True and cluster["aadProfile"]["enableAzureRBAC"] is True
    assert cluster["oidcIssuerProfile"] == {"enabled": True}
    assert cluster["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert cluster["securityProfile"]["defender"]["securityMonitoring"] == {"enabled": True}
    network = cluster["networkProfile"]
    assert (network["networkPlugin"], network["networkPluginMode"], network["podCidr"]) == ("azure", "overlay", "10.244.0.0/16")
    assert network["outboundType"] == "loadBalancer"  # no route table to a hub firewall
    pools = {p["name"]: p for p in cluster["agentPoolProfiles"]}
    assert all(p["enableEncryptionAtHost"] and p["enableAutoScaling"] and p["enableNodePublicIP"] is False for p in pools.values())
    assert pools["system"]["mode"] == "System" and pools["user"]["minCount"] == 0
    assert cluster["addonProfiles"]["azurepolicy"] == {"enabled": True}
    assert cluster["publicNetworkAccess"] == "Disabled"
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.AKS_CLUSTER_USER, "/managedClusters/" + cluster["resourceName"])
    assert_sdk_accepts(rec)


def test_aks_with_the_hub_zone_uses_a_pre_granted_control_plane_identity():
    zone = ZONES["privatelink.swedencentral.azmk8s.io"]
    rec = record(lambda: AksCluster("aks", aks_args(private_dns_zone_id=zone)), subscription_id=SUB)
    cluster = rec.one("azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["apiServerAccessProfile"]["privateDNSZone"] == zone
    identity = rec.one("azure-native:managedidentity:UserAssignedIdentity")
    assert cluster.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}
    assert identity.id.endswith(f"/resourceGroups/{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity.inputs['resourceName']}")
    grants = {r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]: r.inputs["scope"] for r in rec.of_type(ROLE_ASSIGNMENT)}
    assert grants == {Role.PRIVATE_DNS_ZONE_CONTRIBUTOR.value: zone, Role.NETWORK_CONTRIBUTOR.value: f"{VNET}/subnets/snet-aks"}
    principal = str(uuid.uuid5(MOCK_NAMESPACE, identity.id))  # what the mocks give the identity as principalId
    assert {r.inputs["principalId"] for r in rec.of_type(ROLE_ASSIGNMENT)} == {principal}  # the identity's own principal
    assert cluster.inputs["networkProfile"]["outboundType"] == "loadBalancer"


def test_aks_behind_a_hub_firewall_routes_outbound_through_the_route_table():
    zone = ZONES["privatelink.swedencentral.azmk8s.io"]
    route_table = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/routeTables/rt-aif-churn-dev"
    rec = record(lambda: AksCluster("aks", aks_args(private_dns_zone_id=zone, route_table_id=route_table)), subscription_id=SUB)
    cluster = rec.one("azure-native:containerservice:ManagedCluster").inputs
    assert cluster["networkProfile"]["outboundType"] == "userDefinedRouting"
    grants = sorted((r.inputs["roleDefinitionId"].rsplit("/", 1)[-1], r.inputs["scope"]) for r in rec.of_type(ROLE_ASSIGNMENT))
    assert (Role.NETWORK_CONTRIBUTOR.value, route_table) in grants and len(grants) == 3
    assert len({r.inputs["principalId"] for r in rec.of_type(ROLE_ASSIGNMENT)}) == 1  # all to the control-plane identity
    assert_sdk_accepts(rec)


def test_aks_without_a_zone_lets_aks_manage_its_own():
    rec = record(lambda: AksCluster("aks", aks_args()), subscription_id=SUB)
    cluster = rec.one("azure-native:containerservice:ManagedCluster").inputs
    assert cluster["apiServerAccessProfile"]["privateDNSZone"] == "system" and cluster["identity"] == {"type": "SystemAssigned"}
    assert not rec.of_type("azure-native:managedidentity:UserAssignedIdentity")
    assert not rec.of_type(ROLE_ASSIGNMENT)


def ml_workspace(**changes: Any) -> MachineLearningWorkspace:
    args: dict[str, Any] = dict(
        placement=PLACEMENT,
        key_vault_id=f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/kv-x",
        lake=LakeDatastore(account_id=LAKE_ID, account_name="staiflakedev5c4db", filesystem="prj-churn"),
    )
    args.update(changes)
    return MachineLearningWorkspace("mlw", MachineLearningWorkspaceArgs(**args))


def test_machine_learning_workspace():
    def program() -> None:
        ml_workspace().grant_data_scientist(GROUP)

    rec = record(program, subscription_id=SUB)
    workspace = rec.one("azure-native:machinelearningservices:Workspace").inputs
    assert workspace["publicNetworkAccess"] == "Disabled"
    assert workspace["managedNetwork"]["isolationMode"] == "AllowOnlyApprovedOutbound"
    assert workspace["managedNetwork"]["outboundRules"]["lake-dfs"]["destination"] == {"serviceResourceId": LAKE_ID, "subresourceTarget": "dfs"}
    assert workspace["systemDatastoresAuthMode"] == "Identity"
    assert workspace["identity"] == {"type": "SystemAssigned"}
    default_storage = rec.one("azure-native:storage:StorageAccount")
    assert default_storage.inputs["isHnsEnabled"] is False and default_storage.inputs["allowSharedKeyAccess"] is False
    assert workspace["storageAccount"] == default_storage.id
    registry = rec.one("azure-native:containerregistry:Registry")
    assert workspace["containerRegistry"] == registry.id
    assert registry.inputs["sku"] == {"name": "Premium"} and registry.inputs["zoneRedundancy"] == "Disabled"
    assert workspace["applicationInsights"] == rec.one("azure-native:applicationinsights:Component").id
    compute = rec.one("azure-native:machinelearningservices:Compute").inputs["properties"]
    assert compute["disableLocalAuth"] is True
    assert compute["properties"]["scaleSettings"]["minNodeCount"] == 0
    assert compute["properties"]["enableNodePublicIp"] is False
    datastore = rec.one("azure-native:machinelearningservices:Datastore").inputs["properties"]
    assert datastore["filesystem"] == "prj-churn" and datastore["credentials"] == {"credentialsType": "None"}
    groups = endpoint_groups(rec)
    assert groups["amlworkspace"] == "privatelink.api.azureml.ms,privatelink.notebooks.azure.net"
    assert {"blob", "file", "registry"} <= set(groups)
    assert rec.one("azure-native:applicationinsights:Component").inputs["disableLocalAuth"] is True
    assert_diagnostics(rec, minimum=3)
    grants = [r for r in rec.of_type(ROLE_ASSIGNMENT) if r.inputs["principalId"] == GROUP.key]
    assert len(grants) == 1 and grants[0].inputs["scope"].endswith("/workspaces/" + workspace["workspaceName"])
    assert_sdk_accepts(rec)


def test_machine_learning_workspace_registry_follows_the_zone_redundancy_it_is_given():
    rec = record(lambda: ml_workspace(zone_redundant=True), subscription_id=SUB)
    assert rec.one("azure-native:containerregistry:Registry").inputs["zoneRedundancy"] == "Enabled"


def test_machine_learning_workspace_with_shared_registry_and_no_compute():
    shared = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ContainerRegistry/registries/crshared"
    rec = record(lambda: ml_workspace(container_registry_id=shared, compute=None), subscription_id=SUB)
    assert rec.one("azure-native:machinelearningservices:Workspace").inputs["containerRegistry"] == shared
    assert not rec.of_type("azure-native:containerregistry:Registry")
    assert not rec.of_type("azure-native:machinelearningservices:Compute")


def test_machine_learning_registry_is_private():
    rec = record(lambda: MachineLearningRegistry("mlr", MachineLearningRegistryArgs(placement=PLACEMENT)), subscription_id=SUB)
    registry = rec.one("azure-native:machinelearningservices:Registry").inputs
    assert registry["publicNetworkAccess"] == "Disabled"
    assert registry["regionDetails"][0]["acrDetails"][0]["systemCreatedAcrAccount"]["acrAccountSku"] == "Premium"
    assert endpoint_groups(rec) == {"amlregistry": "privatelink.api.azureml.ms"}
    assert_sdk_accepts(rec)


def test_grant_names_are_deterministic_and_match_the_access_module():
    def program() -> None:
        ContainerRegistry("cr", ContainerRegistryArgs(placement=PLACEMENT)).grant_push(GROUP)

    first = record(program, subscription_id=SUB)
    second = record(program, subscription_id=SUB)
    a = first.one(ROLE_ASSIGNMENT).inputs
    assert a == second.one(ROLE_ASSIGNMENT).inputs
    name = first.one("azure-native:containerregistry:Registry").inputs["registryName"]
    assert a["roleAssignmentName"] == role_assignment_name(f"registry:{SUB}/{name}", GROUP.key, Role.ACR_PUSH)


def test_a_managed_identity_is_known_by_its_principal_key():
    grantee = Grantee.identity("not-known-at-plan-time", "identity", SUB, "id-aif-churn-workload-dev")
    assert grantee.key == principal_key("identity", SUB, "id-aif-churn-workload-dev") == f"identity:{SUB}/id-aif-churn-workload-dev"
    assert grantee.principal_type == "ServicePrincipal"

    def program() -> None:
        ContainerRegistry("cr", ContainerRegistryArgs(placement=PLACEMENT)).grant_pull(grantee)

    rec = record(program, subscription_id=SUB)
    assignment = rec.one(ROLE_ASSIGNMENT).inputs
    name = rec.one("azure-native:containerregistry:Registry").inputs["registryName"]
    assert assignment["roleAssignmentName"] == role_assignment_name(f"registry:{SUB}/{name}", grantee.key, Role.ACR_PULL)
    assert assignment["principalId"] == "not-known-at-plan-time"


# --- bad Args fail before anything is registered, naming the Args class and the field ------------------


def problem_of(build: Callable[[], object]) -> Problem:
    with pytest.raises(ComponentArgsError) as raised:
        build()
    assert len(raised.value.problems) == 1, raised.value.problems
    return raised.value.problems[0]


@pytest.mark.parametrize(
    "build, component, field",
    [
        (lambda: DatabricksWorkspaceArgs(placement=PLACEMENT, subnets=dbx_subnets(host="10.64.0.128/27")), "DatabricksSubnets", "/26"),
        (lambda: dbx_subnets(container="10.64.0.128/26"), "DatabricksSubnets", "distinct"),
        (lambda: dbx_subnets(host="10.64.0.128"), "DatabricksSubnets", "host_subnet_cidr"),
        (lambda: DatabricksWorkspaceArgs(placement=PLACEMENT, subnets="snet-dbx-host"), "DatabricksWorkspaceArgs", "subnets"),
        (lambda: aks_args(pod_cidr="10.64.128.0/17"), "AksClusterArgs", "pod_cidr"),
        (lambda: aks_args(pod_cidr="10.64.2.0/24", reserved_ranges={}), "AksClusterArgs", "pod_cidr"),
        (lambda: aks_args(service_cidr="10.60.0.0/24", dns_service_ip="10.60.0.10"), "AksClusterArgs", "service_cidr"),
        (lambda: aks_args(pod_cidr="10.245.0.0/16"), "AksClusterArgs", "service_cidr"),
        (lambda: aks_args(service_cidr="10.0.0.0/12", dns_service_ip="10.0.0.10"), "AksClusterArgs", "service_cidr"),
        (lambda: aks_args(dns_service_ip="10.99.0.10"), "AksClusterArgs", "dns_service_ip"),
        (lambda: aks_args(dns_service_ip="10.245.0.0"), "AksClusterArgs", "dns_service_ip"),
        (lambda: aks_args(route_table_id="/rt"), "AksClusterArgs", "private_dns_zone_id"),
        (lambda: aks_args(tier="Gold"), "AksClusterArgs", "tier"),
        (lambda: aks_args(admin_group_object_ids=("not-a-guid",)), "AksClusterArgs", "admin_group_object_ids[0]"),
        (lambda: aks_args(tenant_id=7), "AksClusterArgs", "tenant_id"),
        (lambda: NodePool(name="System"), "NodePool", "name"),
        (lambda: NodePool(name="user", min_count=4, max_count=3), "NodePool", "min_count"),
        (lambda: AiSearchArgs(placement=PLACEMENT, sku="free"), "AiSearchArgs", "sku"),
        (lambda: AiSearchArgs(placement=PLACEMENT, replicas=13), "AiSearchArgs", "replicas"),
        (lambda: AiSearchArgs(placement=PLACEMENT, partitions=5), "AiSearchArgs", "partitions"),
        (lambda: EventHubsArgs(placement=PLACEMENT, sku="Basic"), "EventHubsArgs", "sku"),
        (lambda: EventHubsArgs(placement=PLACEMENT, hubs=({"name": "hub", "partitions": 64},)), "EventHubsArgs", "hubs[0].partitions"),
        (lambda: EventHubsArgs(placement=PLACEMENT, hubs=(EventHub(name="telemetry"), EventHub(name="Telemetry"))), "EventHubsArgs", "hubs"),
        (lambda: EventHubsArgs(placement=PLACEMENT, zone_redundant="yes"), "EventHubsArgs", "zone_redundant"),
        (lambda: AiServicesArgs(placement=PLACEMENT, deployments=(ModelDeployment(name="chat", model="m", version="1"),
                                                                  ModelDeployment(name="chat", model="m", version="2"))),
         "AiServicesArgs", "deployments"),
        (lambda: AiServicesArgs(placement=PLACEMENT, deployments=({"name": "chat", "model": "gpt", "version": "1", "capacity": 0},)),
         "AiServicesArgs", "deployments[0].capacity"),
        (lambda: AiServicesArgs(placement=PLACEMENT, restrict_outbound_network_access="false"), "AiServicesArgs", "restrict_outbound_network_access"),
        (lambda: MachineLearningWorkspaceArgs(placement=PLACEMENT, key_vault_id="kv", isolation_mode="Open"), "MachineLearningWorkspaceArgs", "isolation_mode"),
        (lambda: MachineLearningWorkspaceArgs(placement=PLACEMENT, key_vault_id="kv", zone_redundant="yes"), "MachineLearningWorkspaceArgs", "zone_redundant"),
        (lambda: MachineLearningWorkspaceArgs(placement=PLACEMENT, key_vault_id="kv", storage_sku="Premium_LRS"), "MachineLearningWorkspaceArgs", "storage_sku"),
        (lambda: ComputeCluster(min_nodes=5, max_nodes=4), "ComputeCluster", "min_nodes"),
        (lambda: MachineLearningRegistryArgs(placement=PLACEMENT, regions=("West Europe",)), "MachineLearningRegistryArgs", "regions[0]"),
        (lambda: ContainerRegistryArgs(placement=PLACEMENT, zone_redundant="true"), "ContainerRegistryArgs", "zone_redundant"),
        (lambda: ContainerRegistryArgs(placement={"naming": NAMING}), "ContainerRegistryArgs", "placement"),
        (lambda: ContainerRegistryArgs(placement=PLACEMENT, sku="Basic"), "ContainerRegistryArgs", "sku"),
        (lambda: DataFactoryArgs(placement=PLACEMENT, lake={"account_id": LAKE_ID}), "DataFactoryArgs", "lake.dfs_endpoint"),
    ],
)
def test_bad_arguments_fail_before_any_resource_is_registered(build, component, field):
    problems: list[Problem] = []

    def program() -> None:
        problems.append(problem_of(build))

    rec = record(program, subscription_id=SUB)
    assert rec.resources == []
    problem = problems[0]
    assert problem.file == component, problem
    assert field == problem.field or field in problem.message, problem


def test_an_args_error_says_where_and_what():
    problem = problem_of(lambda: aks_args(pod_cidr="10.64.128.0/17"))
    assert "overlaps the address pool 10.64.0.0/16" in problem.message
    assert str(problem).startswith("AksClusterArgs: ")


# --- the catalog's role rows, as the generic builder applies them ---------------------------------------


@pytest.fixture(scope="module")
def dev_plan():
    return run_plan(REPO, "dev")


def test_each_service_spec_holds_its_own_role_rows():
    assert KEYVAULT.roles[Persona.OWNER] == (Role.KEY_VAULT_SECRETS_OFFICER,)
    assert SEARCH.roles[Persona.READER] == (Role.SEARCH_INDEX_DATA_READER,)
    assert AISERVICES.roles[Persona.WORKLOAD] == (Role.COGNITIVE_SERVICES_OPENAI_USER,)
    assert Persona.READER not in AKS.roles  # readers get nothing on a cluster


def test_every_persona_gets_exactly_its_spec_rows_on_each_service_of_its_project(dev_plan):
    """For every person (and the workload identity) of every project: the roles at each service's scope are
    exactly the rows of that service's spec for their persona."""
    catalog = load_catalog()
    factory = load_factory(REPO, "dev", catalog=catalog)
    by_urn = {r.urn: r for r in dev_plan.resources}
    by_id = {r.id.lower(): r for r in dev_plan.custom_resources if r.id}
    assignments = [r.inputs for r in dev_plan.custom_resources if r.type == ROLE_ASSIGNMENT]

    def service_owning(resource_id: str, components: dict[str, str]) -> str | None:
        """The service whose component (``<project>-<abbreviation>``) the resource at this id belongs to."""
        resource = by_id.get(resource_id.lower())
        while resource is not None:
            if not resource.custom and resource.name in components:
                return components[resource.name]
            resource = by_urn.get(resource.parent) if resource.parent else None
        return None

    checked = 0
    for project in factory.active_projects:
        request = project.request
        components = {f"{project.name}-{catalog.services[key].abbreviation}": key for key in project.services}
        workload = dev_plan.outputs["projects"][project.name]["workloadIdentity"]["principalId"]
        people = {
            Persona.OWNER: [p.object_id for p in request.owners],
            Persona.MEMBER: [p.object_id for p in request.members],
            Persona.READER: [p.object_id for p in request.readers],
            Persona.WORKLOAD: [workload],
        }
        for persona, principals in people.items():
            for principal in principals:
                expected = sorted(
                    (key, role.value) for key in project.services for role in catalog.services[key].roles.get(persona, ())
                )
                actual = sorted(
                    (service, a["roleDefinitionId"].rsplit("/", 1)[-1])
                    for a in assignments
                    if a["principalId"] == principal and (service := service_owning(a["scope"], components)) is not None
                )
                assert actual == expected, (project.name, persona, principal)
                checked += len(expected)
    assert checked > 30
