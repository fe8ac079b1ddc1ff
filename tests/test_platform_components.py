"""DataLake, KeyVault, Monitoring and PrivateEndpoint under mocks: secure values, grants, protection;
and the platform of an environment: who reads the shared lake areas, and the hub's egress rules."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import pytest

from aifactory.build.platform import egress_rules, shared_area_readers
from aifactory.components.datalake import DataLake, DataLakeArgs, LifecyclePolicy, lake_account_name
from aifactory.components.keyvault import KeyVault, KeyVaultArgs
from aifactory.components.monitoring import Monitoring, MonitoringArgs
from aifactory.components.private_endpoint import EndpointPlacement, PrivateEndpoint, PrivateEndpointArgs
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServicePlacement
from aifactory.components.stateful import Protection
from aifactory.core.access import SHARED_LAKE_ROLES, Persona, Role, role_assignment_name
from aifactory.core.errors import ComponentArgsError, Problem
from aifactory.core.factory import Factory, load_factory
from aifactory.core.naming import NamingContext, ResourceKind, lake_area_name, resource_name, shared_area_name
from aifactory.core.ownership import SHARED_AREAS
from aifactory.core.spec import LAKE_TARGET
from aifactory.services import builtin_catalog, load_catalog
from aifactory.tools.plan import Plan, record, run_plan
from tests.conftest import load_yaml, write_yaml

try:
    from tests.sdk_inputs import check_inputs
except ImportError:  # run from inside tests/
    from sdk_inputs import check_inputs  # type: ignore[no-redef]

SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
NAMING = NamingContext("aif", "dev", SUB)
RG = "rg-aif-platform-dev"
SUBNET = f"/subscriptions/{SUB}/resourceGroups/rg-aif-hub-dev/providers/Microsoft.Network/virtualNetworks/vnet-aif-hub-dev/subnets/snet-pep"
ZONES = {
    z: f"/subscriptions/{SUB}/resourceGroups/rg-aif-hub-dev/providers/Microsoft.Network/privateDnsZones/{z}"
    for z in builtin_catalog().zones("swedencentral")
}
PLACEMENT = EndpointPlacement(subnet_id=SUBNET, resource_group_name=RG, location="swedencentral", dns_zone_ids=ZONES)
WORKSPACE = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/log-aif-dev"
GROUP = Grantee.entra("6f1d3c2a-9b8e-4f7d-a6c5-0e1f2a3b4c5d", "Group")
REPO = Path(__file__).resolve().parent.parent
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
LOCK = "azure-native:authorization:ManagementLockByScope"
SHARED = tuple(shared_area_name(a) for a in SHARED_AREAS)


def lake(**changes: Any) -> DataLake:
    args: dict[str, Any] = dict(naming=NAMING, resource_group_name=RG, endpoints=PLACEMENT, log_analytics_workspace_id=WORKSPACE)
    args.update(changes)
    return DataLake("lake", DataLakeArgs(**args))


def problem_of(build: Callable[[], object]) -> Problem:
    with pytest.raises(ComponentArgsError) as raised:
        build()
    assert len(raised.value.problems) == 1, raised.value.problems
    return raised.value.problems[0]


def test_lake_defaults_are_the_secure_configuration():
    rec = record(lake, subscription_id=SUB)
    account = rec.one("azure-native:storage:StorageAccount").inputs
    assert account["accountName"] == lake_account_name(NAMING)
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
    assert blob["isVersioningEnabled"] is False  # unsupported with a hierarchical namespace
    rule = rec.one("azure-native:storage:ManagementPolicy").inputs["policy"]["rules"][0]
    assert rule["definition"]["actions"]["baseBlob"]["tierToCool"] == {"daysAfterModificationGreaterThan": 30}
    containers = {c.inputs["containerName"]: c.inputs for c in rec.of_type("azure-native:storage:BlobContainer")}
    assert set(containers) == set(SHARED) == {"shared-master", "shared-reference"}
    assert all(c["publicAccess"] == "None" for c in containers.values())
    assert not rec.of_type(LOCK)
    assert not any(r.protect for r in rec.resources)
    assert not rec.of_type(ROLE_ASSIGNMENT)  # the component grants nothing by itself
    assert [p for r in rec.resources if r.type.startswith("azure-native:storage:") for p in check_inputs(r.type, r.inputs)] == []


def test_lake_public_access_is_an_explicit_tagged_choice():
    rec = record(lambda: lake(allow_public_network_access=True), subscription_id=SUB)
    account = rec.one("azure-native:storage:StorageAccount").inputs
    assert account["publicNetworkAccess"] == "Enabled" and account["networkRuleSet"]["defaultAction"] == "Allow"
    assert account["tags"]["insecureOverride"] == "publicNetworkAccess"
    assert account["allowSharedKeyAccess"] is False  # still Entra-only


def test_lake_has_blob_and_dfs_endpoints_with_zone_groups_and_diagnostics():
    rec = record(lake, subscription_id=SUB)
    endpoints = rec.of_type("azure-native:network:PrivateEndpoint")
    groups = sorted(e.inputs["privateLinkServiceConnections"][0]["groupIds"][0] for e in endpoints)
    assert groups == ["blob", "dfs"]
    assert all(e.inputs["subnet"]["id"] == SUBNET for e in endpoints)
    account = rec.one("azure-native:storage:StorageAccount")
    targets = {e.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"] for e in endpoints}
    assert targets == {account.id}
    assert account.id == f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/{account.inputs['accountName']}"
    zone_groups = rec.of_type("azure-native:network:PrivateDnsZoneGroup")
    zones = sorted(c["privateDnsZoneId"].rsplit("/", 1)[-1] for g in zone_groups for c in g.inputs["privateDnsZoneConfigs"])
    assert zones == ["privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"]
    diagnostics = rec.of_type("azure-native:monitor:DiagnosticSetting")
    assert {d.inputs["workspaceId"] for d in diagnostics} == {WORKSPACE}
    assert {d.inputs["resourceUri"] for d in diagnostics} == {account.id, f"{account.id}/blobServices/default"}
    blob_diag = [d for d in diagnostics if d.inputs["resourceUri"].endswith("/blobServices/default")]
    assert blob_diag[0].inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]


def test_prod_protection_locks_and_protects_the_lake():
    rec = record(lambda: lake(sku="Standard_ZRS", protection=Protection(protect=True, delete_lock=True)), subscription_id=SUB)
    account = rec.one("azure-native:storage:StorageAccount")
    assert account.protect and account.inputs["sku"] == {"name": "Standard_ZRS"}
    lock = rec.one(LOCK)
    assert lock.inputs["level"] == "CanNotDelete" and lock.inputs["scope"] == account.id
    assert lock.protect
    assert all(c.protect for c in rec.of_type("azure-native:storage:BlobContainer"))


def test_area_grant_creates_one_assignment_with_a_deterministic_name_at_the_area_scope():
    def program() -> None:
        data_lake = lake()
        area = data_lake.add_project_area("churn")
        area.grant_read(GROUP)

    rec = record(program, subscription_id=SUB)
    assignment = rec.one(ROLE_ASSIGNMENT).inputs
    account = rec.one("azure-native:storage:StorageAccount")
    container = next(c for c in rec.of_type("azure-native:storage:BlobContainer") if c.inputs["containerName"] == lake_area_name("churn"))
    assert assignment["scope"] == container.id == f"{account.id}/blobServices/default/containers/prj-churn"
    assert assignment["roleDefinitionId"].endswith("/roleDefinitions/" + Role.STORAGE_BLOB_DATA_READER.value)
    assert assignment["principalId"] == GROUP.key and assignment["principalType"] == "Group"
    name = account.inputs["accountName"]
    assert assignment["roleAssignmentName"] == role_assignment_name(f"lake:{name}/prj-churn", GROUP.key, Role.STORAGE_BLOB_DATA_READER)
    again = record(program, subscription_id=SUB).one(ROLE_ASSIGNMENT).inputs
    assert again["roleAssignmentName"] == assignment["roleAssignmentName"]


def test_area_write_grant_uses_contributor():
    def program() -> None:
        lake().add_project_area("churn").grant_write(GROUP)

    assignment = record(program, subscription_id=SUB).one(ROLE_ASSIGNMENT).inputs
    assert assignment["roleDefinitionId"].endswith(Role.STORAGE_BLOB_DATA_CONTRIBUTOR.value)


def bad_lake(**changes: Any) -> DataLakeArgs:
    args: dict[str, Any] = dict(naming=NAMING, resource_group_name=RG, endpoints=PLACEMENT, log_analytics_workspace_id=WORKSPACE)
    args.update(changes)
    return DataLakeArgs(**args)


@pytest.mark.parametrize(
    "build, component, field",
    [
        (lambda: bad_lake(shared_areas=("Bad Area",)), "DataLakeArgs", "lake area"),
        (lambda: bad_lake(sku="Premium_LRS"), "DataLakeArgs", "sku"),
        (lambda: bad_lake(soft_delete_days=0), "DataLakeArgs", "soft_delete_days"),
        (lambda: bad_lake(allow_public_network_access="no"), "DataLakeArgs", "allow_public_network_access"),
        (lambda: bad_lake(endpoints={"subnet_id": SUBNET}), "DataLakeArgs", "endpoints"),
        (lambda: bad_lake(resource_group_name=None), "DataLakeArgs", "resource_group_name"),
        (lambda: bad_lake(lifecycle=LifecyclePolicy(), tier="Hot"), "DataLakeArgs", "tier"),
        (lambda: LifecyclePolicy(cool_after_days=100, cold_after_days=90), "LifecyclePolicy", "cool_after_days"),
        (lambda: LifecyclePolicy(cool_after_days=0), "LifecyclePolicy", "cool_after_days"),
        (lambda: KeyVaultArgs(placement=service_placement(), tenant_id="t", soft_delete_days=91), "KeyVaultArgs", "soft_delete_days"),
        (lambda: KeyVaultArgs(placement=service_placement(), tenant_id="t", sku="Premium"), "KeyVaultArgs", "sku"),
        (lambda: KeyVaultArgs(placement=service_placement(), tenant_id=None), "KeyVaultArgs", "tenant_id"),
        (lambda: KeyVaultArgs(placement=service_placement(), tenant_id="t", allow_public_network_access="true"),
         "KeyVaultArgs", "allow_public_network_access"),
        (lambda: MonitoringArgs(location="swedencentral", naming=NAMING, resource_group_name=RG, retention_days=5), "MonitoringArgs", "retention_days"),
        (lambda: MonitoringArgs(location="swedencentral", naming=NAMING, resource_group_name=RG, retention_days=731), "MonitoringArgs", "retention_days"),
        (lambda: MonitoringArgs(location="Sweden Central", naming=NAMING, resource_group_name=RG), "MonitoringArgs", "location"),
        (lambda: endpoint_args(group_id="nonsense"), "PrivateEndpointArgs", "group id"),
        (lambda: endpoint_args(group_id="vault", dns_zone_ids={}), "PrivateEndpointArgs", "privatelink.vaultcore.azure.net"),
        (lambda: endpoint_args(qualifier="Bad_Qualifier"), "PrivateEndpointArgs", "qualifier"),
        (lambda: endpoint_args(resource_id=["/x"]), "PrivateEndpointArgs", "resource_id"),
    ],
)
def test_bad_arguments_fail_before_registration_naming_the_args_and_the_field(build, component, field):
    problems: list[Problem] = []
    rec = record(lambda: problems.append(problem_of(build)))
    assert rec.resources == []
    problem = problems[0]
    assert problem.file == component, problem
    assert field == problem.field or field in problem.message, problem


def service_placement(project: str = "churn") -> ServicePlacement:
    return ServicePlacement(naming=NAMING, resource_group_name=f"rg-aif-{project}-dev", endpoints=PLACEMENT,
                            log_analytics_workspace_id=WORKSPACE, project=project)


def vault(**changes: Any) -> KeyVault:
    args: dict[str, Any] = dict(placement=service_placement(), tenant_id="tenant-guid")
    args.update(changes)
    return KeyVault("churn-kv", KeyVaultArgs(**args))


def test_key_vault_defaults_are_secure():
    rec = record(vault, subscription_id=SUB)
    vault_resource = rec.one("azure-native:keyvault:Vault")
    props = vault_resource.inputs["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True and props["softDeleteRetentionInDays"] == 90
    assert props["enablePurgeProtection"] is True
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"]["defaultAction"] == "Deny"
    assert props["tenantId"] == "tenant-guid"
    assert vault_resource.inputs["vaultName"] == resource_name(ResourceKind.KEY_VAULT, NAMING, project="churn")
    endpoint = rec.one("azure-native:network:PrivateEndpoint").inputs
    assert endpoint["privateLinkServiceConnections"][0] == {
        "name": endpoint["privateEndpointName"], "privateLinkServiceId": vault_resource.id, "groupIds": ["vault"],
    }
    zone_group = rec.one("azure-native:network:PrivateDnsZoneGroup").inputs
    assert zone_group["privateDnsZoneConfigs"][0]["privateDnsZoneId"] == ZONES["privatelink.vaultcore.azure.net"]
    diagnostic = rec.one("azure-native:monitor:DiagnosticSetting").inputs
    assert diagnostic["logs"] == [{"categoryGroup": "allLogs", "enabled": True}] and diagnostic["resourceUri"] == vault_resource.id
    assert check_inputs(vault_resource.type, vault_resource.inputs) == []


def test_key_vault_grants_and_protection():
    def program() -> None:
        kv = vault(protection=Protection(protect=True, delete_lock=True))
        kv.grant_secrets_read(GROUP)
        kv.grant_secrets_write(GROUP)

    rec = record(program, subscription_id=SUB)
    assignments = rec.of_type(ROLE_ASSIGNMENT)
    roles = sorted(r.inputs["roleDefinitionId"].rsplit("/", 1)[-1] for r in assignments)
    assert roles == sorted([Role.KEY_VAULT_SECRETS_USER.value, Role.KEY_VAULT_SECRETS_OFFICER.value])
    vault_resource = rec.one("azure-native:keyvault:Vault")
    assert {r.inputs["scope"] for r in assignments} == {vault_resource.id}
    assert vault_resource.protect
    lock = rec.one(LOCK).inputs
    assert lock["level"] == "CanNotDelete" and lock["scope"] == vault_resource.id


def test_two_vaults_do_not_collide():
    def program() -> None:
        vault()
        KeyVault("fraud-kv", KeyVaultArgs(placement=service_placement("fraud"), tenant_id="t"))

    rec = record(program, subscription_id=SUB)
    names = [r.inputs["vaultName"] for r in rec.of_type("azure-native:keyvault:Vault")]
    assert len(set(names)) == 2
    assert len({r.urn for r in rec.resources}) == len(rec.resources)
    ids = [r.id for r in rec.resources if r.custom]
    assert len(set(ids)) == len(ids)


def test_monitoring_workspace_is_entra_only():
    rec = record(lambda: Monitoring("monitoring", MonitoringArgs(location="swedencentral", naming=NAMING, resource_group_name=RG, retention_days=90)))
    workspace = rec.one("azure-native:operationalinsights:Workspace").inputs
    assert workspace["features"] == {"disableLocalAuth": True}
    assert workspace["retentionInDays"] == 90 and workspace["workspaceName"] == resource_name(ResourceKind.LOG_ANALYTICS, NAMING)


def endpoint_args(**changes: Any) -> PrivateEndpointArgs:
    base: dict[str, Any] = dict(resource_id="/x", group_id="vault", subnet_id=SUBNET, resource_group_name=RG, location="swedencentral",
                                naming=NAMING, qualifier="x", dns_zone_ids=ZONES)
    base.update(changes)
    return PrivateEndpointArgs(**base)


def test_private_endpoint_wires_every_zone_of_its_group():
    rec = record(lambda: PrivateEndpoint("ml", endpoint_args(resource_id="/ws", group_id="amlworkspace", qualifier="mlw", project="churn")))
    endpoint = rec.one("azure-native:network:PrivateEndpoint").inputs
    zone_group = rec.one("azure-native:network:PrivateDnsZoneGroup").inputs
    assert zone_group["privateEndpointName"] == endpoint["privateEndpointName"]
    configs = zone_group["privateDnsZoneConfigs"]
    assert sorted(c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in configs) == ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"]
    assert endpoint["customNetworkInterfaceName"] == endpoint["privateEndpointName"] + "-nic"


# --- the platform of an environment, planned ------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_plan() -> Plan:
    return run_plan(REPO, "dev")


@pytest.fixture(scope="module")
def dev_factory() -> Factory:
    return load_factory(REPO, "dev", catalog=load_catalog())


@pytest.fixture(scope="module")
def prod_plan() -> Plan:
    return run_plan(REPO, "prod")


@pytest.fixture(scope="module")
def prod_factory() -> Factory:
    return load_factory(REPO, "prod", catalog=load_catalog())


def test_prod_plan_protects_and_locks_stateful_resources(prod_plan, prod_factory):
    stateful = [r for r in prod_plan.custom_resources
                if r.type in ("azure-native:storage:StorageAccount", "azure-native:keyvault:Vault", "azure-native:storage:BlobContainer")]
    assert len(stateful) >= 5
    assert all(r.protect for r in stateful)
    locks = {r.inputs["scope"] for r in prod_plan.custom_resources if r.type == LOCK}
    accounts_and_vaults = {r.id for r in stateful if r.type != "azure-native:storage:BlobContainer"}
    assert accounts_and_vaults <= locks
    lake_account = next(r for r in prod_plan.custom_resources if r.type == "azure-native:storage:StorageAccount"
                        and r.inputs["accountName"] == lake_account_name(prod_factory.naming))
    assert lake_account.inputs["sku"]["name"] == "Standard_ZRS"


def assignments_at(plan: Plan, container: str) -> list[Any]:
    return [r for r in plan.custom_resources if r.type == ROLE_ASSIGNMENT and r.inputs["scope"].endswith(f"/containers/{container}")]


def test_dev_plan_shows_the_lake_and_team_access(dev_plan, dev_factory):
    containers = sorted(r.inputs["containerName"] for r in dev_plan.custom_resources if r.type == "azure-native:storage:BlobContainer")
    assert containers == sorted([*(lake_area_name(p.name) for p in dev_factory.active_projects), *SHARED])
    assert not any(r.protect for r in dev_plan.custom_resources)
    assignments = [r.inputs for r in dev_plan.custom_resources if r.type == ROLE_ASSIGNMENT]
    names = [a["roleAssignmentName"] for a in assignments]
    assert len(names) == len(set(names))
    churn = dev_factory.project("churn-prediction")
    assert churn is not None
    request = churn.request
    area = [r.inputs for r in assignments_at(dev_plan, lake_area_name(churn.name))]
    wired = [key for key in churn.services for w in dev_factory.catalog.services[key].wiring if w.target == LAKE_TARGET]
    assert sorted(wired) == ["aml", "datafactory"]
    # owners, members and readers + the workload identity + the AML and Data Factory identities
    assert len(area) == len(request.owners) + len(request.members) + len(request.readers) + 1 + len(wired) == 6
    roles = {a["principalId"]: a["roleDefinitionId"].rsplit("/", 1)[-1] for a in area}
    assert all(roles[p.object_id] == Role.STORAGE_BLOB_DATA_CONTRIBUTOR.value for p in (*request.owners, *request.members))
    assert all(roles[p.object_id] == Role.STORAGE_BLOB_DATA_READER.value for p in request.readers)


def test_people_read_the_shared_areas_through_the_platform_and_projects_grant_only_their_workload(dev_plan, dev_factory):
    owner = dev_plan.project_of()
    people = {p.object_id for project in dev_factory.active_projects
              for p in (*project.request.owners, *project.request.members, *project.request.readers)}
    workloads = {dev_plan.outputs["projects"][p.name]["workloadIdentity"]["principalId"]: p.name for p in dev_factory.active_projects}
    assert len(workloads) == len(dev_factory.active_projects) >= 3
    for area in SHARED:
        found = assignments_at(dev_plan, area)
        reader = Role.STORAGE_BLOB_DATA_READER.value
        assert all(r.inputs["roleDefinitionId"].endswith("/" + reader) for r in found)  # nobody writes a shared area
        by_platform = Counter(r.inputs["principalId"] for r in found if owner[r.urn] is None)
        by_projects = {(r.inputs["principalId"], owner[r.urn]) for r in found if owner[r.urn] is not None}
        assert by_platform == Counter(people)  # one assignment per person and area
        assert by_projects == set(workloads.items())  # each project: its own workload identity, nothing else
        assert len(found) == len(people) + len(workloads)


@pytest.fixture(scope="module")
def changed_dev(tmp_path_factory) -> tuple[Factory, Plan, dict[str, str]]:
    """dev with the hub firewall on, and the churn owners' group also a member of telemetry-stream."""
    root = tmp_path_factory.mktemp("factory")
    for stack_file in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, root / stack_file.name)
    shutil.copytree(REPO / "projects", root / "projects")
    stack = load_yaml(root / "Pulumi.dev.yaml")
    stack["config"]["aifactory:hub"]["firewall"] = True
    write_yaml(root / "Pulumi.dev.yaml", stack)
    telemetry = load_yaml(root / "projects" / "telemetry-stream.yaml")
    churn_owner = load_yaml(root / "projects" / "churn-prediction.yaml")["owners"][0]
    telemetry["members"].append({"objectId": churn_owner["objectId"], "type": churn_owner["type"]})
    write_yaml(root / "projects" / "telemetry-stream.yaml", telemetry)
    return load_factory(root, "dev", catalog=load_catalog()), run_plan(root, "dev"), churn_owner


