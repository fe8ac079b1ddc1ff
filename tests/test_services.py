"""AI and data service components under mocks: secure values, endpoints, diagnostics, grants, bad args."""

from __future__ import annotations

import pytest

from aifactory.core.access import Role, role_assignment_name
from aifactory.components.ai_search import AiSearch, AiSearchArgs
from aifactory.components.ai_services import AiServices, AiServicesArgs, ModelDeployment
from aifactory.components.aks import AksCluster, AksClusterArgs, NodePool
from aifactory.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from aifactory.components.data_factory import DataFactory, DataFactoryArgs, LakeLink
from aifactory.components.databricks import DatabricksSubnets, DatabricksWorkspace, DatabricksWorkspaceArgs
from aifactory.components.event_hubs import EventHubs, EventHubsArgs, EventHubSpec
from aifactory.components.machine_learning import (
    LakeDatastore,
    MachineLearningRegistry,
    MachineLearningRegistryArgs,
    MachineLearningWorkspace,
    MachineLearningWorkspaceArgs,
)
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServicePlacement
from aifactory.core.dns import GROUP_ZONES, factory_zones
from aifactory.core.naming import NamingContext
from aifactory.tools.plan import Recording, record

SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
NAMING = NamingContext("aif", "dev", SUB)
RG = "rg-aif-churn-dev"
VNET = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet-aif-churn-dev"
ZONES = {z: f"/subscriptions/{SUB}/resourceGroups/rg-aif-hub-dev/providers/Microsoft.Network/privateDnsZones/{z}" for z in factory_zones("swedencentral")}
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
    assignment = rec.one("azure-native:authorization:RoleAssignment").inputs
    assert assignment["roleDefinitionId"] == f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role.value}"
    assert assignment["scope"].endswith(scope_suffix)
    assert assignment["principalId"] == GROUP.key
    assert len(assignment["roleAssignmentName"]) == 36


def test_container_registry():
    def program():
        ContainerRegistry("cr", ContainerRegistryArgs(placement=PLACEMENT)).grant_pull(GROUP)

    rec = record(program, subscription_id=SUB)
    registry = rec.one("azure-native:containerregistry:Registry").inputs
    assert registry["sku"] == {"name": "Premium"}
    assert (registry["adminUserEnabled"], registry["anonymousPullEnabled"], registry["publicNetworkAccess"]) == (False, False, "Disabled")
    assert endpoint_groups(rec) == {"registry": "privatelink.azurecr.io"}
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.ACR_PULL, "/registries/" + registry["registryName"])


def test_ai_search():
    def program():
        AiSearch("srch", AiSearchArgs(placement=PLACEMENT)).grant_index_read(GROUP)

    rec = record(program, subscription_id=SUB)
    service = rec.one("azure-native:search:Service").inputs
    assert service["disableLocalAuth"] is True and service["publicNetworkAccess"] == "disabled"
    assert service["sku"] == {"name": "standard"}
    assert endpoint_groups(rec) == {"searchService": "privatelink.search.windows.net"}
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.SEARCH_INDEX_DATA_READER, "/searchServices/" + service["searchServiceName"])


def test_ai_services_with_sequential_model_deployments():
    deployments = (ModelDeployment("chat", "gpt-4o", "2024-11-20", 50), ModelDeployment("embed", "text-embedding-3-large", "1"))

    def program():
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
    assert endpoint_groups(rec) == {"account": ",".join(sorted(GROUP_ZONES["account"]))}
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.COGNITIVE_SERVICES_OPENAI_USER, "/accounts/" + account["accountName"])


def test_event_hubs_with_hubs_and_consumer_groups():
    hubs = (EventHubSpec("telemetry", partitions=8, consumer_groups=("scoring", "archive")),)

    def program():
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


def dbx_subnets(host: str = "10.64.0.128/26", container: str = "10.64.0.192/26") -> DatabricksSubnets:
    return DatabricksSubnets(VNET, "snet-dbx-host", host, "snet-dbx-container", container)


