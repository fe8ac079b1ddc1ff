"""HubNetwork: the hub VNet and the private DNS zones of an environment, created or adopted."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Mapping, Optional, Sequence

import pulumi
from pulumi_azure_native import network, privatedns, resources

from aifactory.addressing import carve_subnets, parse_network
from aifactory.components.base import ComponentSettings, FactoryComponent, arm_id_part
from aifactory.dns import factory_zones
from aifactory.errors import ConfigError
from aifactory.naming import NamingContext, ResourceKind, resource_name
from aifactory.subnet_templates import HUB_SUBNETS, PRIVATE_ENDPOINT_SUBNET

FIREWALL_SUBNET = "AzureFirewallSubnet"
BASTION_SUBNET = "AzureBastionSubnet"


@dataclass(frozen=True)
class ExistingHubIds:
    """Bring your own hub: the ids of what the enterprise already runs."""

    virtual_network_id: str
    private_dns_zone_ids: Mapping[str, str]
    endpoint_subnet_id: str
    """Where the shared platform's private endpoints go (lake blob and dfs)."""
    firewall_private_ip: str | None = None


@dataclass(frozen=True)
class HubNetworkArgs:
    """Either ``cidr`` (create the hub) or ``existing`` (adopt one), never both."""

    location: str
    naming: NamingContext
    cidr: str | None = None
    existing: ExistingHubIds | None = None
    dns_zones: Sequence[str] | None = None
    """Zones to create (or require, with ``existing``); default: every zone the factory uses."""
    firewall: bool = False
    bastion: bool = False
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if (self.cidr is None) == (self.existing is None):
            raise ConfigError("HubNetworkArgs takes either cidr (new hub) or existing (adopted hub)", field="hub")
        if self.existing is not None and (self.firewall or self.bastion):
            raise ConfigError("firewall and bastion are only created with a new hub", field="hub")
        if self.cidr is not None:
            carve_subnets(parse_network(self.cidr, field="hub.cidr"), HUB_SUBNETS, field="hub.cidr")
        if self.existing is not None:
            missing = [z for z in self.zones if z not in self.existing.private_dns_zone_ids]
            if missing:
                raise ConfigError(
                    f"the existing hub lacks {len(missing)} private DNS zone(s) the factory needs, "
                    f"first {missing[0]}; add their ids under hub.existing.privateDnsZoneIds",
                    field="hub.existing.privateDnsZoneIds",
                )

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(self.dns_zones) if self.dns_zones is not None else factory_zones(self.location)


