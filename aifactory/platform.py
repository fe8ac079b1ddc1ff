"""The shared platform of one environment, and what projects need of it.

``build_platform`` creates it (hub, platform resource group, monitoring, data lake, optional ML
registry and platform budget). ``platform_from_stack`` reads the same facts from a platform stack's
outputs (a ``StackReference``), so a project slice creates only its own resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
from pulumi_azure_native import authorization, resources

from aifactory.components.base import ComponentSettings, FactoryComponent
from aifactory.components.budget import Budget, BudgetArgs
from aifactory.components.datalake import (
    DataLake,
    DataLakeArgs,
    LakeAccountRef,
    LakeAreaAccess,
    lake_account_name,
    shared_area_name,
)
from aifactory.components.hub import ExistingHubIds, HubNetwork, HubNetworkArgs
from aifactory.components.machine_learning import MachineLearningRegistry, MachineLearningRegistryArgs
from aifactory.components.monitoring import Monitoring, MonitoringArgs
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.service import ServicePlacement
from aifactory.components.stateful import Protection
from aifactory.dns import factory_zones
from aifactory.factory import Factory
from aifactory.naming import ResourceKind, resource_name
from aifactory.profiles import EnvironmentProfile

SHARED_AREAS: tuple[str, ...] = ("master", "reference")


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


def _settings(factory: Factory) -> ComponentSettings:
    return ComponentSettings(tags=factory.base_tags(), keep_legacy_aliases=factory.settings.keep_legacy_aliases)


def _tenant(factory: Factory) -> pulumi.Input[str]:
    tenant = factory.settings.tenant_id
    return tenant if tenant else authorization.get_client_config_output().tenant_id


def _zones(factory: Factory) -> tuple[str, ...]:
    existing = factory.settings.hub.existing
    return tuple(existing.private_dns_zone_ids) if existing else factory_zones(factory.settings.location)


def platform_group_name(factory: Factory) -> str:
    return resource_name(ResourceKind.RESOURCE_GROUP, factory.naming, qualifier="platform")


def build_platform(factory: Factory) -> tuple[Platform, dict[str, Any]]:
    """Create the platform; returns what projects need and the stack outputs a project slice reads."""
    settings, profile = factory.settings, factory.profile
    component_settings = _settings(factory)
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
            dns_zones=_zones(factory) if existing else None,
            firewall=settings.hub.firewall,
            bastion=settings.hub.bastion,
            settings=component_settings,
        ),
        opts=child,
    )
    group = resources.ResourceGroup(
        "platform-rg",
        resource_group_name=platform_group_name(factory),
        location=settings.location,
        tags=factory.base_tags(),
        opts=child,
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
    endpoints = EndpointPlacement(
        subnet_id=hub.endpoint_subnet_id,
        resource_group_name=group.name,
        location=settings.location,
        dns_zone_ids=hub.dns_zone_ids,
    )
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


def platform_from_stack(factory: Factory) -> Platform:
    """A project slice's view of the platform: the platform stack's outputs, through a StackReference."""
    reference = pulumi.StackReference(factory.platform_stack)

    def output(key: str) -> pulumi.Output[Any]:
        return reference.get_output(key)

    zone_ids = output("dnsZoneIds")
    has_firewall = factory.settings.hub.firewall or bool(
        factory.settings.hub.existing and factory.settings.hub.existing.firewall_private_ip
    )
    lake = LakeAccountRef(
        account_name=lake_account_name(factory.naming),
        account_id=output("lakeAccountId"),
        resource_group_name=output("platformResourceGroup"),
        naming=factory.naming,
    )
    return Platform(
        hub_vnet_id=output("hubVnetId"),
        dns_zone_ids={zone: zone_ids.apply(lambda ids, z=zone: ids[z]) for zone in _zones(factory)},
        firewall_private_ip=output("firewallPrivateIp") if has_firewall else None,
        workspace_id=output("logAnalyticsWorkspaceId"),
        lake=lake,
        shared_areas=tuple(LakeAreaAccess(lake, shared_area_name(a)) for a in SHARED_AREAS),
        tenant_id=output("tenantId"),
        profile=factory.profile,
    )
