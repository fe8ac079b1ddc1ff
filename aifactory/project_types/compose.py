"""The shared build steps of the built-in project types.

A type's build composes components for one project: the spoke, the workload identity, the
project's lake area and key vault, then the services of its type. Every role assignment comes
from the role matrix in :mod:`aifactory.access`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Iterable, Mapping

from pulumi_azure_native import managedidentity

from aifactory.access import Persona, Role, roles_for
from aifactory.components.keyvault import KeyVault, KeyVaultArgs
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.components.spoke import HubConnection, ProjectSpoke, ProjectSpokeArgs
from aifactory.components.stateful import Protection
from aifactory.dns import zones_for_groups
from aifactory.naming import ResourceKind, resource_name
from aifactory.project_types.context import ProjectContext
from aifactory.subnet_templates import PRIVATE_ENDPOINT_SUBNET

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
    project, factory, hub = context.project, context.factory, context.platform.hub
    return ProjectSpoke(
        f"{project.name}-spoke",
        ProjectSpokeArgs(
            project=project.name,
            location=factory.settings.location,
            naming=factory.naming,
            cidr=str(project.spoke.cidr),
            subnets=project.project_type.subnets,
            hub=HubConnection(
                vnet_id=hub.vnet_id,
                dns_zone_ids=hub.dns_zone_ids,
                firewall_private_ip=hub.firewall_private_ip,
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
            dns_zone_ids=platform.hub.dns_zone_ids,
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

        self.lake_area = platform.lake.add_project_area(project.name, parent=context.parent, settings=context.settings)
        apply_role_matrix(
            "lake", self.grantees, lambda g, role: self.lake_area.grant_role(g, role, parent=context.parent)
        )
        for shared in platform.lake.shared_areas.values():
            apply_role_matrix(
                "lake-shared", self.grantees, lambda g, role, area=shared: area.grant_role(g, role, parent=context.parent)
            )

        self.key_vault = None
        if "keyvault" in project.services:
            self.key_vault = KeyVault(
                f"{project.name}-kv",
                KeyVaultArgs(
                    naming=self.naming,
                    resource_group_name=self.spoke.resource_group_name,
                    tenant_id=platform.tenant_id,
                    endpoints=self.endpoints,
                    log_analytics_workspace_id=platform.monitoring.workspace_id,
                    project=project.name,
                    soft_delete_days=max(7, min(90, platform.profile.soft_delete_days * 3)),
                    protection=protection,
                    settings=context.settings,
                ),
                opts=context.opts(),
            )
            vault = self.key_vault
            apply_role_matrix("keyvault", self.grantees, lambda g, role: vault.grant_role(g, role))

    def outputs(self) -> dict[str, object]:
        """The project contract: what a team's pipelines need, whatever the type."""
        return {
            "resourceGroup": self.spoke.resource_group_name,
            "vnetId": self.spoke.vnet_id,
            "lakeAreaUrl": self.lake_area.url,
            "keyVaultUri": self.key_vault.vault_uri if self.key_vault else None,
            "workloadIdentityClientId": self.identity.client_id,
            "workloadIdentityId": self.identity.id,
        }


def build_project(context: ProjectContext) -> dict[str, object]:
    """Compose a project's components; returns its contract outputs."""
    return ProjectBuild(context).outputs()

