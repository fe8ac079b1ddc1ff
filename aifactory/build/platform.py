"""The shared platform of one environment, and what projects need of it.

``build_platform`` creates it (hub with its egress rules, platform resource group, monitoring, data
lake with its shared areas and their readers, optional ML registry and platform budget).
``platform_from_stack`` reads the same facts from a platform stack's outputs (a ``StackReference``),
so a project slice creates only its own resources.

The platform owns every grant on what it owns: people of every project read the shared lake
areas through one assignment per person and area, made here from the union of all projects'
principals, so no project's grant is another's (removing one project never removes another
team's access).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import pulumi

from aifactory.components.arm import AzureResource, azure_provider, client_config
from aifactory.components.base import ComponentSettings, FactoryComponent, arm_id_part
from aifactory.components.budget import Budget, BudgetArgs
from aifactory.components.datalake import DataLake, DataLakeArgs, LakeAccountRef, LakeAreaAccess, lake_account_name
from aifactory.components.hub import ExistingHubIds, FirewallRule, HubNetwork, HubNetworkArgs
from aifactory.components.machine_learning import MachineLearningRegistry, MachineLearningRegistryArgs
from aifactory.components.monitoring import Monitoring, MonitoringArgs
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServicePlacement
from aifactory.components.stateful import Protection
from aifactory.core.access import SHARED_LAKE_ROLES, Persona, Role
from aifactory.core.arm_ids import subscription_of
from aifactory.core.factory import Factory
from aifactory.core.naming import ResourceKind, resource_name, shared_area_name
from aifactory.core.ownership import SHARED_AREAS
from aifactory.core.profiles import EnvironmentProfile

PLATFORM_OUTPUTS = (
    "hubVnetId",
    "dnsZoneIds",
    "firewallPrivateIp",
    "platformResourceGroup",
    "logAnalyticsWorkspaceId",
    "lakeAccountName",
    "lakeAccountId",
    "tenantId",
)
"""What a platform stack exports for its project stacks."""


@dataclass(frozen=True)
class Platform:
    """What a project needs of the shared platform, whether built here or read from its stack."""

    hub_vnet_id: pulumi.Input[str]
    dns_zone_ids: Mapping[str, pulumi.Input[str]]
    firewall_private_ip: Optional[pulumi.Input[str]]
    workspace_id: pulumi.Input[str]
    lake: LakeAccountRef
    shared_areas: tuple[LakeAreaAccess, ...]
    tenant_id: pulumi.Input[str]
    profile: EnvironmentProfile


ProviderFor = Callable[[str], pulumi.ProviderResource]
"""The azure-native provider of a subscription (one per subscription and program: ``SubscriptionProviders.get``)."""


def _subscription_of(factory: Factory, resource_id: str) -> str:
    return subscription_of(resource_id) or factory.settings.subscription_id


def hub_subscription(factory: Factory) -> str:
    """The hub VNet's subscription: where the hub-side peering of every spoke goes (the platform's for a new hub)."""
    existing = factory.settings.hub.existing
    return _subscription_of(factory, existing.virtual_network_id) if existing else factory.settings.subscription_id


def zone_subscription(factory: Factory, zone: str) -> str:
    """A private DNS zone's subscription: where the spokes' links to it go (zones of an adopted hub may each be in
    a subscription of their own)."""
    existing = factory.settings.hub.existing
    if existing is None or zone not in existing.private_dns_zone_ids:
        return factory.settings.subscription_id
    return _subscription_of(factory, existing.private_dns_zone_ids[zone])


def platform_endpoints(
    factory: Factory,
    hub: HubNetwork,
    group_name: pulumi.Input[str],
    provider_for: Optional[ProviderFor],
) -> EndpointPlacement:
    """Where the platform's private endpoints go: the hub's endpoint subnet, the platform resource group; or, when
    that subnet is in another subscription (Azure requires a private endpoint in its VNet's subscription), the
    subnet's resource group, through that subscription's provider."""
    existing, platform = factory.settings.hub.existing, factory.settings.subscription_id
    subscription = _subscription_of(factory, existing.endpoint_subnet_id) if existing else platform
    if existing is None or subscription == platform:
        return EndpointPlacement(
            subnet_id=hub.endpoint_subnet_id, resource_group_name=group_name, location=factory.location, dns_zone_ids=hub.dns_zone_ids
        )
    provider = provider_for(subscription) if provider_for is not None else azure_provider(f"endpoints-{subscription}", subscription)
    return EndpointPlacement(
        subnet_id=hub.endpoint_subnet_id,
        resource_group_name=arm_id_part(existing.endpoint_subnet_id, "resourceGroups"),
        location=factory.location,
        dns_zone_ids=hub.dns_zone_ids,
        provider=provider,
    )


def platform_settings(factory: Factory) -> ComponentSettings:
    return ComponentSettings(tags=factory.base_tags())


def _tenant(factory: Factory) -> pulumi.Input[str]:
    tenant = factory.settings.tenant_id
    return tenant if tenant else client_config().apply(lambda config: config["tenantId"])


def platform_group_name(factory: Factory) -> str:
    return resource_name(ResourceKind.RESOURCE_GROUP, factory.naming, qualifier="platform")


def egress_rules(factory: Factory) -> tuple[FirewallRule, ...]:
    """Every active project's egress needs (from its services' specs), scoped to the subnets that need them."""
    if not factory.settings.hub.firewall:
        return ()
    rules = []
    for project in factory.active_projects:
        subnets = project.spoke.subnets
        for key in sorted(project.services):
            for rule in factory.catalog.services[key].egress:
                rules.append(
                    FirewallRule(
                        name=f"{project.name}-{rule.name}",
                        kind=rule.kind,
                        sources=tuple(str(subnets[s]) for s in rule.subnets),
                        protocols=rule.protocols,
                        fqdn_tags=rule.fqdn_tags,
                        fqdns=rule.fqdns,
                        destinations=tuple(d.format(location=factory.location) for d in rule.destinations),
                        ports=rule.ports,
                        description=rule.reason,
                    )
                )
    return tuple(rules)


def shared_area_readers(factory: Factory) -> list[tuple[Grantee, tuple[Role, ...]]]:
    """Every Entra principal of every active project once, with the shared-area roles of all its personas
    (a person who is an owner here and a member there gets each role once)."""
    roles: dict[str, set[Role]] = {}
    grantees: dict[str, Grantee] = {}
    for project in factory.active_projects:
        request = project.request
        for persona, principals in ((Persona.OWNER, request.owners), (Persona.MEMBER, request.members), (Persona.READER, request.readers)):
            for principal in principals:
                grantees.setdefault(principal.object_id, Grantee.entra(principal.object_id, principal.type))
                roles.setdefault(principal.object_id, set()).update(SHARED_LAKE_ROLES.get(persona, ()))
    return [(grantees[key], tuple(sorted(roles[key], key=lambda r: r.value))) for key in sorted(grantees)]


def build_platform(factory: Factory, provider_for: Optional[ProviderFor] = None) -> tuple[Platform, dict[str, Any]]:
    """Create the platform; returns what projects need and the stack outputs a project slice reads.

    ``provider_for`` gives the provider of another subscription (an adopted hub's endpoint subnet in one)."""
    settings, profile = factory.settings, factory.profile
    component_settings = platform_settings(factory)
    root = FactoryComponent("aifactory:platform:Platform", "platform", component_settings)
    child = pulumi.ResourceOptions(parent=root)
    existing = settings.hub.existing
    hub = HubNetwork(
        "hub",
        HubNetworkArgs(
            location=settings.location,
            naming=factory.naming,
            cidr=None if existing else settings.hub.cidr,
            existing=(
                ExistingHubIds(
                    virtual_network_id=existing.virtual_network_id,
                    private_dns_zone_ids=existing.private_dns_zone_ids,
                    endpoint_subnet_id=existing.endpoint_subnet_id,
                    firewall_private_ip=existing.firewall_private_ip,
                )
                if existing
                else None
            ),
            dns_zones=tuple(sorted(factory.zones())),  # a new hub's: every catalog zone; an adopted hub's: all it names
            firewall=settings.hub.firewall,
            bastion=settings.hub.bastion,
            egress=egress_rules(factory),
            settings=component_settings,
        ),
        opts=child,
    )
    group = AzureResource(
        "azure-native:resources:ResourceGroup",
        "platform-rg",
        {"resourceGroupName": platform_group_name(factory), "location": settings.location, "tags": factory.base_tags()},
        child,
    )
    monitoring = Monitoring(
        "monitoring",
        MonitoringArgs(
            location=settings.location,
            naming=factory.naming,
            resource_group_name=group.name,
            retention_days=profile.log_retention_days,
            settings=component_settings,
        ),
        opts=child,
    )
    endpoints = platform_endpoints(factory, hub, group.name, provider_for)
    lake = DataLake(
        "lake",
        DataLakeArgs(
            naming=factory.naming,
            resource_group_name=group.name,
            endpoints=endpoints,
            log_analytics_workspace_id=monitoring.workspace_id,
            shared_areas=SHARED_AREAS,
            sku=profile.storage_sku,
            soft_delete_days=profile.soft_delete_days,
            protection=Protection(protect=profile.protect_stateful, delete_lock=profile.delete_locks),
            allow_public_network_access=profile.insecure.public_network_access,
            settings=component_settings,
        ),
        opts=child,
    )
    readers = shared_area_readers(factory)
    for area in lake.shared_areas.values():
        for reader, roles in readers:
            for role in roles:
                area.grant_role(reader, role)
    placement = ServicePlacement(
        naming=factory.naming,
        resource_group_name=group.name,
        endpoints=endpoints,
        log_analytics_workspace_id=monitoring.workspace_id,
    )
    if settings.ml_registry:
        MachineLearningRegistry("ml-registry", MachineLearningRegistryArgs(placement=placement, settings=component_settings), opts=child)
    if settings.platform_budget is not None:
        budget = settings.platform_budget
        Budget(
            "platform-budget",
            BudgetArgs(
                naming=factory.naming,
                scope=group.id,
                resource_group_name=group.name,
                monthly_amount=budget.monthly_amount,
                actual_thresholds=budget.actual_thresholds,
                forecast_thresholds=budget.forecast_thresholds,
                contact_emails=budget.contact_emails,
                settings=component_settings,
            ),
            opts=child,
        )
    tenant_id = _tenant(factory)
    outputs: dict[str, Any] = {
        "hubVnetId": hub.vnet_id,
        "dnsZoneIds": hub.dns_zone_ids,
        "firewallPrivateIp": hub.firewall_private_ip,
        "platformResourceGroup": group.name,
        "logAnalyticsWorkspaceId": monitoring.workspace_id,
        "lakeAccountName": lake.account_name,
        "lakeAccountId": lake.account_id,
        "tenantId": tenant_id,
    }
    root.register_outputs({"hubVnetId": hub.vnet_id, "lakeAccountId": lake.account_id})
    platform = Platform(
        hub_vnet_id=hub.vnet_id,
        dns_zone_ids=hub.dns_zone_ids,
        firewall_private_ip=hub.firewall_private_ip,
        workspace_id=monitoring.workspace_id,
        lake=lake.ref,
        shared_areas=tuple(LakeAreaAccess(lake.ref, shared_area_name(a)) for a in SHARED_AREAS),
        tenant_id=tenant_id,
        profile=profile,
    )
    return platform, outputs


def _zone_id(zone: str) -> Callable[[Mapping[str, str]], str]:
    return lambda ids: ids[zone]


def platform_from_values(factory: Factory, outputs: Mapping[str, Any]) -> Platform:
    """The platform from its stack outputs as plain values (what a platform plan exported)."""
    lake = LakeAccountRef(
        account_name=str(outputs["lakeAccountName"]),
        account_id=str(outputs["lakeAccountId"]),
        resource_group_name=str(outputs["platformResourceGroup"]),
        naming=factory.naming,
    )
    return Platform(
        hub_vnet_id=str(outputs["hubVnetId"]),
        dns_zone_ids={zone: str(outputs["dnsZoneIds"][zone]) for zone in factory.zones()},
        firewall_private_ip=outputs.get("firewallPrivateIp") if factory.hub_has_firewall() else None,
        workspace_id=str(outputs["logAnalyticsWorkspaceId"]),
        lake=lake,
        shared_areas=tuple(LakeAreaAccess(lake, shared_area_name(a)) for a in SHARED_AREAS),
        tenant_id=str(outputs["tenantId"]),
        profile=factory.profile,
    )


def platform_from_stack(factory: Factory) -> Platform:
    """A project slice's view of the platform: the platform stack's outputs, through a StackReference."""
    reference = pulumi.StackReference(factory.platform_stack)

    def output(key: str) -> pulumi.Output[Any]:
        return reference.get_output(key)

    zone_ids = output("dnsZoneIds")
    lake = LakeAccountRef(
        account_name=lake_account_name(factory.naming),
        account_id=output("lakeAccountId"),
        resource_group_name=output("platformResourceGroup"),
        naming=factory.naming,
    )
    return Platform(
        hub_vnet_id=output("hubVnetId"),
        dns_zone_ids={zone: zone_ids.apply(_zone_id(zone)) for zone in factory.zones()},
        firewall_private_ip=output("firewallPrivateIp") if factory.hub_has_firewall() else None,
        workspace_id=output("logAnalyticsWorkspaceId"),
        lake=lake,
        shared_areas=tuple(LakeAreaAccess(lake, shared_area_name(a)) for a in SHARED_AREAS),
        tenant_id=output("tenantId"),
        profile=factory.profile,
    )
