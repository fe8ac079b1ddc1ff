"""ProjectSpoke: a project's resource group and spoke VNet, peered both ways with the hub."""

from __future__ import annotations

from typing import Callable, Mapping, Optional

import pulumi
from pydantic import Field, InstanceOf, model_validator

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent, Invalid, StrInput, arm_id_part, checked
from aifactory.components.hub import deny_internet_inbound_rule
from aifactory.core.addressing import SubnetSpec, carve_subnets, parse_network
from aifactory.core.naming import NamingContext, ResourceKind, hub_peering_name, resource_name, validate_project_name
from aifactory.core.types import Cidr, StrictFlag, Location


class HubConnection(ComponentArgs):
    """What a spoke needs to know of its hub: the VNet to peer with and the zones to link."""

    vnet_id: StrInput
    dns_zone_ids: Mapping[str, StrInput]
    firewall_private_ip: Optional[StrInput] = None
    naming: Optional[InstanceOf[NamingContext]] = None
    """The hub's naming (its subscription may differ from the spoke's); default: the spoke's."""
    provider: Optional[InstanceOf[pulumi.ProviderResource]] = None
    """A provider for the hub VNet's subscription, when it is not the spoke's: the hub-side peering (and the zone
    links, unless ``zone_providers`` says otherwise) are created through it."""
    zone_providers: Mapping[str, Optional[InstanceOf[pulumi.ProviderResource]]] = Field(default_factory=dict)
    """Zone name -> the provider for that zone's subscription, for zones not in the hub VNet's subscription (zones
    may each live in a subscription of their own); ``None``: the spoke's own provider. Unlisted zones use ``provider``."""

    @model_validator(mode="after")
    def _known_zones(self) -> "HubConnection":
        unknown = [zone for zone in self.zone_providers if zone not in self.dns_zone_ids]
        if unknown:
            raise Invalid("zone_providers", f"zone {unknown[0]!r} is not one of dns_zone_ids")
        return self


class ProjectSpokeArgs(ComponentArgs):
    project: str
    location: Location
    naming: InstanceOf[NamingContext]
    cidr: Cidr
    subnets: tuple[InstanceOf[SubnetSpec], ...] = Field(min_length=1)
    hub: HubConnection
    dns_zones: tuple[str, ...] = ()
    """Zones the project's services resolve; each is linked to the spoke VNet."""
    route_egress_to_firewall: StrictFlag = True
    """With a hub firewall, send 0.0.0.0/0 from every subnet to it."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()

    @model_validator(mode="after")
    def _fits(self) -> "ProjectSpokeArgs":
        checked("project", lambda: validate_project_name(self.project))
        checked("cidr", lambda: carve_subnets(parse_network(self.cidr), self.subnets))
        missing = [zone for zone in self.dns_zones if zone not in self.hub.dns_zone_ids]
        if missing:
            raise Invalid(
                "dns_zones",
                f"the hub has no private DNS zone {', '.join(repr(zone) for zone in missing)} that project {self.project!r} needs",
            )
        return self


def subnet_id_of(subnet_name: str) -> Callable[[str], str]:
    """The id of a subnet of a VNet, from the VNet's id."""
    return lambda vnet_id: f"{vnet_id}/subnets/{subnet_name}"