class HubNetwork(FactoryComponent):
    """The environment's hub: VNet, shared endpoint subnet, private DNS zones, optional firewall and bastion.

    With ``existing`` ids it registers no Azure resources and exposes the adopted ids instead, so
    every other component is written once against the same outputs.
    """

    vnet_id: pulumi.Output[str]
    vnet_name: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    endpoint_subnet_id: pulumi.Output[str]
    dns_zone_ids: dict[str, pulumi.Output[str]]
    firewall_private_ip: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: HubNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:network:HubNetwork", name, args.settings, opts)
        self.args = args
        if args.existing is not None:
            self._adopt(args.existing)
        else:
            self._create(args)
        self.register_outputs(
            {
                "vnetId": self.vnet_id,
                "resourceGroupName": self.resource_group_name,
                "dnsZoneIds": self.dns_zone_ids,
            }
        )

    def _adopt(self, existing: ExistingHubIds) -> None:
        self.vnet_id = pulumi.Output.from_input(existing.virtual_network_id)
        self.vnet_name = pulumi.Output.from_input(arm_id_part(existing.virtual_network_id, "virtualNetworks"))
        self.resource_group_name = pulumi.Output.from_input(arm_id_part(existing.virtual_network_id, "resourceGroups"))
        self.endpoint_subnet_id = pulumi.Output.from_input(existing.endpoint_subnet_id)
        self.dns_zone_ids = {
            zone: pulumi.Output.from_input(existing.private_dns_zone_ids[zone]) for zone in self.args.zones
        }
        self.firewall_private_ip = (
            pulumi.Output.from_input(existing.firewall_private_ip) if existing.firewall_private_ip else None
        )

    def _create(self, args: HubNetworkArgs) -> None:
        naming, tags = args.naming, self.tags
        assert args.cidr is not None
        layout = carve_subnets(parse_network(args.cidr), HUB_SUBNETS)
        group = resources.ResourceGroup(
            self.child_name("rg"),
            resource_group_name=resource_name(ResourceKind.RESOURCE_GROUP, naming, qualifier="hub"),
            location=args.location,
            tags=tags,
            opts=self.child_opts(),
        )
        self.resource_group_name = group.name
        endpoint_nsg = network.NetworkSecurityGroup(
            self.child_name("nsg-pep"),
            network_security_group_name=resource_name(ResourceKind.NETWORK_SECURITY_GROUP, naming, qualifier="hub-pep"),
            resource_group_name=group.name,
            location=args.location,
            security_rules=[deny_internet_inbound_rule()],
            tags=tags,
            opts=self.child_opts(),
        )
        subnets: list[network.SubnetArgs] = [
            network.SubnetArgs(
                name=resource_name(ResourceKind.SUBNET, naming, qualifier=PRIVATE_ENDPOINT_SUBNET),
                address_prefix=str(layout[PRIVATE_ENDPOINT_SUBNET]),
                network_security_group=network.NetworkSecurityGroupArgs(id=endpoint_nsg.id),
                private_endpoint_network_policies="Disabled",
            )
        ]
        # Azure forbids NSGs on the firewall subnet and requires specific rules on the bastion one.
        if args.firewall:
            subnets.append(network.SubnetArgs(name=FIREWALL_SUBNET, address_prefix=str(layout[FIREWALL_SUBNET])))
        if args.bastion:
            subnets.append(network.SubnetArgs(name=BASTION_SUBNET, address_prefix=str(layout[BASTION_SUBNET])))
        vnet = network.VirtualNetwork(
            self.child_name("vnet"),
            virtual_network_name=resource_name(ResourceKind.VIRTUAL_NETWORK, naming, qualifier="hub"),
            resource_group_name=group.name,
            location=args.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[args.cidr]),
            subnets=subnets,
            tags=tags,
            opts=self.child_opts(),
        )
        self.vnet_id = vnet.id
        self.vnet_name = vnet.name
        pep_subnet = resource_name(ResourceKind.SUBNET, naming, qualifier=PRIVATE_ENDPOINT_SUBNET)
        self.endpoint_subnet_id = vnet.id.apply(lambda vnet_id: f"{vnet_id}/subnets/{pep_subnet}")

        self.dns_zone_ids = {}
        for zone in args.zones:
            private_zone = privatedns.PrivateZone(
                self.child_name(f"zone-{zone}"),
                private_zone_name=zone,
                resource_group_name=group.name,
                location="Global",
                tags=tags,
                opts=self.child_opts(),
            )
            privatedns.VirtualNetworkLink(
                self.child_name(f"link-{zone}"),
                private_zone_name=private_zone.name,
                resource_group_name=group.name,
                virtual_network_link_name=resource_name(ResourceKind.DNS_ZONE_LINK, naming, qualifier="hub"),
                virtual_network=network.SubResourceArgs(id=vnet.id),
                registration_enabled=False,
                location="Global",
                tags=tags,
                opts=self.child_opts(),
            )
            self.dns_zone_ids[zone] = private_zone.id

        self.firewall_private_ip = self._firewall(group, vnet, layout) if args.firewall else None
        if args.bastion:
            self._bastion(group, vnet)

    def _public_ip(self, group: resources.ResourceGroup, qualifier: str) -> network.PublicIPAddress:
        return network.PublicIPAddress(
            self.child_name(f"pip-{qualifier}"),
            public_ip_address_name=resource_name(ResourceKind.PUBLIC_IP, self.args.naming, qualifier=qualifier),
            resource_group_name=group.name,
            location=self.args.location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            tags=self.tags,
            opts=self.child_opts(),
        )

    def _firewall(
        self, group: resources.ResourceGroup, vnet: network.VirtualNetwork, layout: Mapping[str, IPv4Network]
    ) -> pulumi.Output[str]:
        naming = self.args.naming
        policy = network.FirewallPolicy(
            self.child_name("afwp"),
            firewall_policy_name=resource_name(ResourceKind.FIREWALL_POLICY, naming, qualifier="hub"),
            resource_group_name=group.name,
            location=self.args.location,
            sku=network.FirewallPolicySkuArgs(tier="Standard"),
            threat_intel_mode="Deny",
            tags=self.tags,
            opts=self.child_opts(),
        )
        public_ip = self._public_ip(group, "afw")
        firewall = network.AzureFirewall(
            self.child_name("afw"),
            azure_firewall_name=resource_name(ResourceKind.FIREWALL, naming, qualifier="hub"),
            resource_group_name=group.name,
            location=self.args.location,
            sku=network.AzureFirewallSkuArgs(name="AZFW_VNet", tier="Standard"),
            firewall_policy=network.SubResourceArgs(id=policy.id),
            ip_configurations=[
                network.AzureFirewallIPConfigurationArgs(
                    name="ipconfig",
                    subnet=network.SubResourceArgs(id=vnet.id.apply(lambda i: f"{i}/subnets/{FIREWALL_SUBNET}")),
                    public_ip_address=network.SubResourceArgs(id=public_ip.id),
                )
            ],
            tags=self.tags,
            opts=self.child_opts(),
        )
        # Azure gives the firewall the fourth address of its subnet; known at plan time.
        planned_ip = str(layout[FIREWALL_SUBNET].network_address + 4)
        return firewall.id.apply(lambda _: planned_ip)

    def _bastion(self, group: resources.ResourceGroup, vnet: network.VirtualNetwork) -> None:
        public_ip = self._public_ip(group, "bas")
        network.BastionHost(
            self.child_name("bas"),
            bastion_host_name=resource_name(ResourceKind.BASTION, self.args.naming, qualifier="hub"),
            resource_group_name=group.name,
            location=self.args.location,
            sku=network.SkuArgs(name="Standard"),
            disable_copy_paste=True,
            enable_shareable_link=False,
            ip_configurations=[
                network.BastionHostIPConfigurationArgs(
                    name="ipconfig",
                    subnet=network.SubResourceArgs(id=vnet.id.apply(lambda i: f"{i}/subnets/{BASTION_SUBNET}")),
                    public_ip_address=network.SubResourceArgs(id=public_ip.id),
                )
            ],
            tags=self.tags,
            opts=self.child_opts(),
        )


def deny_internet_inbound_rule() -> network.SecurityRuleArgs:
    """An explicit, visible deny of inbound Internet traffic on every factory NSG."""
    return network.SecurityRuleArgs(
        name="DenyInternetInbound",
        priority=4096,
        direction="Inbound",
        access="Deny",
        protocol="*",
        source_address_prefix="Internet",
        source_port_range="*",
        destination_address_prefix="*",
        destination_port_range="*",
    )
