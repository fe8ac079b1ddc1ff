"""PrivateEndpoint: one endpoint for one resource and group id, with its DNS zone group wired.

Every service component uses this; none hand-rolls endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
from pulumi_azure_native import network

from aifactory.components.base import ComponentSettings, FactoryComponent
from aifactory.dns import GROUP_ZONES
from aifactory.naming import NamingContext, ResourceKind, resource_name


@dataclass(frozen=True)
class PrivateEndpointArgs:
    resource_id: pulumi.Input[str]
    group_id: str
    subnet_id: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    location: str
    naming: NamingContext
    dns_zone_ids: Mapping[str, pulumi.Input[str]]
    """Zone name -> zone id; must hold every zone of ``group_id``."""
    qualifier: str
    """Tells endpoints apart in names, e.g. ``lake-dfs``."""
    project: Optional[str] = None
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if self.group_id not in GROUP_ZONES:
            raise ValueError(f"no private DNS zone is known for group id {self.group_id!r}")
        missing = [zone for zone in GROUP_ZONES[self.group_id] if zone not in self.dns_zone_ids]
        if missing:
            raise ValueError(f"private endpoint {self.qualifier!r} needs DNS zone {missing[0]!r}, which the hub lacks")


class PrivateEndpoint(FactoryComponent):
    endpoint: network.PrivateEndpoint

    def __init__(self, name: str, args: PrivateEndpointArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:network:PrivateEndpoint", name, args.settings, opts)
        endpoint_name = resource_name(
            ResourceKind.PRIVATE_ENDPOINT, args.naming, project=args.project, qualifier=args.qualifier
        )
        self.endpoint = network.PrivateEndpoint(
            self.child_name("pep"),
            private_endpoint_name=endpoint_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            subnet=network.SubnetArgs(id=args.subnet_id),
            custom_network_interface_name=f"{endpoint_name}-nic",
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=endpoint_name,
                    private_link_service_id=args.resource_id,
                    group_ids=[args.group_id],
                )
            ],
            tags=self.tags,
            opts=self.child_opts(),
        )
        network.PrivateDnsZoneGroup(
            self.child_name("zones"),
            private_dns_zone_group_name="default",
            private_endpoint_name=self.endpoint.name,
            resource_group_name=args.resource_group_name,
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name=zone.replace(".", "-"), private_dns_zone_id=args.dns_zone_ids[zone])
                for zone in GROUP_ZONES[args.group_id]
            ],
            opts=self.child_opts(),
        )
        self.register_outputs({"endpointId": self.endpoint.id})


@dataclass(frozen=True)
class EndpointPlacement:
    """Where a service's endpoints go: the subnet, resource group and zones (from hub and spoke)."""

    subnet_id: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    location: str
    dns_zone_ids: Mapping[str, pulumi.Input[str]]


def add_endpoints(
    owner: FactoryComponent,
    *,
    resource_id: pulumi.Input[str],
    group_ids: tuple[str, ...],
    placement: EndpointPlacement,
    naming: NamingContext,
    qualifier: str,
    project: Optional[str],
    settings: ComponentSettings,
) -> list[PrivateEndpoint]:
    """One PrivateEndpoint per group id, as children of ``owner``."""
    return [
        PrivateEndpoint(
            owner.child_name(f"pep-{group.lower().replace('_', '-')}"),
            PrivateEndpointArgs(
                resource_id=resource_id,
                group_id=group,
                subnet_id=placement.subnet_id,
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                naming=naming,
                dns_zone_ids=placement.dns_zone_ids,
                qualifier=f"{qualifier}-{group.lower().replace('_', '-')}" if len(group_ids) > 1 else qualifier,
                project=project,
                settings=settings,
            ),
            opts=owner.child_opts(),
        )
        for group in group_ids
    ]
