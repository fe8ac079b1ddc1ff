"""DataLake, KeyVault, Monitoring and PrivateEndpoint under mocks: secure values, grants, protection."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifactory.core.access import Role, role_assignment_name
from aifactory.components.datalake import DataLake, DataLakeArgs, LifecyclePolicy
from aifactory.components.keyvault import KeyVault, KeyVaultArgs
from aifactory.components.monitoring import Monitoring, MonitoringArgs
from aifactory.components.private_endpoint import EndpointPlacement, PrivateEndpoint, PrivateEndpointArgs
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServicePlacement
from aifactory.components.stateful import Protection
from aifactory.core.dns import factory_zones
from aifactory.core.naming import NamingContext
from aifactory.tools.plan import record, run_plan

SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
NAMING = NamingContext("aif", "dev", SUB)
RG = "rg-aif-platform-dev"
SUBNET = f"/subscriptions/{SUB}/resourceGroups/rg-aif-hub-dev/providers/Microsoft.Network/virtualNetworks/vnet-aif-hub-dev/subnets/snet-pep"
ZONES = {z: f"/subscriptions/{SUB}/resourceGroups/rg-aif-hub-dev/providers/Microsoft.Network/privateDnsZones/{z}" for z in factory_zones("swedencentral")}
PLACEMENT = EndpointPlacement(subnet_id=SUBNET, resource_group_name=RG, location="swedencentral", dns_zone_ids=ZONES)
WORKSPACE = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/log-aif-dev"
GROUP = Grantee.entra("6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d", "Group")
REPO = Path(__file__).resolve().parent.parent


def lake(**changes) -> DataLake:
    args = dict(naming=NAMING, resource_group_name=RG, endpoints=PLACEMENT, log_analytics_workspace_id=WORKSPACE)
    args.update(changes)
    return DataLake("lake", DataLakeArgs(**args))


def test_lake_defaults_are_the_secure_configuration():
    rec = record(lake, subscription_id=SUB)
    account = rec.one("azure-native:storage:StorageAccount").inputs
    assert account["isHnsEnabled"] is True
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkRuleSet"] == {"bypass": "AzureServices", "defaultAction": "Deny"}
    assert account["allowBlobPublicAccess"] is False
    assert account["allowSharedKeyAccess"] is False
    assert account["allowCrossTenantReplication"] is False
    assert account["enableHttpsTrafficOnly"] is True
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["encryption"]["requireInfrastructureEncryption"] is True
    assert account["sku"] == {"name": "Standard_LRS"}
    blob = rec.one("azure-native:storage:BlobServiceProperties").inputs
    assert blob["deleteRetentionPolicy"] == {"days": 7, "enabled": True}
    assert blob["containerDeleteRetentionPolicy"] == {"days": 7, "enabled": True}
    rule = rec.one("azure-native:storage:ManagementPolicy").inputs["policy"]["rules"][0]
    assert rule["definition"]["actions"]["baseBlob"]["tierToCool"] == {"daysAfterModificationGreaterThan": 30}
    containers = {c.inputs["containerName"]: c.inputs for c in rec.of_type("azure-native:storage:BlobContainer")}
    assert set(containers) == {"shared-master", "shared-reference"}
    assert all(c["publicAccess"] == "None" for c in containers.values())
    assert not rec.of_type("azure-native:authorization:ManagementLockByScope")
    assert not any(r.protect for r in rec.resources)


def test_lake_has_blob_and_dfs_endpoints_with_zone_groups_and_diagnostics():
    rec = record(lake, subscription_id=SUB)
    endpoints = rec.of_type("azure-native:network:PrivateEndpoint")
    groups = sorted(e.inputs["privateLinkServiceConnections"][0]["groupIds"][0] for e in endpoints)
    assert groups == ["blob", "dfs"]
    assert all(e.inputs["subnet"]["id"] == SUBNET for e in endpoints)
    account = rec.one("azure-native:storage:StorageAccount").inputs["accountName"]
    targets = {e.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"] for e in endpoints}
    assert targets == {f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/{account}"}
    zone_groups = rec.of_type("azure-native:network:PrivateDnsZoneGroup")
    zones = sorted(c["privateDnsZoneId"].rsplit("/", 1)[-1] for g in zone_groups for c in g.inputs["privateDnsZoneConfigs"])
    assert zones == ["privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"]
    diagnostics = rec.of_type("azure-native:monitor:DiagnosticSetting")
    assert {d.inputs["workspaceId"] for d in diagnostics} == {WORKSPACE}
    blob_diag = [d for d in diagnostics if d.inputs["resourceUri"].endswith("/blobServices/default")]
    assert blob_diag and blob_diag[0].inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]


def test_prod_protection_locks_and_protects_the_lake():
    rec = record(lambda: lake(sku="Standard_ZRS", protection=Protection(protect=True, delete_lock=True)), subscription_id=SUB)
    account = rec.one("azure-native:storage:StorageAccount")
    assert account.protect and account.inputs["sku"] == {"name": "Standard_ZRS"}
    lock = rec.one("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete" and lock.inputs["scope"].endswith("/storageAccounts/" + account.inputs["accountName"])
    assert all(c.protect for c in rec.of_type("azure-native:storage:BlobContainer"))


def test_area_grant_creates_one_assignment_with_a_deterministic_name_at_the_area_scope():
    def program():
        data_lake = lake()
        area = data_lake.add_project_area("churn")
        area.grant_read(GROUP)

    rec = record(program, subscription_id=SUB)
    assignment = rec.one("azure-native:authorization:RoleAssignment").inputs
    account = rec.one("azure-native:storage:StorageAccount").inputs["accountName"]
    assert assignment["scope"] == (
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/{account}"
        "/blobServices/default/containers/prj-churn"
    )
    assert assignment["roleDefinitionId"].endswith("/roleDefinitions/" + Role.STORAGE_BLOB_DATA_READER.value)
    assert assignment["principalId"] == GROUP.key and assignment["principalType"] == "Group"
    assert assignment["roleAssignmentName"] == role_assignment_name(f"lake:{account}/prj-churn", GROUP.key, Role.STORAGE_BLOB_DATA_READER)
    again = record(program, subscription_id=SUB).one("azure-native:authorization:RoleAssignment").inputs
    assert again["roleAssignmentName"] == assignment["roleAssignmentName"]


def test_area_write_grant_uses_contributor():
    def program():
        lake().add_project_area("churn").grant_write(GROUP)

    assignment = record(program, subscription_id=SUB).one("azure-native:authorization:RoleAssignment").inputs
    assert assignment["roleDefinitionId"].endswith(Role.STORAGE_BLOB_DATA_CONTRIBUTOR.value)


def test_bad_lake_arguments_fail_before_registration():
    with pytest.raises(ValueError, match="lake area"):
        DataLakeArgs(naming=NAMING, resource_group_name=RG, endpoints=PLACEMENT, log_analytics_workspace_id=WORKSPACE, shared_areas=("Bad Area",))
    with pytest.raises(ValueError, match="unsupported lake sku"):
        DataLakeArgs(naming=NAMING, resource_group_name=RG, endpoints=PLACEMENT, log_analytics_workspace_id=WORKSPACE, sku="Premium_LRS")
    with pytest.raises(ValueError, match="cool_after_days"):
        LifecyclePolicy(cool_after_days=100, cold_after_days=90)


def service_placement(project: str = "churn") -> ServicePlacement:
    return ServicePlacement(naming=NAMING, resource_group_name=f"rg-aif-{project}-dev", endpoints=PLACEMENT,
                            log_analytics_workspace_id=WORKSPACE, project=project)


def vault(**changes) -> KeyVault:
    args = dict(placement=service_placement(), tenant_id="tenant-guid")
    args.update(changes)
    return KeyVault("churn-kv", KeyVaultArgs(**args))


def test_key_vault_defaults_are_secure():
    rec = record(vault, subscription_id=SUB)
    props = rec.one("azure-native:keyvault:Vault").inputs["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True and props["softDeleteRetentionInDays"] == 90
    assert props["enablePurgeProtection"] is True
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"]["defaultAction"] == "Deny"
    endpoint = rec.one("azure-native:network:PrivateEndpoint").inputs
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["vault"]
    zone_group = rec.one("azure-native:network:PrivateDnsZoneGroup").inputs
    assert zone_group["privateDnsZoneConfigs"][0]["privateDnsZoneId"].endswith("privatelink.vaultcore.azure.net")
    assert rec.one("azure-native:monitor:DiagnosticSetting").inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]


def test_key_vault_grants_and_protection():
    def program():
        kv = vault(protection=Protection(protect=True, delete_lock=True))
        kv.grant_secrets_read(GROUP)
        kv.grant_secrets_write(GROUP)

    rec = record(program, subscription_id=SUB)
    roles = sorted(r.inputs["roleDefinitionId"].rsplit("/", 1)[-1] for r in rec.of_type("azure-native:authorization:RoleAssignment"))
    assert roles == sorted([Role.KEY_VAULT_SECRETS_USER.value, Role.KEY_VAULT_SECRETS_OFFICER.value])
    assert rec.one("azure-native:keyvault:Vault").protect
    assert rec.one("azure-native:authorization:ManagementLockByScope").inputs["level"] == "CanNotDelete"


def test_two_vaults_do_not_collide():
    def program():
        vault()
        KeyVault("fraud-kv", KeyVaultArgs(placement=service_placement("fraud"), tenant_id="t"))

    rec = record(program, subscription_id=SUB)
    names = [r.inputs["vaultName"] for r in rec.of_type("azure-native:keyvault:Vault")]
    assert len(set(names)) == 2
    assert len({r.urn for r in rec.resources}) == len(rec.resources)


def test_monitoring_workspace_is_entra_only():
    rec = record(lambda: Monitoring("monitoring", MonitoringArgs(location="swedencentral", naming=NAMING, resource_group_name=RG, retention_days=90)))
    workspace = rec.one("azure-native:operationalinsights:Workspace").inputs
    assert workspace["features"] == {"disableLocalAuth": True}
    assert workspace["retentionInDays"] == 90 and workspace["workspaceName"] == "log-aif-dev"
    with pytest.raises(ValueError, match="retention"):
        MonitoringArgs(location="swedencentral", naming=NAMING, resource_group_name=RG, retention_days=5)


def test_private_endpoint_refuses_unknown_groups_and_missing_zones():
    base = dict(resource_id="/x", subnet_id=SUBNET, resource_group_name=RG, location="swedencentral", naming=NAMING, qualifier="x")
    with pytest.raises(ValueError, match="no private DNS zone is known"):
        PrivateEndpointArgs(group_id="nonsense", dns_zone_ids=ZONES, **base)
    with pytest.raises(ValueError, match="needs DNS zone 'privatelink.vaultcore.azure.net'"):
        PrivateEndpointArgs(group_id="vault", dns_zone_ids={}, **base)


def test_private_endpoint_wires_every_zone_of_its_group():
    rec = record(lambda: PrivateEndpoint("ml", PrivateEndpointArgs(resource_id="/ws", group_id="amlworkspace", subnet_id=SUBNET,
        resource_group_name=RG, location="swedencentral", naming=NAMING, dns_zone_ids=ZONES, qualifier="mlw", project="churn")))
    configs = rec.one("azure-native:network:PrivateDnsZoneGroup").inputs["privateDnsZoneConfigs"]
    assert sorted(c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in configs) == ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"]


@pytest.fixture(scope="module")
def prod_plan():
    return run_plan(REPO, "prod")


def test_prod_plan_protects_and_locks_stateful_resources(prod_plan):
    stateful = [r for r in prod_plan.custom_resources if r.type in ("azure-native:storage:StorageAccount", "azure-native:keyvault:Vault", "azure-native:storage:BlobContainer")]
    assert len(stateful) >= 5
    assert stateful and all(r.protect for r in stateful)
    locks = [r.inputs["scope"] for r in prod_plan.custom_resources if r.type == "azure-native:authorization:ManagementLockByScope"]
    assert any("/storageAccounts/" in s for s in locks) and any("/vaults/" in s for s in locks)
    account = next(r for r in prod_plan.custom_resources if r.type == "azure-native:storage:StorageAccount")
    assert account.inputs["sku"]["name"] == "Standard_ZRS"


def test_dev_plan_shows_the_lake_and_team_access():
    plan = run_plan(REPO, "dev")
    containers = sorted(r.inputs["containerName"] for r in plan.custom_resources if r.type == "azure-native:storage:BlobContainer")
    assert containers == ["prj-churn-prediction", "prj-support-copilot", "prj-telemetry-stream", "shared-master", "shared-reference"]
    assert not any(r.protect for r in plan.custom_resources)
    assignments = [r.inputs for r in plan.custom_resources if r.type == "azure-native:authorization:RoleAssignment"]
    names = [a["roleAssignmentName"] for a in assignments]
    assert len(names) == len(set(names))
    churn_area = [a for a in assignments if a["scope"].endswith("/containers/prj-churn-prediction")]
    # owners group + members group + reader user + workload identity + the AML and Data Factory identities
    assert len(churn_area) == 6
    assert not any("/containers/prj-churn-prediction" in a["scope"] and a["principalId"] == "2a7b9c1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
                   and a["roleDefinitionId"].endswith(Role.STORAGE_BLOB_DATA_READER.value) for a in assignments)
