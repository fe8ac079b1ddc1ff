"""The service components for every language: Azure ML, Databricks, Event Hubs, AKS and Microsoft Foundry.

Each takes the same `naming` and `placement` (the Python API's `NamingContext` and
`ServicePlacement`), its own settings, `grants` (the Python API's `grant_*` methods as data) and
`tags`. No `from __future__ import annotations`: the SDK's analyzer reads these annotations as objects.
"""

from typing import Any, Mapping, Optional, TypedDict

import pulumi
from typing_extensions import NotRequired

from aifactory.components import aks as aks_component
from aifactory.components import databricks as databricks_component
from aifactory.components import event_hubs as event_hubs_component
from aifactory.components import foundry as foundry_component
from aifactory.components import machine_learning as ml_component
from aifactory.components.rbac import Grantee
from aifactory.provider.inputs import (
    ArgsCheck,
    ExportedComponent,
    Naming,
    Placement,
    Protection,
    RoleGrant,
    apply_grants,
    camel_path,
    component_settings,
    flag,
    from_wire,
    given,
    naming_context,
    output,
    protection,
    role_grants,
    schema_type,
    service_placement,
)

Grants = list[tuple[str, Grantee]]

ML_ROLES: Mapping[str, str] = {"dataScientist": "grant_data_scientist", "computeOperator": "grant_compute_operator"}
DATABRICKS_ROLES: Mapping[str, str] = {"reader": "grant_reader"}
EVENT_HUBS_ROLES: Mapping[str, str] = {"sender": "grant_send", "receiver": "grant_receive"}
AKS_ROLES: Mapping[str, str] = {
    "clusterUser": "grant_cluster_user",
    "rbacWriter": "grant_rbac_writer",
    "rbacReader": "grant_rbac_reader",
}
FOUNDRY_ROLES: Mapping[str, str] = {"user": "grant_user", "projectManager": "grant_project_manager"}


# --- Azure Machine Learning -----------------------------------------------------------------------------


@schema_type
class ComputeCluster(TypedDict):
    """A CPU cluster that scales to zero; local auth and node public IPs off."""

    name: NotRequired[str]
    """The cluster's short name (2-16 lowercase letters, digits, hyphens). Default: `cpu`."""
    vm_size: NotRequired[str]
    """The VM size. Default: `Standard_DS3_v2`."""
    max_nodes: NotRequired[int]
    """Most nodes (0-100). Default: 4."""
    min_nodes: NotRequired[int]
    """Fewest nodes (0-100, at most `maxNodes`). Default: 0."""
    idle_before_scale_down: NotRequired[str]
    """Idle time before scaling down, ISO 8601 (`PT15M`, `PT1H`). Default: `PT15M`."""


@schema_type
class LakeDatastore(TypedDict):
    """The project's lake area, registered as the workspace's `lake` datastore (identity-based, no keys)."""

    account_id: pulumi.Input[str]
    """The lake's storage account id."""
    account_name: str
    """The lake's storage account name."""
    filesystem: str
    """The project's area (container), `prj-<project>`."""