class ProjectSpoke(FactoryComponent):
    """Resource group, VNet with the planner's subnets, an NSG on every subnet, delegations,
    peering in both directions, DNS zone links, and an optional egress route to the hub firewall."""

    resource_group: AzureResource
    resource_group_name: pulumi.Output[str]
    vnet_id: pulumi.Output[str]
    subnet_ids: dict[str, pulumi.Output[str]]
    subnet_names: dict[str, str]
    route_table_id: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: ProjectSpokeArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:network:ProjectSpoke", name, args.settings, opts)
        naming, tags, project = args.naming, self.tags, args.project
        layout = carve_subnets(parse_network(args.cidr), args.subnets)
        hub_opts = self._hub_opts(args.hub.provider)

        group = AzureResource(
            "azure-native:resources:ResourceGroup",
            self.child_name("rg"),
            {"resourceGroupName": resource_name(ResourceKind.RESOURCE_GROUP, naming, project=project), "location": args.location, "tags": tags},
            self.child_opts(),
        )
        self.resource_group = group
        self.resource_group_name = group.name

        route_table = None
        if args.hub.firewall_private_ip is not None and args.route_egress_to_firewall:
            route_table = AzureResource(
                "azure-native:network:RouteTable",
                self.child_name("rt"),
                {
                    "routeTableName": resource_name(ResourceKind.ROUTE_TABLE, naming, project=project),
                    "resourceGroupName": group.name,
                    "location": args.location,
                    "disableBgpRoutePropagation": True,
                    "routes": [
                        {
                            "name": "default-to-hub-firewall",
                            "addressPrefix": "0.0.0.0/0",
                            "nextHopType": "VirtualAppliance",
                            "nextHopIpAddress": args.hub.firewall_private_ip,
                        }
                    ],
                    "tags": tags,
                },
                self.child_opts(),
            )
        self.route_table_id = route_table.id if route_table is not None else None

        self.subnet_names = {}
        subnet_args: list[dict[str, object]] = []
        for spec in args.subnets:
            nsg = AzureResource(
                "azure-native:network:NetworkSecurityGroup",
                self.child_name(f"nsg-{spec.name}"),
                {
                    "networkSecurityGroupName": resource_name(
                        ResourceKind.NETWORK_SECURITY_GROUP, naming, project=project, qualifier=spec.name
                    ),
                    "resourceGroupName": group.name,
                    "location": args.location,
                    "securityRules": [deny_internet_inbound_rule()],
                    "tags": tags,
                },
                self.child_opts(),
            )
            subnet_name = resource_name(ResourceKind.SUBNET, naming, qualifier=spec.name)
            self.subnet_names[spec.name] = subnet_name
            subnet_args.append(
                {
                    "name": subnet_name,
                    "addressPrefix": str(layout[spec.name]),
                    "networkSecurityGroup": {"id": nsg.id},
                    "delegations": (
                        [{"name": f"delegation-{spec.name}", "serviceName": spec.delegation}] if spec.delegation else None
                    ),
                    "privateEndpointNetworkPolicies": "Disabled",
                    "privateLinkServiceNetworkPolicies": "Enabled",
                    "routeTable": {"id": route_table.id} if route_table is not None else None,
                }
            )

        vnet = AzureResource(
            "azure-native:network:VirtualNetwork",
            self.child_name("vnet"),
            {
                "virtualNetworkName": resource_name(ResourceKind.VIRTUAL_NETWORK, naming, project=project),
                "resourceGroupName": group.name,
                "location": args.location,
                "addressSpace": {"addressPrefixes": [args.cidr]},
                "subnets": subnet_args,
                "enableDdosProtection": False,
                "enableVmProtection": False,
                "tags": tags,
            },
            self.child_opts(),
        )
        self.vnet_id = vnet.id
        self.vnet_name = vnet.name
        self.subnet_ids = {
            key: vnet.id.apply(subnet_id_of(subnet_name)) for key, subnet_name in self.subnet_names.items()
        }

        hub_vnet_id = pulumi.Output.from_input(args.hub.vnet_id)
        peering = {
            "allowVirtualNetworkAccess": True,
            "allowForwardedTraffic": True,
            "allowGatewayTransit": False,
            "useRemoteGateways": False,
        }
        AzureResource(
            "azure-native:network:VirtualNetworkPeering",
            self.child_name("peer-to-hub"),
            {
                "virtualNetworkPeeringName": resource_name(ResourceKind.VNET_PEERING, naming, qualifier="to-hub"),
                "virtualNetworkName": vnet.name,
                "resourceGroupName": group.name,
                "remoteVirtualNetwork": {"id": hub_vnet_id},
                **peering,
            },
            self.child_opts(),
        )
        AzureResource(
            "azure-native:network:VirtualNetworkPeering",
            self.child_name("peer-from-hub"),
            {
                "virtualNetworkPeeringName": hub_peering_name(args.hub.naming or naming, project),
                "virtualNetworkName": hub_vnet_id.apply(lambda i: arm_id_part(i, "virtualNetworks")),
                "resourceGroupName": hub_vnet_id.apply(lambda i: arm_id_part(i, "resourceGroups")),
                "remoteVirtualNetwork": {"id": vnet.id},
                **peering,
            },
            hub_opts,
        )

        link_name = resource_name(ResourceKind.DNS_ZONE_LINK, naming, project=project)
        for zone in args.dns_zones:
            zone_id = pulumi.Output.from_input(args.hub.dns_zone_ids[zone])
            zone_opts = self._hub_opts(args.hub.zone_providers[zone]) if zone in args.hub.zone_providers else hub_opts
            AzureResource(
                "azure-native:privatedns:VirtualNetworkLink",
                self.child_name(f"link-{zone}"),
                {
                    "privateZoneName": zone,
                    "resourceGroupName": zone_id.apply(lambda i: arm_id_part(i, "resourceGroups")),
                    "virtualNetworkLinkName": link_name,
                    "virtualNetwork": {"id": vnet.id},
                    "registrationEnabled": False,
                    "location": "Global",
                    "tags": tags,
                },
                zone_opts,
            )

        self.register_outputs(
            {
                "resourceGroupName": self.resource_group_name,
                "vnetId": self.vnet_id,
                "subnetIds": self.subnet_ids,
            }
        )

    def _hub_opts(self, provider: Optional[pulumi.ProviderResource]) -> pulumi.ResourceOptions:
        """Options of a resource on the hub's side: through ``provider`` (its subscription's), or the spoke's own."""
        return self.child_opts(provider=provider) if provider is not None else self.child_opts()