def test_shared_area_readers_are_the_union_of_every_projects_people_once(changed_dev):
    """A person in two projects (owner here, member there) reads each shared area through one assignment."""
    factory, plan, churn_owner = changed_dev
    readers = shared_area_readers(factory)
    keys = [grantee.key for grantee, _ in readers]
    assert len(keys) == len(set(keys)) and churn_owner["objectId"] in keys
    expected_roles = tuple(sorted({r for p in Persona for r in SHARED_LAKE_ROLES[p]}, key=lambda r: r.value))
    assert all(roles == expected_roles for _, roles in readers)
    for area in SHARED:  # (the plan refuses two grants of one role to one principal at one scope)
        mine = [r for r in assignments_at(plan, area) if r.inputs["principalId"] == churn_owner["objectId"]]
        assert len(mine) == 1 and mine[0].inputs["principalType"] == churn_owner["type"]


def test_removing_a_project_leaves_the_other_teams_shared_area_access_untouched(dev_plan, dev_factory, tmp_path):
    projects = tmp_path / "projects"
    projects.mkdir()
    leaving = "telemetry-stream"
    for source in (REPO / "projects").glob("*.yaml"):
        if source.stem != leaving:
            (projects / source.name).write_text(source.read_text())
    smaller = run_plan(REPO, "dev", projects_dir=projects)
    leaving_project = dev_factory.project(leaving)
    assert leaving_project is not None
    only_theirs = {p.object_id for p in (*leaving_project.request.owners, *leaving_project.request.members)}
    for area in SHARED:
        before = {r.urn: r.inputs for r in assignments_at(dev_plan, area)}
        after = {r.urn: r.inputs for r in assignments_at(smaller, area)}
        assert set(after) < set(before)  # nothing new, nothing renamed: only removals
        assert all(after[urn] == before[urn] for urn in after)
        removed = {before[urn]["principalId"] for urn in set(before) - set(after)}
        workload = dev_plan.outputs["projects"][leaving]["workloadIdentity"]["principalId"]
        assert removed == only_theirs | {workload}


