"""The shared build steps of the built-in project types.

A type's build composes components for one project: the spoke, the workload identity, the
project's lake area and key vault, then the services of its type. Every role assignment comes
from the role matrix in :mod:`aifactory.access`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Iterable, Mapping, Optional

import pulumi

from pulumi_azure_native import managedidentity

from aifactory.access import Persona, Role, roles_for
from aifactory.components.ai_search import AiSearch, AiSearchArgs
from aifactory.components.ai_services import AiServices, AiServicesArgs, ModelDeployment
from aifactory.components.aks import AksCluster, AksClusterArgs, NodePool
from aifactory.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from aifactory.components.data_factory import DataFactory, DataFactoryArgs, LakeLink
from aifactory.components.databricks import DatabricksSubnets, DatabricksWorkspace, DatabricksWorkspaceArgs
from aifactory.components.event_hubs import EventHubs, EventHubsArgs, EventHubSpec
from aifactory.components.budget import Budget, BudgetArgs
from aifactory.components.datalake import add_project_area
from aifactory.components.keyvault import KeyVault, KeyVaultArgs
from aifactory.components.machine_learning import ComputeCluster, LakeDatastore, MachineLearningWorkspace, MachineLearningWorkspaceArgs
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.components.spoke import HubConnection, ProjectSpoke, ProjectSpokeArgs
from aifactory.components.stateful import Protection
from aifactory.dns import AKS_ZONE_TEMPLATE, zones_for_groups
from aifactory.naming import ResourceKind, resource_name
from aifactory.project_types.context import ProjectContext
from aifactory.subnet_templates import PRIVATE_ENDPOINT_SUBNET

CONTRACT_KEYS: tuple[str, ...] = (
    "type",
    "cidr",
    "resourceGroup",
    "vnetId",
    "lakeAreaUrl",
    "keyVaultUri",
    "workloadIdentityClientId",
    "workloadIdentityPrincipalId",
    "workloadIdentityId",
    "actionGroupId",
    "amlWorkspaceId",
    "databricksWorkspaceId",
    "dataFactoryId",
    "aiServicesEndpoint",
    "searchEndpoint",
    "eventHubsNamespace",
    "registryLoginServer",
    "aksClusterId",
    "aksOidcIssuerUrl",
)
"""The project contract: stack outputs every project exports, whatever its type (docs/project-contract.md)."""

SERVICE_ENDPOINT_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "lake": ("blob", "dfs"),
        "keyvault": ("vault",),
        "aml": ("amlworkspace", "blob", "file", "vault", "registry"),
        "databricks": ("databricks_ui_api",),
        "datafactory": ("dataFactory", "portal"),
        "aiservices": ("account",),
        "search": ("searchService",),
        "eventhubs": ("namespace",),
        "registry": ("registry",),
        "aks": (),
    }
)
"""Private endpoint group ids each service needs; their zones are linked to the project's spoke."""


def spoke_zones(services: Iterable[str]) -> tuple[str, ...]:
    """Zones a project's spoke must resolve: the shared lake's plus those of its services."""
    groups = [group for service in ("lake", *sorted(services)) for group in SERVICE_ENDPOINT_GROUPS[service]]
    return zones_for_groups(groups)


def build_spoke(context: ProjectContext) -> ProjectSpoke:
    project, factory, platform = context.project, context.factory, context.platform
    return ProjectSpoke(
        f"{project.name}-spoke",
        ProjectSpokeArgs(
            project=project.name,
            location=factory.settings.location,
            naming=factory.naming,
            cidr=str(project.spoke.cidr),
            subnets=project.project_type.subnets,
            hub=HubConnection(
                vnet_id=platform.hub_vnet_id,
                dns_zone_ids=platform.dns_zone_ids,
                firewall_private_ip=platform.firewall_private_ip,
            ),
            dns_zones=spoke_zones(project.services),
            settings=context.settings,
        ),
        opts=context.opts(),
    )