def test_databricks_is_injected_private_and_premium():
    rec = record(lambda: DatabricksWorkspace("dbw", DatabricksWorkspaceArgs(placement=PLACEMENT, subnets=dbx_subnets())), subscription_id=SUB)
    workspace = rec.one("azure-native:databricks:Workspace").inputs
    assert workspace["sku"] == {"name": "premium"}
    assert workspace["publicNetworkAccess"] == "Disabled"
    assert workspace["requiredNsgRules"] == "NoAzureDatabricksRules"
    params = workspace["parameters"]
    assert params["enableNoPublicIp"]["value"] is True
    assert params["customVirtualNetworkId"]["value"] == VNET
    assert (params["customPublicSubnetName"]["value"], params["customPrivateSubnetName"]["value"]) == ("snet-dbx-host", "snet-dbx-container")
    assert workspace["managedResourceGroupId"] == f"/subscriptions/{SUB}/resourceGroups/rg-aif-churn-dbw-managed-dev"
    assert endpoint_groups(rec) == {"databricks_ui_api": "privatelink.azuredatabricks.net"}
    assert_diagnostics(rec)


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


def aks_args(**changes) -> AksClusterArgs:
    base = dict(placement=PLACEMENT, node_subnet_id=f"{VNET}/subnets/snet-aks", node_subnet_cidr="10.64.2.0/24", tenant_id="t",
                reserved_ranges={"the address pool": "10.64.0.0/16", "the hub": "10.60.0.0/23"})
    base.update(changes)
    return AksClusterArgs(**base)


def test_aks_is_private_entra_only_overlay_with_workload_identity():
    def program():
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
    pools = {p["name"]: p for p in cluster["agentPoolProfiles"]}
    assert all(p["enableEncryptionAtHost"] and p["enableAutoScaling"] for p in pools.values())
    assert pools["system"]["mode"] == "System" and pools["user"]["minCount"] == 0
    assert cluster["addonProfiles"]["azurepolicy"] == {"enabled": True}
    assert cluster["publicNetworkAccess"] == "Disabled"
    assert_diagnostics(rec)
    assert_single_grant(rec, Role.AKS_CLUSTER_USER, "/managedClusters/" + cluster["resourceName"])


def test_machine_learning_workspace():
    def program():
        ws = MachineLearningWorkspace(
            "mlw",
            MachineLearningWorkspaceArgs(
                placement=PLACEMENT,
                key_vault_id=f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/kv-x",
                lake=LakeDatastore(account_id=LAKE_ID, account_name="staiflakedev5c4db", filesystem="prj-churn"),
            ),
        )
        ws.grant_data_scientist(GROUP)

    rec = record(program, subscription_id=SUB)
    workspace = rec.one("azure-native:machinelearningservices:Workspace").inputs
    assert workspace["publicNetworkAccess"] == "Disabled"
    assert workspace["managedNetwork"]["isolationMode"] == "AllowOnlyApprovedOutbound"
    assert workspace["managedNetwork"]["outboundRules"]["lake-dfs"]["destination"]["subresourceTarget"] == "dfs"
    assert workspace["systemDatastoresAuthMode"] == "identity"
    assert workspace["identity"] == {"type": "SystemAssigned"}
    default_storage = rec.one("azure-native:storage:StorageAccount").inputs
    assert default_storage["isHnsEnabled"] is False and default_storage["allowSharedKeyAccess"] is False
    assert workspace["storageAccount"].endswith("/storageAccounts/" + default_storage["accountName"])
    compute = rec.one("azure-native:machinelearningservices:Compute").inputs["properties"]
    assert compute["disableLocalAuth"] is True
    assert compute["properties"]["scaleSettings"]["minNodeCount"] == 0
    assert compute["properties"]["enableNodePublicIp"] is False
    datastore = rec.one("azure-native:machinelearningservices:Datastore").inputs["properties"]
    assert datastore["filesystem"] == "prj-churn" and datastore["credentials"] == {"credentialsType": "None"}
    groups = endpoint_groups(rec)
    assert groups["amlworkspace"] == "privatelink.api.azureml.ms,privatelink.notebooks.azure.net"
    assert {"blob", "file", "registry"} <= set(groups)
    assert rec.one("azure-native:containerregistry:Registry").inputs["sku"] == {"name": "Premium"}
    assert rec.one("azure-native:applicationinsights:Component").inputs["disableLocalAuth"] is True
    assert_diagnostics(rec, minimum=3)
    grants = [r for r in rec.of_type("azure-native:authorization:RoleAssignment") if r.inputs["principalId"] == GROUP.key]
    assert len(grants) == 1 and grants[0].inputs["scope"].endswith("/workspaces/" + workspace["workspaceName"])