def test_no_egress_rules_without_a_hub_firewall(dev_factory):
    assert not dev_factory.settings.hub.firewall
    assert egress_rules(dev_factory) == ()


def test_egress_rules_come_from_each_projects_service_specs_and_its_subnets(prod_factory):
    factory = prod_factory
    assert factory.settings.hub.firewall
    rules = egress_rules(factory)
    expected = [
        (f"{project.name}-{rule.name}", rule, project)
        for project in factory.active_projects
        for key in sorted(project.services)
        for rule in factory.catalog.services[key].egress
    ]
    assert expected and [r.name for r in rules] == [name for name, _, _ in expected]
    for made, (_, spec, project) in zip(rules, expected):
        assert made.kind == spec.kind and made.ports == spec.ports and made.protocols == spec.protocols
        assert made.sources == tuple(str(project.spoke.subnets[s]) for s in spec.subnets)
        assert made.destinations == tuple(d.format(location=factory.location) for d in spec.destinations)
        assert all("{" not in d for d in made.destinations)
        assert made.description == spec.reason


def test_prod_hub_firewall_carries_the_egress_rules(prod_plan, prod_factory):
    factory = prod_factory
    group = next(r for r in prod_plan.custom_resources if r.type == "azure-native:network:FirewallPolicyRuleCollectionGroup")
    planned = [rule for collection in group.inputs["ruleCollections"] for rule in collection["rules"]]
    assert sorted(rule["name"] for rule in planned) == sorted(rule.name for rule in egress_rules(factory))
    policy = next(r for r in prod_plan.custom_resources if r.type == "azure-native:network:FirewallPolicy")
    assert group.id.startswith(policy.id + "/")