def project_grantees(context: ProjectContext, workload: Grantee) -> dict[Persona, list[Grantee]]:
    request = context.project.request
    return {
        Persona.OWNER: [Grantee.entra(p.object_id, p.type) for p in request.owners],
        Persona.MEMBER: [Grantee.entra(p.object_id, p.type) for p in request.members],
        Persona.READER: [Grantee.entra(p.object_id, p.type) for p in request.readers],
        Persona.WORKLOAD: [workload],
    }


def apply_role_matrix(
    service: str,
    grantees: Mapping[Persona, list[Grantee]],
    grant_role: Callable[[Grantee, Role], None],
) -> None:
    """Grant every persona the roles the matrix gives it on ``service``."""
    for persona, people in grantees.items():
        for role in roles_for(service, persona):
            for grantee in people:
                grant_role(grantee, role)


class ProjectBuild:
    """The project's foundation, shared by every type: network, identity, lake area, key vault."""

    def __init__(self, context: ProjectContext) -> None:
        self.context = context
        factory, project, platform = context.factory, context.project, context.platform
        self.naming = factory.naming
        self.spoke = build_spoke(context)
        self.endpoints = EndpointPlacement(
            subnet_id=self.spoke.subnet_ids[PRIVATE_ENDPOINT_SUBNET],
            resource_group_name=self.spoke.resource_group_name,
            location=factory.settings.location,
            dns_zone_ids=platform.dns_zone_ids,
        )
        identity_name = resource_name(ResourceKind.MANAGED_IDENTITY, self.naming, project=project.name, qualifier="workload")
        self.identity = managedidentity.UserAssignedIdentity(
            f"{project.name}-identity",
            resource_name_=identity_name,
            resource_group_name=self.spoke.resource_group_name,
            location=factory.settings.location,
            tags=context.settings.tags,
            opts=context.opts(),
        )
        self.workload = Grantee.identity(self.identity.principal_id, f"identity:{self.naming.subscription_id}/{identity_name}")
        self.grantees = project_grantees(context, self.workload)
        protection = Protection(protect=platform.profile.protect_stateful, delete_lock=platform.profile.delete_locks)
        self.protection = protection

        self.lake_area = add_project_area(
            platform.lake, project.name, parent=context.parent, protect=protection.protect, settings=context.settings
        )
        apply_role_matrix(
            "lake", self.grantees, lambda g, role: self.lake_area.grant_role(g, role, parent=context.parent)
        )
        for shared in platform.shared_areas:
            apply_role_matrix(
                "lake-shared",
                self.grantees,
                lambda g, role, area=shared: area.grant_role(
                    g, role, parent=context.parent, name=f"{project.name}-{area.filesystem}-ra"
                ),
            )

        self.key_vault = None
        if "keyvault" in project.services:
            self.key_vault = KeyVault(
                f"{project.name}-kv",
                KeyVaultArgs(
                    placement=self.placement(),
                    tenant_id=platform.tenant_id,
                    allow_public_network_access=platform.profile.insecure.public_network_access,
                    soft_delete_days=max(7, min(90, platform.profile.soft_delete_days * 3)),
                    protection=protection,
                    settings=context.settings,
                ),
                opts=context.opts(),
            )
            self.grant_matrix("keyvault", self.key_vault)

        self.action_group_id = self._budget()

    def _budget(self) -> Optional[pulumi.Output[str]]:
        """The project's budget on its resource group, alerting a per-project action group."""
        request = self.context.project.request
        if request.budget is None:
            return None
        emails = tuple(p.email for p in request.owners if p.email) + tuple(request.budget.contact_emails)
        budget = Budget(
            f"{request.name}-budget",
            BudgetArgs(
                naming=self.naming,
                scope=self.spoke.resource_group.id,
                resource_group_name=self.spoke.resource_group_name,
                monthly_amount=request.budget.monthly_amount,
                project=request.name,
                actual_thresholds=request.budget.actual_thresholds,
                forecast_thresholds=request.budget.forecast_thresholds,
                contact_emails=emails,
                settings=self.context.settings,
            ),
            opts=self.context.opts(),
        )
        return budget.action_group_id

    def outputs(self) -> dict[str, object]:
        """The project contract: the same keys for every type (None where a service is absent)."""
        contract: dict[str, object] = {key: None for key in CONTRACT_KEYS}
        contract.update(
            resourceGroup=self.spoke.resource_group_name,
            vnetId=self.spoke.vnet_id,
            lakeAreaUrl=self.lake_area.url,
            keyVaultUri=self.key_vault.vault_uri if self.key_vault else None,
            workloadIdentityClientId=self.identity.client_id,
            workloadIdentityPrincipalId=self.identity.principal_id,
            workloadIdentityId=self.identity.id,
            actionGroupId=self.action_group_id,
        )
        return contract


    def placement(self) -> ServicePlacement:
        platform = self.context.platform
        return ServicePlacement(
            naming=self.naming,
            resource_group_name=self.spoke.resource_group_name,
            endpoints=self.endpoints,
            log_analytics_workspace_id=platform.workspace_id,
            project=self.context.project.name,
        )

    def enabled(self, service: str) -> bool:
        return service in self.context.project.services

    def grant_matrix(self, service: str, component: "ServiceComponent") -> None:
        parent = self.context.parent
        apply_role_matrix(service, self.grantees, lambda g, role: component.grant_role(g, role, parent=parent))

    def lake_access_for(self, grantee: Grantee) -> None:
        """A service identity (AML, Data Factory) reads and writes the project's lake area."""
        self.lake_area.grant_write(grantee, parent=self.context.parent)

    def databricks(self) -> DatabricksWorkspace:
        spoke, project = self.spoke, self.context.project
        workspace = DatabricksWorkspace(
            f"{project.name}-dbw",
            DatabricksWorkspaceArgs(
                placement=self.placement(),
                subnets=DatabricksSubnets(
                    vnet_id=spoke.vnet_id,
                    host_subnet_name=spoke.subnet_names["dbx-host"],
                    host_subnet_cidr=str(project.spoke.subnets["dbx-host"]),
                    container_subnet_name=spoke.subnet_names["dbx-container"],
                    container_subnet_cidr=str(project.spoke.subnets["dbx-container"]),
                ),
                settings=self.context.settings,
            ),
            opts=self.context.opts(),
        )
        self.grant_matrix("databricks", workspace)
        return workspace

    def machine_learning(self) -> MachineLearningWorkspace:
        project, platform = self.context.project, self.context.platform
        assert self.key_vault is not None, "Azure ML needs the project's key vault"
        workspace = MachineLearningWorkspace(
            f"{project.name}-mlw",
            MachineLearningWorkspaceArgs(
                placement=self.placement(),
                key_vault_id=self.key_vault.vault_id,
                lake=LakeDatastore(
                    account_id=platform.lake.account_id,
                    account_name=platform.lake.account_name,
                    filesystem=self.lake_area.filesystem,
                ),
                storage_sku=platform.profile.storage_sku,
                compute=ComputeCluster(max_nodes=platform.profile.aml_max_nodes) if platform.profile.aml_max_nodes else None,
                protection=self.protection,
                settings=self.context.settings,
            ),
            opts=self.context.opts(),
        )
        self.grant_matrix("aml", workspace)
        self.lake_access_for(workspace.identity)
        return workspace

    def data_factory(self) -> DataFactory:
        project, platform = self.context.project, self.context.platform
        factory = DataFactory(
            f"{project.name}-adf",
            DataFactoryArgs(
                placement=self.placement(),
                lake=LakeLink(account_id=platform.lake.account_id, dfs_endpoint=platform.lake.dfs_endpoint),
                settings=self.context.settings,
            ),
            opts=self.context.opts(),
        )
        self.grant_matrix("datafactory", factory)
        self.lake_access_for(factory.identity)
        return factory


