"""What every project gets, whatever its type: the spoke, a workload identity, its lake area with the
team's access, and a budget. The services of its type come on top (``aifactory.build.services``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Optional

import pulumi

from aifactory.build.platform import Platform, hub_subscription, zone_subscription
from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentSettings
from aifactory.components.budget import Budget, BudgetArgs
from aifactory.components.datalake import LakeArea, add_project_area
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServicePlacement, SpokeNetwork
from aifactory.components.spoke import HubConnection, ProjectSpoke, ProjectSpokeArgs
from aifactory.components.stateful import Protection
from aifactory.core.access import LAKE_ROLES, SHARED_LAKE_ROLES, Persona
from aifactory.core.addressing import PRIVATE_ENDPOINT_SUBNET, SubnetSpec
from aifactory.core.factory import Factory, PlannedProject
from aifactory.core.naming import ResourceKind, resource_name


@dataclass(frozen=True)
class ProjectContext:
    """One project of one environment, being built: its plan, the platform it joins, its parent component."""

    factory: Factory
    project: PlannedProject
    platform: Platform
    parent: pulumi.Resource
    platform_provider: Optional[pulumi.ProviderResource] = None
    """The platform subscription's provider, when the project lives in another subscription: what the
    project creates on the platform's side (its lake area; hub peering and zone links of a new hub) goes through it."""
    provider_for: Optional[Callable[[str], pulumi.ProviderResource]] = None
    """The provider of any other subscription (an adopted hub's, its zones'), for what the project creates there."""

    def provider_in(self, subscription_id: str) -> Optional[pulumi.ProviderResource]:
        """The provider for what the project creates in ``subscription_id``: None in its own subscription (it
        inherits its own), the platform's provider in the platform's, otherwise ``provider_for``'s."""
        if subscription_id == self.project.subscription_id:
            return None
        if subscription_id == self.factory.settings.subscription_id:
            return self.platform_provider
        if self.provider_for is None:
            raise ValueError(
                f"project {self.project.name!r} creates resources in subscription {subscription_id}: "
                "give ProjectContext a provider_for"
            )
        return self.provider_for(subscription_id)

    @property
    def settings(self) -> ComponentSettings:
        return ComponentSettings(tags=self.factory.project_tags(self.project))

    def opts(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.parent)


def spoke_subnets(factory: Factory, project: PlannedProject) -> tuple[SubnetSpec, ...]:
    """The type's template, with delegations only where a service that uses the subnet is on.

    The addresses never depend on the services (the template is the type's); a delegation does: an agent
    subnet of a project without the Agent Service is an ordinary subnet, so it may sit in 10.0.0.0/8.
    """
    catalog = factory.catalog
    owned = {name for spec in catalog.services.values() for name in spec.subnets}
    used = {name for key in project.services for name in catalog.services[key].subnets}
    return tuple(
        replace(spec, delegation=None) if spec.delegation and spec.name in owned and spec.name not in used else spec
        for spec in project.project_type.subnets
    )


