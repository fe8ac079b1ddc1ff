"""The shared build step of the built-in project types."""

from __future__ import annotations

from types import MappingProxyType
from typing import Iterable, Mapping

from aifactory.components.spoke import HubConnection, ProjectSpoke, ProjectSpokeArgs
from aifactory.dns import zones_for_groups
from aifactory.project_types.context import ProjectContext

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


def build_project(context: ProjectContext) -> None:
    """Compose a project's components (network first; services are added per type)."""
    build_spoke(context)
