"""ProjectSpoke: a project's resource group and spoke VNet, peered both ways with the hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
from pulumi_azure_native import network, privatedns, resources

from aifactory.addressing import SubnetSpec, carve_subnets, parse_network
from aifactory.components.base import ComponentSettings, FactoryComponent, arm_id_part
from aifactory.components.hub import deny_internet_inbound_rule
from aifactory.naming import NamingContext, ResourceKind, resource_name


@dataclass(frozen=True)
class HubConnection:
    """What a spoke needs to know of its hub: the VNet to peer with and the zones to link."""

    vnet_id: pulumi.Input[str]
    dns_zone_ids: Mapping[str, pulumi.Input[str]]
    firewall_private_ip: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class ProjectSpokeArgs:
    project: str
    location: str
    naming: NamingContext
    cidr: str
    subnets: Sequence[SubnetSpec]
    hub: HubConnection
    dns_zones: Sequence[str] = ()
    """Zones the project's services resolve; each is linked to the spoke VNet."""
    route_egress_to_firewall: bool = True
    """With a hub firewall, send 0.0.0.0/0 from every subnet to it."""
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        carve_subnets(parse_network(self.cidr, field="cidr"), self.subnets, field="cidr")
        missing = [zone for zone in self.dns_zones if zone not in self.hub.dns_zone_ids]
        if missing:
            raise ValueError(f"the hub has no private DNS zone {missing[0]!r} that project {self.project!r} needs")


class ProjectSpoke(FactoryComponent):
    """Resource group, VNet with the planner's subnets, an NSG on every subnet, delegations,
    peering in both directions, DNS zone links, and an optional egress route to the hub firewall."""

    resource_group_name: pulumi.Output[str]
    vnet_id: pulumi.Output[str]
    subnet_ids: dict[str, pulumi.Output[str]]
    subnet_names: dict[str, str]

    def __init__(self, name: str, args: ProjectSpokeArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:network:ProjectSpoke", name, args.settings, opts)
        naming, tags, project = args.naming, self.tags, args.project
        layout = carve_subnets(parse_network(args.cidr), args.subnets)

        group = resources.ResourceGroup(
            self.child_name("rg"),
            resource_group_name=resource_name(ResourceKind.RESOURCE_GROUP, naming, project=project),
            location=args.location,
            tags=tags,
            opts=self.child_opts(),
        )
        self.resource_group = group
        self.resource_group_name = group.name

        route_table = None
        if args.hub.firewall_private_ip is not None and args.route_egress_to_firewall:
            route_table = network.RouteTable(
                self.child_name("rt"),
                route_table_name=resource_name(ResourceKind.ROUTE_TABLE, naming, project=project),
                resource_group_name=group.name,
                location=args.location,
                disable_bgp_route_propagation=True,
                routes=[
                    network.RouteArgs(
                        name="default-to-hub-firewall",
                        address_prefix="0.0.0.0/0",
                        next_hop_type="VirtualAppliance",
                        next_hop_ip_address=args.hub.firewall_private_ip,
                    )
                ],
                tags=tags,
                opts=self.child_opts(),
            )

        self.subnet_names = {}
        subnet_args: list[network.SubnetArgs] = []
        for spec in args.subnets:
            nsg = network.NetworkSecurityGroup(
                self.child_name(f"nsg-{spec.name}"),
                network_security_group_name=resource_name(
                    ResourceKind.NETWORK_SECURITY_GROUP, naming, project=project, qualifier=spec.name
                ),
                resource_group_name=group.name,
                location=args.location,
                security_rules=[deny_internet_inbound_rule()],
                tags=tags,
                opts=self.child_opts(),
            )
            subnet_name = resource_name(ResourceKind.SUBNET, naming, qualifier=spec.name)
            self.subnet_names[spec.name] = subnet_name
            subnet_args.append(
                network.SubnetArgs(
                    name=subnet_name,
                    address_prefix=str(layout[spec.name]),
                    network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                    delegations=(
                        [network.DelegationArgs(name=f"delegation-{spec.name}", service_name=spec.delegation)]
                        if spec.delegation
                        else None
                    ),
                    private_endpoint_network_policies="Disabled" if spec.private_endpoints else None,
                    route_table=network.RouteTableArgs(id=route_table.id) if route_table is not None else None,
                )
            )

        vnet = network.VirtualNetwork(
            self.child_name("vnet"),
            virtual_network_name=resource_name(ResourceKind.VIRTUAL_NETWORK, naming, project=project),
            resource_group_name=group.name,
            location=args.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[args.cidr]),
            subnets=subnet_args,
            tags=tags,
            opts=self.child_opts(),
        )
        self.vnet_id = vnet.id
        self.vnet_name = vnet.name
        self.subnet_ids = {
            key: vnet.id.apply(lambda vnet_id, n=subnet_name: f"{vnet_id}/subnets/{n}")
            for key, subnet_name in self.subnet_names.items()
        }

        hub_vnet_id = pulumi.Output.from_input(args.hub.vnet_id)
        network.VirtualNetworkPeering(
            self.child_name("peer-to-hub"),
            virtual_network_peering_name=resource_name(ResourceKind.VNET_PEERING, naming, qualifier="to-hub"),
            virtual_network_name=vnet.name,
            resource_group_name=group.name,
            remote_virtual_network=network.SubResourceArgs(id=hub_vnet_id),
            allow_virtual_network_access=True,
            allow_forwarded_traffic=True,
            allow_gateway_transit=False,
            use_remote_gateways=False,
            opts=self.child_opts(),
        )
        network.VirtualNetworkPeering(
            self.child_name("peer-from-hub"),
            virtual_network_peering_name=resource_name(
                ResourceKind.VNET_PEERING, naming, qualifier=f"to-{naming.prefix}-{project}-{naming.environment}"
            ),
            virtual_network_name=hub_vnet_id.apply(lambda i: arm_id_part(i, "virtualNetworks")),
            resource_group_name=hub_vnet_id.apply(lambda i: arm_id_part(i, "resourceGroups")),
            remote_virtual_network=network.SubResourceArgs(id=vnet.id),
            allow_virtual_network_access=True,
            allow_forwarded_traffic=True,
            allow_gateway_transit=False,
            use_remote_gateways=False,
            opts=self.child_opts(),
        )

        for zone in args.dns_zones:
            zone_id = pulumi.Output.from_input(args.hub.dns_zone_ids[zone])
            privatedns.VirtualNetworkLink(
                self.child_name(f"link-{zone}"),
                private_zone_name=zone,
                resource_group_name=zone_id.apply(lambda i: arm_id_part(i, "resourceGroups")),
                virtual_network_link_name=resource_name(ResourceKind.DNS_ZONE_LINK, naming, project=project),
                virtual_network=network.SubResourceArgs(id=vnet.id),
                registration_enabled=False,
                location="Global",
                tags=tags,
                opts=self.child_opts(),
            )

        self.register_outputs(
            {
                "resourceGroupName": self.resource_group_name,
                "vnetId": self.vnet_id,
                "subnetIds": self.subnet_ids,
            }
        )