class ProjectFoundation:
    """The spoke, the workload identity, the lake area with the persona grants, and the budget."""

    def __init__(self, context: ProjectContext) -> None:
        self.context = context
        factory, project, platform = context.factory, context.project, context.platform
        self.naming = project.naming
        self.protection = Protection(protect=platform.profile.protect_stateful, delete_lock=platform.profile.delete_locks)
        dns_zones = factory.catalog.spoke_zones(project.services)
        hub_side = hub_subscription(factory)
        self.spoke = ProjectSpoke(
            f"{project.name}-spoke",
            ProjectSpokeArgs(
                project=project.name,
                location=factory.location,
                naming=project.naming,
                cidr=str(project.spoke.cidr),
                subnets=spoke_subnets(factory, project),
                hub=HubConnection(
                    vnet_id=platform.hub_vnet_id,
                    dns_zone_ids=platform.dns_zone_ids,
                    firewall_private_ip=platform.firewall_private_ip,
                    naming=factory.naming,
                    provider=context.provider_in(hub_side),
                    zone_providers={
                        zone: context.provider_in(subscription)
                        for zone in dns_zones
                        if (subscription := zone_subscription(factory, zone)) != hub_side
                    },
                ),
                dns_zones=dns_zones,
                settings=context.settings,
            ),
            opts=context.opts(),
        )
        self.endpoints = EndpointPlacement(
            subnet_id=self.spoke.subnet_ids[PRIVATE_ENDPOINT_SUBNET],
            resource_group_name=self.spoke.resource_group_name,
            location=factory.location,
            dns_zone_ids=platform.dns_zone_ids,
        )
        identity_name = resource_name(ResourceKind.MANAGED_IDENTITY, self.naming, project=project.name, qualifier="workload")
        self.identity = AzureResource(
            "azure-native:managedidentity:UserAssignedIdentity",
            f"{project.name}-identity",
            {
                "resourceName": identity_name,
                "resourceGroupName": self.spoke.resource_group_name,
                "location": factory.location,
                "tags": context.settings.tags,
            },
            context.opts(),
            outputs=("principalId", "clientId"),
        )
        self.workload = Grantee.identity(self.identity.output("principalId"), "identity", self.naming.subscription_id, identity_name)
        request = project.request
        self.grantees: dict[Persona, list[Grantee]] = {
            Persona.OWNER: [Grantee.entra(p.object_id, p.type) for p in request.owners],
            Persona.MEMBER: [Grantee.entra(p.object_id, p.type) for p in request.members],
            Persona.READER: [Grantee.entra(p.object_id, p.type) for p in request.readers],
            Persona.WORKLOAD: [self.workload],
        }
        self.lake_area = self._lake_area()
        self.action_group_id = self._budget()

    def _lake_area(self) -> LakeArea:
        """The project's own area, the team's grants on it, and its workload identity reading the shared areas
        (people read them through the platform's grants)."""
        context = self.context
        area = add_project_area(
            context.platform.lake,
            context.project.name,
            parent=context.parent,
            protect=self.protection.protect,
            settings=context.settings,
            provider=context.platform_provider,
        )
        for persona, people in self.grantees.items():
            for role in LAKE_ROLES.get(persona, ()):
                for grantee in people:
                    area.grant_role(grantee, role, parent=context.parent)
        for shared in context.platform.shared_areas:
            for role in SHARED_LAKE_ROLES[Persona.WORKLOAD]:
                shared.grant_role(self.workload, role, parent=context.parent, name=f"{context.project.name}-{shared.filesystem}-ra")
        return area

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

    def placement(self) -> ServicePlacement:
        return ServicePlacement(
            naming=self.naming,
            resource_group_name=self.spoke.resource_group_name,
            endpoints=self.endpoints,
            log_analytics_workspace_id=self.context.platform.workspace_id,
            project=self.context.project.name,
        )

    def network(self) -> SpokeNetwork:
        plan = self.context.project.spoke
        return SpokeNetwork(
            vnet_id=self.spoke.vnet_id,
            subnet_ids=self.spoke.subnet_ids,
            subnet_names=self.spoke.subnet_names,
            subnet_cidrs={name: str(cidr) for name, cidr in plan.subnets.items()},
            route_table_id=self.spoke.route_table_id,
        )

    def outputs(self) -> dict[str, object]:
        """The foundation's part of the project contract (docs/project-contract.md)."""
        project = self.context.project
        return {
            "type": project.project_type.name,
            "cidr": str(project.spoke.cidr),
            "subscriptionId": project.subscription_id,
            "resourceGroup": self.spoke.resource_group_name,
            "vnetId": self.spoke.vnet_id,
            "lakeAreaUrl": self.lake_area.url,
            "workloadIdentity": {
                "clientId": self.identity.output("clientId"),
                "principalId": self.identity.output("principalId"),
                "id": self.identity.id,
            },
            "actionGroupId": self.action_group_id,
        }