class MachineLearningWorkspaceInputs(TypedDict):
    """Inputs of MachineLearningWorkspace."""

    naming: Naming
    """Naming prefix, environment and subscription."""
    placement: Placement
    """Project, region, resource group, private endpoint subnet and zones, Log Analytics workspace."""
    key_vault_id: pulumi.Input[str]
    """The project's Key Vault (the workspace's key vault)."""
    container_registry_id: NotRequired[pulumi.Input[str]]
    """A shared container registry; without one the workspace gets its own Premium, private registry."""
    application_insights_id: NotRequired[pulumi.Input[str]]
    """An Application Insights component; without one a workspace-based one is created."""
    isolation_mode: NotRequired[str]
    """Managed network isolation: `AllowOnlyApprovedOutbound` (default), `AllowInternetOutbound` or `Disabled`."""
    compute: NotRequired[ComputeCluster]
    """The CPU cluster; fields left out keep their defaults."""
    compute_enabled: NotRequired[bool]
    """Create the CPU cluster. Default: true."""
    lake: NotRequired[LakeDatastore]
    """The project's lake area as the `lake` datastore (and a managed-network outbound rule to its dfs endpoint)."""
    attached_aks_id: NotRequired[pulumi.Input[str]]
    """An AKS cluster to attach for inference (local auth off)."""
    storage_sku: NotRequired[str]
    """The SKU of the workspace's own storage account. Default: `Standard_LRS`."""
    zone_redundant: NotRequired[bool]
    """Zone redundancy of the workspace's own registry. Default: false."""
    protection: NotRequired[Protection]
    """Guards the workspace's own storage (experiments, models) against deletion."""
    grants: NotRequired[list[RoleGrant]]
    """Roles on the workspace: `dataScientist` (AzureML Data Scientist), `computeOperator` (AzureML Compute Operator)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""


def machine_learning_workspace_args(args: Mapping[str, Any]) -> tuple[ml_component.MachineLearningWorkspaceArgs, Grants]:
    """Our `MachineLearningWorkspaceArgs` and the grants, from plain inputs."""
    check = ArgsCheck(ml_component.MachineLearningWorkspaceArgs)
    naming = naming_context(check, args["naming"])
    placement = service_placement(check, naming, args["placement"])
    grants = role_grants(check, args.get("grants"), ML_ROLES)
    enabled = flag(check, args.get("compute_enabled"), "computeEnabled")
    if not enabled and args.get("compute") is not None:
        check.add("a compute cluster is described but computeEnabled is false", "compute")
    compute = check.nested(ml_component.ComputeCluster, args.get("compute"), "compute")
    lake = check.nested(ml_component.LakeDatastore, args.get("lake"), "lake")
    values = given(
        placement=placement,
        key_vault_id=args["key_vault_id"],
        container_registry_id=args.get("container_registry_id"),
        application_insights_id=args.get("application_insights_id"),
        isolation_mode=args.get("isolation_mode"),
        compute=compute,
        lake=lake,
        attached_aks_id=args.get("attached_aks_id"),
        storage_sku=args.get("storage_sku"),
        zone_redundant=args.get("zone_redundant"),
        protection=protection(check, args.get("protection")),
        settings=component_settings(args.get("tags")),
    )
    if not enabled:
        values["compute"] = None  # the Python API's compute=None
    return check.build(ml_component.MachineLearningWorkspaceArgs, values), grants


class MachineLearningWorkspace(ExportedComponent):
    """A private Azure Machine Learning workspace with a managed network (approved outbound only), its own
    Entra-only storage, a registry and Application Insights unless shared ones are given, identity-based
    datastores, a CPU cluster that scales to zero with local auth off, private endpoints and diagnostics."""

    workspace_id: pulumi.Output[str]
    """The workspace's resource id."""
    workspace_name: pulumi.Output[str]
    """The workspace's name."""
    principal_id: pulumi.Output[str]
    """The workspace's system-assigned identity (grant it access to data it reads)."""

    def __init__(self, name: str, args: MachineLearningWorkspaceInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        spec, grants = machine_learning_workspace_args(from_wire(args))
        super().__init__(name, opts)
        workspace = ml_component.MachineLearningWorkspace(name, spec, opts=self.child_opts())
        apply_grants(workspace, grants)
        self.workspace_id = workspace.workspace_id
        self.workspace_name = output(workspace.workspace_name)
        self.principal_id = output(workspace.identity.principal_id)
        self.publish()


# --- Databricks -----------------------------------------------------------------------------------------


@schema_type
class DatabricksSubnets(TypedDict):
    """The two delegated subnets of the spoke the workspace is injected into (names as in the VNet)."""

    vnet_id: pulumi.Input[str]
    """The spoke VNet's resource id."""
    host_subnet_name: str
    """The host (public) subnet's Azure name, e.g. `snet-dbw-host`."""
    host_subnet_cidr: str
    """The host subnet's range (at least a /26)."""
    container_subnet_name: str
    """The container (private) subnet's Azure name, e.g. `snet-dbw-container`."""
    container_subnet_cidr: str
    """The container subnet's range (at least a /26, distinct from the host subnet)."""


class DatabricksWorkspaceInputs(TypedDict):
    """Inputs of DatabricksWorkspace."""

    naming: Naming
    """Naming prefix, environment and subscription."""
    placement: Placement
    """Project, region, resource group, private endpoint subnet and zones, Log Analytics workspace."""
    subnets: DatabricksSubnets
    """The delegated subnets for VNet injection."""
    grants: NotRequired[list[RoleGrant]]
    """Roles on the workspace resource: `reader` (Reader; workspace access itself is managed in Databricks)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""


def databricks_workspace_args(args: Mapping[str, Any]) -> tuple[databricks_component.DatabricksWorkspaceArgs, Grants]:
    """Our `DatabricksWorkspaceArgs` and the grants, from plain inputs."""
    check = ArgsCheck(databricks_component.DatabricksWorkspaceArgs)
    naming = naming_context(check, args["naming"])
    placement = service_placement(check, naming, args["placement"])
    grants = role_grants(check, args.get("grants"), DATABRICKS_ROLES)
    subnets = check.nested(databricks_component.DatabricksSubnets, args["subnets"], "subnets")
    spec = check.build(
        databricks_component.DatabricksWorkspaceArgs,
        given(placement=placement, subnets=subnets, settings=component_settings(args.get("tags"))),
    )
    return spec, grants


class DatabricksWorkspace(ExportedComponent):
    """A Premium Azure Databricks workspace injected into the spoke: no public IPs, public network access
    off, back-end private link, private UI/API endpoints, diagnostics."""

    workspace_id: pulumi.Output[str]
    """The workspace's resource id."""
    workspace_name: pulumi.Output[str]
    """The workspace's name."""
    workspace_url: pulumi.Output[str]
    """The workspace's URL (`adb-<id>.<n>.azuredatabricks.net`)."""

    def __init__(self, name: str, args: DatabricksWorkspaceInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        spec, grants = databricks_workspace_args(from_wire(args))
        super().__init__(name, opts)
        workspace = databricks_component.DatabricksWorkspace(name, spec, opts=self.child_opts())
        apply_grants(workspace, grants)
        self.workspace_id = workspace.workspace_id
        self.workspace_name = output(workspace.workspace_name)
        self.workspace_url = workspace.workspace_url
        self.publish()


# --- Event Hubs -----------------------------------------------------------------------------------------


@schema_type
class EventHub(TypedDict):
    """An event hub and its consumer groups."""

    name: str
    """The hub's name (unique in the namespace)."""
    partitions: NotRequired[int]
    """Partitions (1-32). Default: 4."""
    retention_days: NotRequired[int]
    """Message retention (1-7 days). Default: 1."""
    consumer_groups: NotRequired[list[str]]
    """Consumer groups (at most 20, distinct)."""


class EventHubsInputs(TypedDict):
    """Inputs of EventHubs."""

    naming: Naming
    """Naming prefix, environment and subscription."""
    placement: Placement
    """Project, region, resource group, private endpoint subnet and zones, Log Analytics workspace."""
    sku: NotRequired[str]
    """`Standard` (default) or `Premium`: Basic has neither private endpoints nor consumer groups."""
    capacity: NotRequired[int]
    """Throughput (Standard) or processing (Premium) units, 1-40. Default: 1."""
    zone_redundant: NotRequired[bool]
    """Zone redundancy. Default: false."""
    hubs: NotRequired[list[EventHub]]
    """The event hubs (at most 50, names unique)."""
    grants: NotRequired[list[RoleGrant]]
    """Roles on the namespace: `sender` (Azure Event Hubs Data Sender), `receiver` (Azure Event Hubs Data Receiver)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""


def event_hubs_args(args: Mapping[str, Any]) -> tuple[event_hubs_component.EventHubsArgs, Grants]:
    """Our `EventHubsArgs` and the grants, from plain inputs."""
    check = ArgsCheck(event_hubs_component.EventHubsArgs)
    naming = naming_context(check, args["naming"])
    placement = service_placement(check, naming, args["placement"])
    grants = role_grants(check, args.get("grants"), EVENT_HUBS_ROLES)
    spec = check.build(
        event_hubs_component.EventHubsArgs,
        given(
            placement=placement,
            sku=args.get("sku"),
            capacity=args.get("capacity"),
            zone_redundant=args.get("zone_redundant"),
            hubs=args.get("hubs"),
            settings=component_settings(args.get("tags")),
        ),
    )
    return spec, grants


class EventHubs(ExportedComponent):
    """An Event Hubs namespace (Standard or Premium, Kafka on): Entra ID only (local auth off), TLS 1.2,
    public network access off, a private endpoint, diagnostics, with its hubs and consumer groups."""

    namespace_id: pulumi.Output[str]
    """The namespace's resource id."""
    namespace_name: pulumi.Output[str]
    """The namespace's name."""
    fqdn: pulumi.Output[str]
    """The namespace's FQDN (`<name>.servicebus.windows.net`), for Kafka and AMQP clients."""

    def __init__(self, name: str, args: EventHubsInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        spec, grants = event_hubs_args(from_wire(args))
        super().__init__(name, opts)
        namespace = event_hubs_component.EventHubs(name, spec, opts=self.child_opts())
        apply_grants(namespace, grants)
        self.namespace_id = namespace.namespace_id
        self.namespace_name = output(namespace.namespace_name)
        self.fqdn = output(namespace.fqdn)
        self.publish()


# --- AKS ------------------------------------------------------------------------------------------------


@schema_type
class NodePool(TypedDict):
    """An autoscaling node pool (Azure Linux, encryption at host, no node public IPs)."""

    name: NotRequired[str]
    """1-12 lowercase letters and digits, starting with a letter. Default: `system` or `user`."""
    vm_size: NotRequired[str]
    """The VM size. Default: `Standard_D4ds_v5`."""
    min_count: NotRequired[int]
    """Fewest nodes. Default: 2 (system), 0 (user)."""
    max_count: NotRequired[int]
    """Most nodes. Default: 3 (system), 5 (user)."""


class AksClusterInputs(TypedDict):
    """Inputs of AksCluster."""

    naming: Naming
    """Naming prefix, environment and subscription."""
    placement: Placement
    """Project, region, resource group, Log Analytics workspace; no endpoint subnet or zones needed (the API server is private, with `privateDnsZoneId`)."""
    node_subnet_id: pulumi.Input[str]
    """The spoke subnet the nodes go to."""
    node_subnet_cidr: str
    """The node subnet's range: pod and service ranges must not overlap it."""
    tenant_id: pulumi.Input[str]
    """The Entra tenant for Entra ID with Azure RBAC."""
    pod_cidr: NotRequired[str]
    """The overlay pod range. Default: `10.244.0.0/16`."""
    service_cidr: NotRequired[str]
    """The service range (smaller than a /12). Default: `10.245.0.0/16`."""
    dns_service_ip: NotRequired[str]
    """The cluster DNS service IP, inside `serviceCidr`. Default: `10.245.0.10`."""
    reserved_ranges: NotRequired[dict[str, str]]
    """Every range the VNets use (label to CIDR): pod and service ranges must overlap none of them."""
    admin_group_object_ids: NotRequired[list[str]]
    """Entra groups that administer the cluster."""
    system_pool: NotRequired[NodePool]
    """The system pool; fields left out keep the default system pool's values."""
    user_pool: NotRequired[NodePool]
    """The user pool; fields left out keep the default user pool's values."""
    user_pool_enabled: NotRequired[bool]
    """Create the user pool. Default: true."""
    kubernetes_version: NotRequired[str]
    """The Kubernetes version; default: AKS's default."""
    tier: NotRequired[str]
    """`Free`, `Standard` (default) or `Premium`."""
    private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """The hub's `privatelink.<region>.azmk8s.io` zone, so the hub and every spoke resolve the API server (a user-assigned control-plane identity is created and granted on it)."""
    route_table_id: NotRequired[pulumi.Input[str]]
    """The node subnet's route table to a hub firewall: outbound traffic then goes through it (needs `privateDnsZoneId`)."""
    grants: NotRequired[list[RoleGrant]]
    """Roles on the cluster: `clusterUser` (Azure Kubernetes Service Cluster User), `rbacWriter`, `rbacReader` (AKS RBAC Writer, Reader)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""


def _pool(check: ArgsCheck, given_pool: Optional[Mapping[str, Any]], field: str) -> Any:
    """A node pool: the default pool of our Args with the given fields over it."""
    default = aks_component.AksClusterArgs.model_fields[field].default
    return check.nested(aks_component.NodePool, {**default.model_dump(), **(given_pool or {})}, camel_path(field))


def aks_cluster_args(args: Mapping[str, Any]) -> tuple[aks_component.AksClusterArgs, Grants]:
    """Our `AksClusterArgs` and the grants, from plain inputs."""
    check = ArgsCheck(aks_component.AksClusterArgs)
    naming = naming_context(check, args["naming"])
    placement = service_placement(check, naming, args["placement"], endpoints=False)
    grants = role_grants(check, args.get("grants"), AKS_ROLES)
    enabled = flag(check, args.get("user_pool_enabled"), "userPoolEnabled")
    if not enabled and args.get("user_pool") is not None:
        check.add("a user pool is described but userPoolEnabled is false", "userPool")
    values = given(
        placement=placement,
        node_subnet_id=args["node_subnet_id"],
        node_subnet_cidr=args["node_subnet_cidr"],
        tenant_id=args["tenant_id"],
        pod_cidr=args.get("pod_cidr"),
        service_cidr=args.get("service_cidr"),
        dns_service_ip=args.get("dns_service_ip"),
        reserved_ranges=args.get("reserved_ranges"),
        admin_group_object_ids=args.get("admin_group_object_ids"),
        system_pool=_pool(check, args.get("system_pool"), "system_pool"),
        user_pool=_pool(check, args.get("user_pool"), "user_pool") if enabled else None,
        kubernetes_version=args.get("kubernetes_version"),
        tier=args.get("tier"),
        private_dns_zone_id=args.get("private_dns_zone_id"),
        route_table_id=args.get("route_table_id"),
        settings=component_settings(args.get("tags")),
    )
    if not enabled:
        values["user_pool"] = None  # the Python API's user_pool=None
    return check.build(aks_component.AksClusterArgs, values), grants


class AksCluster(ExportedComponent):
    """A private AKS cluster: private API server (no public FQDN), Entra ID with Azure RBAC, local accounts
    off, Azure CNI overlay with Cilium, workload identity and OIDC issuer, Defender, Azure Policy, image
    cleaner, automatic patch upgrades, autoscaling Azure Linux pools with encryption at host, diagnostics."""

    cluster_id: pulumi.Output[str]
    """The cluster's resource id."""
    cluster_name: pulumi.Output[str]
    """The cluster's name."""
    oidc_issuer_url: pulumi.Output[str]
    """The OIDC issuer URL, for workload identity federation."""
    kubelet_principal_id: pulumi.Output[str]
    """The kubelet identity's object id (grant it AcrPull on registries the cluster pulls from)."""

    def __init__(self, name: str, args: AksClusterInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        spec, grants = aks_cluster_args(from_wire(args))
        super().__init__(name, opts)
        cluster = aks_component.AksCluster(name, spec, opts=self.child_opts())
        apply_grants(cluster, grants)
        self.cluster_id = cluster.cluster_id
        self.cluster_name = output(cluster.cluster_name)
        self.oidc_issuer_url = cluster.oidc_issuer_url
        self.kubelet_principal_id = output(cluster.kubelet_identity.principal_id)
        self.publish()


# --- Microsoft Foundry ----------------------------------------------------------------------------------


@schema_type
class ModelDeployment(TypedDict):
    """One model deployment on the Foundry resource."""

    name: str
    """The deployment's name (what clients call), unique on the resource."""
    model: str
    """The model's name, e.g. `gpt-4o`."""
    version: str
    """The model's version, e.g. `2024-11-20`."""
    capacity: NotRequired[int]
    """Capacity in thousands of tokens per minute (1-10000). Default: 10."""
    sku: NotRequired[str]
    """`GlobalStandard` (default), `Standard`, `DataZoneStandard`, `ProvisionedManaged` or `GlobalProvisionedManaged`."""
    model_format: NotRequired[str]
    """The model's publisher format (`OpenAI` (default), `Microsoft`, `Meta`, ...)."""


class FoundryProjectInputs(TypedDict):
    """Inputs of FoundryProject."""

    naming: Naming
    """Naming prefix, environment and subscription."""
    placement: Placement
    """Project, region, resource group, private endpoint subnet and zones, Log Analytics workspace."""
    deployments: NotRequired[list[ModelDeployment]]
    """Model deployments on the Foundry resource (made one after another: Azure refuses concurrent ones)."""
    agent_subnet_id: NotRequired[pulumi.Input[str]]
    """A subnet delegated to `Microsoft.App/environments` for the Agent Service's compute (not in 10.0.0.0/8)."""
    display_name: NotRequired[str]
    """The Foundry project's display name (at most 100 characters); default: the project's name."""
    description: NotRequired[str]
    """The Foundry project's description (at most 500 characters)."""
    sku: NotRequired[str]
    """The Foundry resource's SKU: `S0`."""
    grants: NotRequired[list[RoleGrant]]
    """Roles on the Foundry project: `user` (Azure AI User), `projectManager` (Azure AI Project Manager)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""


def foundry_project_args(args: Mapping[str, Any]) -> tuple[foundry_component.FoundryProjectArgs, Grants]:
    """Our `FoundryProjectArgs` and the grants, from plain inputs."""
    check = ArgsCheck(foundry_component.FoundryProjectArgs)
    naming = naming_context(check, args["naming"])
    placement = service_placement(check, naming, args["placement"])
    grants = role_grants(check, args.get("grants"), FOUNDRY_ROLES)
    spec = check.build(
        foundry_component.FoundryProjectArgs,
        given(
            placement=placement,
            deployments=args.get("deployments"),
            agent_subnet_id=args.get("agent_subnet_id"),
            display_name=args.get("display_name"),
            description=args.get("description"),
            sku=args.get("sku"),
            settings=component_settings(args.get("tags")),
        ),
    )
    return spec, grants


class FoundryProject(ExportedComponent):
    """A Microsoft Foundry resource for one team and its Foundry project: custom subdomain, local auth off,
    public network access off, network ACLs that deny, a system identity on the project, model deployments,
    optional agent subnet injection, a private endpoint and diagnostics."""

    account_id: pulumi.Output[str]
    """The Foundry resource's (Cognitive Services account's) resource id."""
    account_name: pulumi.Output[str]
    """The Foundry resource's name (also its custom subdomain)."""
    project_id: pulumi.Output[str]
    """The Foundry project's resource id (the scope of the team's roles)."""
    project_name: pulumi.Output[str]
    """The Foundry project's name."""
    endpoint: pulumi.Output[str]
    """The Foundry resource's endpoint (`https://<account>.services.ai.azure.com/`)."""
    project_endpoint: pulumi.Output[str]
    """The Foundry project's endpoint, what the SDKs and the Agent Service are given."""
    project_principal_id: pulumi.Output[str]
    """The Foundry project's system-assigned identity (what agents and the team's code act as)."""

    def __init__(self, name: str, args: FoundryProjectInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        spec, grants = foundry_project_args(from_wire(args))
        super().__init__(name, opts)
        foundry = foundry_component.FoundryProject(name, spec, opts=self.child_opts())
        apply_grants(foundry, grants)
        self.account_id = foundry.account_id
        self.account_name = output(foundry.account_name)
        self.project_id = foundry.project_id
        self.project_name = output(foundry.project_name)
        self.endpoint = output(foundry.endpoint)
        self.project_endpoint = output(foundry.project_endpoint)
        self.project_principal_id = output(foundry.project_identity.principal_id)
        self.publish()
