"""The shared platform of one environment: hub, platform resource group, monitoring, data lake."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, resources

from aifactory.components.base import ComponentSettings, FactoryComponent
from aifactory.components.datalake import DataLake, DataLakeArgs
from aifactory.components.hub import ExistingHubIds, HubNetwork, HubNetworkArgs
from aifactory.components.monitoring import Monitoring, MonitoringArgs
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.stateful import Protection
from aifactory.factory import Factory
from aifactory.naming import ResourceKind, resource_name
from aifactory.profiles import PROFILES, EnvironmentProfile


@dataclass(frozen=True)
class Platform:
    hub: HubNetwork
    resource_group_name: pulumi.Output[str]
    monitoring: Monitoring
    lake: DataLake
    tenant_id: pulumi.Output[str]
    profile: EnvironmentProfile


def build_platform(factory: Factory) -> Platform:
    settings = factory.settings
    profile = PROFILES[settings.environment]
    component_settings = ComponentSettings(tags=factory.base_tags(), keep_legacy_aliases=settings.keep_legacy_aliases)
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
            firewall=settings.hub.firewall,
            bastion=settings.hub.bastion,
            settings=component_settings,
        ),
        opts=child,
    )
    group = resources.ResourceGroup(
        "platform-rg",
        resource_group_name=resource_name(ResourceKind.RESOURCE_GROUP, factory.naming, qualifier="platform"),
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
    lake = DataLake(
        "lake",
        DataLakeArgs(
            naming=factory.naming,
            resource_group_name=group.name,
            endpoints=EndpointPlacement(
                subnet_id=hub.endpoint_subnet_id,
                resource_group_name=group.name,
                location=settings.location,
                dns_zone_ids=hub.dns_zone_ids,
            ),
            log_analytics_workspace_id=monitoring.workspace_id,
            sku=profile.storage_sku,
            soft_delete_days=profile.soft_delete_days,
            protection=Protection(protect=profile.protect_stateful, delete_lock=profile.delete_locks),
            settings=component_settings,
        ),
        opts=child,
    )
    tenant_id = (
        pulumi.Output.from_input(settings.tenant_id)
        if settings.tenant_id
        else authorization.get_client_config_output().tenant_id
    )
    root.register_outputs({"hubVnetId": hub.vnet_id, "lakeAccountId": lake.account_id})
    return Platform(
        hub=hub,
        resource_group_name=group.name,
        monitoring=monitoring,
        lake=lake,
        tenant_id=tenant_id,
        profile=profile,
    )


def platform_outputs(platform: Platform) -> dict[str, object]:
    return {
        "hubVnetId": platform.hub.vnet_id,
        "dnsZoneIds": platform.hub.dns_zone_ids,
        "platformResourceGroup": platform.resource_group_name,
        "logAnalyticsWorkspaceId": platform.monitoring.workspace_id,
        "lakeAccountName": platform.lake.account_name,
        "lakeAccountId": platform.lake.account_id,
    }