def build_esml(context: ProjectContext) -> dict[str, object]:
    """esml: lake area, key vault, Azure ML, Databricks, Data Factory (each optional but the vault)."""
    build = ProjectBuild(context)
    outputs = build.outputs()
    if build.enabled("aml"):
        outputs["amlWorkspaceId"] = build.machine_learning().workspace_id
    if build.enabled("databricks"):
        outputs["databricksWorkspaceId"] = build.databricks().workspace_id
    if build.enabled("datafactory"):
        outputs["dataFactoryId"] = build.data_factory().factory_id
    return outputs


def build_genai(context: ProjectContext) -> dict[str, object]:
    """genai: lake area, key vault, AI Services with model deployments, AI Search, Azure ML."""
    build = ProjectBuild(context)
    request = context.project.request
    outputs = build.outputs()
    services = AiServices(
        f"{request.name}-ais",
        AiServicesArgs(
            placement=build.placement(),
            deployments=tuple(
                ModelDeployment(name=d.name, model=d.model, version=d.version, capacity=d.capacity, sku=d.sku)
                for d in request.model_deployments
            ),
            settings=context.settings,
        ),
        opts=context.opts(),
    )
    build.grant_matrix("aiservices", services)
    outputs["aiServicesEndpoint"] = services.endpoint
    if build.enabled("search"):
        profile = context.platform.profile
        search = AiSearch(
            f"{request.name}-srch",
            AiSearchArgs(
                placement=build.placement(), sku=profile.search_sku, replicas=profile.search_replicas, settings=context.settings
            ),
            opts=context.opts(),
        )
        build.grant_matrix("search", search)
        outputs["searchEndpoint"] = search.endpoint
    if build.enabled("aml"):
        outputs["amlWorkspaceId"] = build.machine_learning().workspace_id
    return outputs