def test_spokes_behind_the_firewall_get_their_services_egress_and_aks_routes_through_it(changed_dev):
    factory, plan, _ = changed_dev
    assert factory.settings.hub.firewall
    aks_projects = [p for p in factory.active_projects if "aks" in p.services]
    assert aks_projects
    group = next(r for r in plan.custom_resources if r.type == "azure-native:network:FirewallPolicyRuleCollectionGroup")
    rules = {rule["name"]: rule for collection in group.inputs["ruleCollections"] for rule in collection["rules"]}
    for project in aks_projects:
        node_subnet = str(project.spoke.subnets["aks"])
        aks_rules = [rule for name, rule in rules.items() if name.startswith(f"{project.name}-aks-")]
        assert aks_rules and all(rule["sourceAddresses"] == [node_subnet] for rule in aks_rules)
        assert any(rule.get("fqdnTags") == ["AzureKubernetesService"] for rule in aks_rules)
        cluster = next(r for r in plan.custom_resources if r.type == "azure-native:containerservice:ManagedCluster"
                       and r.inputs["resourceGroupName"] == resource_name(ResourceKind.RESOURCE_GROUP, project.naming, project=project.name))
        assert cluster.inputs["networkProfile"]["outboundType"] == "userDefinedRouting"
        table = next(r for r in plan.custom_resources if r.type == "azure-native:network:RouteTable" and r.id.startswith(
            f"/subscriptions/{project.subscription_id}/resourceGroups/{cluster.inputs['resourceGroupName']}/"))
        grants = [r.inputs for r in plan.custom_resources if r.type == ROLE_ASSIGNMENT and r.inputs["scope"] == table.id]
        assert [g["roleDefinitionId"].rsplit("/", 1)[-1] for g in grants] == [Role.NETWORK_CONTRIBUTOR.value]
    assert [v for v in plan.violations if v.level == "mandatory"] == []
