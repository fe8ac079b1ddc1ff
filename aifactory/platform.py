"""The shared platform of one environment: the hub (and, later, lake and monitoring)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from aifactory.components.base import ComponentSettings
from aifactory.components.hub import ExistingHubIds, HubNetwork, HubNetworkArgs
from aifactory.factory import Factory


@dataclass(frozen=True)
class Platform:
    hub: HubNetwork


def build_platform(factory: Factory) -> Platform:
    settings = factory.settings
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
            settings=ComponentSettings(tags=factory.base_tags(), keep_legacy_aliases=settings.keep_legacy_aliases),
        ),
    )
    return Platform(hub=hub)


def platform_outputs(platform: Platform) -> dict[str, pulumi.Output]:
    return {"hubVnetId": platform.hub.vnet_id, "dnsZoneIds": platform.hub.dns_zone_ids}