def build_streaming(context: ProjectContext) -> dict[str, object]:
    """streaming (lambda architecture): lake area, key vault, Event Hubs, Databricks, AKS, registry."""
    build = ProjectBuild(context)
    project, factory = context.project, context.factory
    outputs = build.outputs()
    hubs = EventHubs(
        f"{project.name}-evhns",
        EventHubsArgs(
            placement=build.placement(),
            zone_redundant=context.platform.profile.zone_redundant,
            capacity=context.platform.profile.event_hubs_capacity,
            hubs=tuple(
                EventHubSpec(h.name, h.partitions, h.retention_days, tuple(h.consumer_groups))
                for h in project.request.event_hubs
            ),
            settings=context.settings,
        ),
        opts=context.opts(),
    )
    build.grant_matrix("eventhubs", hubs)
    outputs["eventHubsNamespace"] = hubs.fqdn
    if build.enabled("databricks"):
        outputs["databricksWorkspaceId"] = build.databricks().workspace_id
    registry = None
    if build.enabled("registry"):
        registry = ContainerRegistry(
            f"{project.name}-cr",
            ContainerRegistryArgs(placement=build.placement(), zone_redundant=context.platform.profile.zone_redundant, settings=context.settings),
            opts=context.opts(),
        )
        build.grant_matrix("registry", registry)
        outputs["registryLoginServer"] = registry.login_server
    if build.enabled("aks"):
        profile = context.platform.profile
        known = {label: str(network) for label, network in factory.network.known_ranges().items()}
        known.update({f"the spoke of project {name!r}": str(p.cidr) for name, p in factory.network.spokes.items()})
        cluster = AksCluster(
            f"{project.name}-aks",
            AksClusterArgs(
                placement=build.placement(),
                node_subnet_id=build.spoke.subnet_ids["aks"],
                node_subnet_cidr=str(project.spoke.subnets["aks"]),
                tenant_id=context.platform.tenant_id,
                reserved_ranges=known,
                system_pool=NodePool(
                    "system", min_count=profile.aks_system_min_nodes, max_count=max(profile.aks_system_min_nodes, 3)
                ),
                user_pool=NodePool("user", min_count=0, max_count=profile.aks_user_max_nodes),
                private_dns_zone_id=context.platform.dns_zone_ids.get(AKS_ZONE_TEMPLATE.format(location=factory.settings.location)),
                settings=context.settings,
            ),
            opts=context.opts(),
        )
        build.grant_matrix("aks", cluster)
        if registry is not None:
            registry.grant_pull(cluster.kubelet_identity, parent=context.parent)
        outputs["aksClusterId"] = cluster.cluster_id
        outputs["aksOidcIssuerUrl"] = cluster.oidc_issuer_url
    return outputs

