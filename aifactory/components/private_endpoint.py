"""PrivateEndpoint: one endpoint for one resource and group id, with its DNS zone group wired.

Every service component uses this; none hand-rolls endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import pulumi
from pydantic import InstanceOf, model_validator

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent, Invalid, StrInput
from aifactory.core.dns import GROUP_ZONES
from aifactory.core.naming import NamingContext, ResourceKind, resource_name
from aifactory.core.types import QUALIFIER_PATTERN
from aifactory.core.types import Location

PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"


class PrivateEndpointArgs(ComponentArgs):
    resource_id: StrInput
    group_id: str
    subnet_id: StrInput
    resource_group_name: StrInput
    location: Location
    naming: InstanceOf[NamingContext]
    dns_zone_ids: Mapping[str, StrInput]
    """Zone name -> zone id; must hold every zone of ``group_id``."""
    qualifier: str
    """Tells endpoints apart in names, e.g. ``lake-dfs``."""
    project: Optional[str] = None
    settings: InstanceOf[ComponentSettings] = ComponentSettings()

    @model_validator(mode="after")
    def _zones(self) -> "PrivateEndpointArgs":
        if self.group_id not in GROUP_ZONES:
            raise Invalid("group_id", f"no private DNS zone is known for group id {self.group_id!r}")
        missing = [zone for zone in GROUP_ZONES[self.group_id] if zone not in self.dns_zone_ids]
        if missing:
            raise Invalid("dns_zone_ids", f"private endpoint {self.qualifier!r} needs DNS zone {missing[0]!r}, which the hub lacks")
        if not QUALIFIER_PATTERN.fullmatch(self.qualifier):
            raise Invalid("qualifier", f"{self.qualifier!r}: use lowercase letters, digits and hyphens")
        return self


class PrivateEndpoint(FactoryComponent):
    """The endpoint and its DNS zone group. Resources it was told to wait for (``opts.depends_on``), its
    endpoint waits for too: Azure refuses an endpoint to a resource that is not provisioned yet."""

    endpoint: AzureResource

    def __init__(self, name: str, args: PrivateEndpointArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:network:PrivateEndpoint", name, args.settings, opts)
        waits = opts.depends_on if opts is not None else None
        endpoint_name = resource_name(
            ResourceKind.PRIVATE_ENDPOINT, args.naming, project=args.project, qualifier=args.qualifier
        )
        self.endpoint = AzureResource(
            PRIVATE_ENDPOINT,
            self.child_name("pep"),
            {
                "privateEndpointName": endpoint_name,
                "resourceGroupName": args.resource_group_name,
                "location": args.location,
                "subnet": {"id": args.subnet_id},
                "customNetworkInterfaceName": f"{endpoint_name}-nic",
                "privateLinkServiceConnections": [
                    {"name": endpoint_name, "privateLinkServiceId": args.resource_id, "groupIds": [args.group_id]}
                ],
                "tags": self.tags,
            },
            self.child_opts(depends_on=waits),
        )
        AzureResource(
            "azure-native:network:PrivateDnsZoneGroup",
            self.child_name("zones"),
            {
                "privateDnsZoneGroupName": "default",
                "privateEndpointName": self.endpoint.name,
                "resourceGroupName": args.resource_group_name,
                "privateDnsZoneConfigs": [
                    {"name": zone.replace(".", "-"), "privateDnsZoneId": args.dns_zone_ids[zone]}
                    for zone in GROUP_ZONES[args.group_id]
                ],
            },
            self.child_opts(),
        )
        self.register_outputs({"endpointId": self.endpoint.id})


@dataclass(frozen=True)
class EndpointPlacement:
    """Where a service's endpoints go: the subnet, resource group and zones (from hub and spoke)."""

    subnet_id: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    location: str
    dns_zone_ids: Mapping[str, pulumi.Input[str]]
    provider: Optional[pulumi.ProviderResource] = None
    """A provider for the subnet's subscription, when it is not the owner's: Azure requires a private endpoint in
    the subscription of its VNet (the platform's endpoints in a hub of another subscription)."""


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
    depends_on: Optional[list[pulumi.Resource]] = None,
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
            opts=owner.child_opts(depends_on=depends_on, provider=placement.provider),
        )
        for group in group_ids
    ]