def test_machine_learning_registry_is_private():
    rec = record(lambda: MachineLearningRegistry("mlr", MachineLearningRegistryArgs(placement=PLACEMENT)), subscription_id=SUB)
    registry = rec.one("azure-native:machinelearningservices:Registry").inputs
    assert registry["publicNetworkAccess"] == "Disabled"
    assert registry["regionDetails"][0]["acrDetails"][0]["systemCreatedAcrAccount"]["acrAccountSku"] == "Premium"
    assert endpoint_groups(rec) == {"amlregistry": "privatelink.api.azureml.ms"}


def test_grant_names_are_deterministic_and_match_the_access_module():
    def program():
        ContainerRegistry("cr", ContainerRegistryArgs(placement=PLACEMENT)).grant_push(GROUP)

    first = record(program, subscription_id=SUB)
    second = record(program, subscription_id=SUB)
    a = first.one("azure-native:authorization:RoleAssignment").inputs
    assert a == second.one("azure-native:authorization:RoleAssignment").inputs
    name = first.one("azure-native:containerregistry:Registry").inputs["registryName"]
    assert a["roleAssignmentName"] == role_assignment_name(f"registry:{SUB}/{name}", GROUP.key, Role.ACR_PUSH)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: DatabricksWorkspaceArgs(placement=PLACEMENT, subnets=dbx_subnets(host="10.64.0.128/27")), "smaller than /26"),
        (lambda: aks_args(pod_cidr="10.64.128.0/17"), "pod CIDR 10.64.128.0/17 overlaps the address pool"),
        (lambda: aks_args(pod_cidr="10.64.2.0/24", reserved_ranges={}), "overlaps the node subnet"),
        (lambda: aks_args(service_cidr="10.0.0.0/12", dns_service_ip="10.0.0.10"), "smaller than a /12"),
        (lambda: aks_args(dns_service_ip="10.99.0.10"), "must be inside the service CIDR"),
        (lambda: NodePool("System"), "node pool name"),
        (lambda: AiSearchArgs(placement=PLACEMENT, sku="free"), "'free' has no private endpoints"),
        (lambda: EventHubsArgs(placement=PLACEMENT, sku="Basic"), "Standard or higher"),
        (lambda: EventHubSpec("hub", partitions=64), "partitions are 1-32"),
        (lambda: AiServicesArgs(placement=PLACEMENT, deployments=(ModelDeployment("chat", "m", "1"), ModelDeployment("chat", "m", "2"))), "duplicate"),
        (lambda: ModelDeployment("chat", "gpt", "1", capacity=0), "capacity"),
        (lambda: MachineLearningWorkspaceArgs(placement=PLACEMENT, key_vault_id="kv", isolation_mode="Open"), "isolation_mode"),
    ],
)
def test_bad_arguments_fail_before_any_resource_is_registered(build, message):
    registered = []

    def program():
        with pytest.raises(ValueError, match=message):
            build()

    rec = record(program, subscription_id=SUB)
    assert rec.resources == registered


def test_aks_with_the_hub_zone_uses_a_pre_granted_control_plane_identity():
    zone = ZONES["privatelink.swedencentral.azmk8s.io"]
    rec = record(lambda: AksCluster("aks", aks_args(private_dns_zone_id=zone)), subscription_id=SUB)
    cluster = rec.one("azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["apiServerAccessProfile"]["privateDNSZone"] == zone
    identity = rec.one("azure-native:managedidentity:UserAssignedIdentity").inputs
    assert cluster.inputs["identity"]["type"] == "UserAssigned"
    assert cluster.inputs["identity"]["userAssignedIdentities"] == [
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity['resourceName']}"
    ]
    grants = {r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]: r.inputs["scope"] for r in rec.of_type("azure-native:authorization:RoleAssignment")}
    assert grants == {Role.PRIVATE_DNS_ZONE_CONTRIBUTOR.value: zone, Role.NETWORK_CONTRIBUTOR.value: f"{VNET}/subnets/snet-aks"}


def test_aks_without_a_zone_lets_aks_manage_its_own():
    rec = record(lambda: AksCluster("aks", aks_args()), subscription_id=SUB)
    cluster = rec.one("azure-native:containerservice:ManagedCluster").inputs
    assert cluster["apiServerAccessProfile"]["privateDNSZone"] == "system" and cluster["identity"] == {"type": "SystemAssigned"}
    assert not rec.of_type("azure-native:managedidentity:UserAssignedIdentity")
