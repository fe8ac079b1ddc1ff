"""HubNetwork: the hub VNet and the private DNS zones of an environment, created or adopted."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Literal, Mapping, Optional, Sequence

import pulumi
from pydantic import Field, InstanceOf, model_validator

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings, FactoryComponent, Invalid, arm_id_part, checked
from aifactory.core.addressing import HUB_SUBNETS, PRIVATE_ENDPOINT_SUBNET, carve_subnets, parse_network
from aifactory.core.naming import NamingContext, ResourceKind, resource_name
from aifactory.core.types import Cidr, StrictFlag, IPv4, Location, SubnetId, VnetId
from aifactory.services import builtin_catalog

FIREWALL_SUBNET = "AzureFirewallSubnet"
BASTION_SUBNET = "AzureBastionSubnet"
EGRESS_GROUP = "aifactory-egress"
EGRESS_GROUP_PRIORITY = 200
NETWORK_COLLECTION_PRIORITY = 200
APPLICATION_COLLECTION_PRIORITY = 300


class ExistingHubIds(ComponentArgs):
    """Bring your own hub: the ids of what the enterprise already runs."""

    virtual_network_id: VnetId
    private_dns_zone_ids: Mapping[str, str]
    endpoint_subnet_id: SubnetId
    """Where the shared platform's private endpoints go (lake blob and dfs)."""
    firewall_private_ip: Optional[IPv4] = None


class FirewallRule(ComponentArgs):
    """One egress rule on the hub firewall: what a project's subnets may reach, and why."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
    kind: Literal["application", "network"]
    sources: tuple[Cidr, ...] = Field(min_length=1)
    protocols: tuple[str, ...] = Field(min_length=1)
    """Application rules: ``Https:443``; network rules: ``TCP``, ``UDP``, ``Any``."""
    fqdn_tags: tuple[str, ...] = ()
    fqdns: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    """Network rules: service tags (``AzureDatabricks``, ``Storage.swedencentral``), addresses or ``*``."""
    ports: tuple[str, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _complete(self) -> "FirewallRule":
        if self.kind == "application":
            for protocol in self.protocols:
                kind, _, port = protocol.partition(":")
                if kind not in ("Http", "Https") or not port.isdigit():
                    raise Invalid("protocols", f"{protocol!r}: application rules take Http:<port> or Https:<port>")
            if not (self.fqdn_tags or self.fqdns):
                raise Invalid("fqdns", "an application rule needs fqdn_tags or fqdns")
        else:
            bad = [p for p in self.protocols if p not in ("TCP", "UDP", "ICMP", "Any")]
            if bad:
                raise Invalid("protocols", f"{bad[0]!r}: network rules take TCP, UDP, ICMP or Any")
            if not (self.destinations and self.ports):
                raise Invalid("destinations" if not self.destinations else "ports", "a network rule needs destinations and ports")
        return self


def default_zones(location: str) -> tuple[str, ...]:
    """Every zone the built-in services need: what a new hub creates unless told otherwise."""
    return builtin_catalog().zones(location)


class HubNetworkArgs(ComponentArgs):
    """Either ``cidr`` (create the hub) or ``existing`` (adopt one), never both."""

    location: Location
    naming: InstanceOf[NamingContext]
    cidr: Optional[Cidr] = None
    existing: Optional[ExistingHubIds] = None
    dns_zones: Optional[tuple[str, ...]] = None
    """Zones to create (or require, with ``existing``); default: every zone the built-in services use."""
    firewall: StrictFlag = False
    """An Azure Firewall (Standard, threat intelligence deny) with the ``egress`` rules below."""
    bastion: StrictFlag = False
    egress: tuple[FirewallRule, ...] = ()
    """What the spokes may reach through the firewall (the platform derives them from each service's spec)."""
    settings: InstanceOf[ComponentSettings] = ComponentSettings()

    @model_validator(mode="after")
    def _shape(self) -> "HubNetworkArgs":
        if (self.cidr is None) == (self.existing is None):
            raise Invalid("cidr", "give either cidr (a new hub) or existing (an adopted hub)")
        if self.existing is not None and (self.firewall or self.bastion):
            raise Invalid("firewall" if self.firewall else "bastion", "firewall and bastion are only created with a new hub")
        if self.egress and not self.firewall:
            raise Invalid("egress", "egress rules need the hub firewall (firewall=True)")
        if self.cidr is not None:
            checked("cidr", lambda: carve_subnets(parse_network(self.cidr), HUB_SUBNETS))
        if self.existing is not None:
            missing = [z for z in self.zones if z not in self.existing.private_dns_zone_ids]
            if missing:
                raise Invalid(
                    "existing.private_dns_zone_ids",
                    f"the existing hub lacks {len(missing)} private DNS zone(s) the factory needs: {', '.join(missing)}; "
                    "add their ids under hub.existing.privateDnsZoneIds"
                )
        names = [rule.name for rule in self.egress]
        if len(set(names)) != len(names):
            raise Invalid("egress", "egress rule names must be unique")
        return self

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(self.dns_zones) if self.dns_zones is not None else default_zones(self.location)


class HubNetwork(FactoryComponent):
    """The environment's hub: VNet, shared endpoint subnet, private DNS zones, optional firewall and bastion.

    With ``existing`` ids it registers no Azure resources and exposes the adopted ids instead, so
    every other component is written once against the same outputs.
    """

    vnet_id: pulumi.Output[str]
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
        group = AzureResource(
            "azure-native:resources:ResourceGroup",
            self.child_name("rg"),
            {
                "resourceGroupName": resource_name(ResourceKind.RESOURCE_GROUP, naming, qualifier="hub"),
                "location": args.location,
                "tags": tags,
            },
            self.child_opts(),
        )
        self.resource_group_name = group.name
        endpoint_nsg = AzureResource(
            "azure-native:network:NetworkSecurityGroup",
            self.child_name("nsg-pep"),
            {
                "networkSecurityGroupName": resource_name(ResourceKind.NETWORK_SECURITY_GROUP, naming, qualifier="hub-pep"),
                "resourceGroupName": group.name,
                "location": args.location,
                "securityRules": [deny_internet_inbound_rule()],
                "tags": tags,
            },
            self.child_opts(),
        )
        pep_subnet = resource_name(ResourceKind.SUBNET, naming, qualifier=PRIVATE_ENDPOINT_SUBNET)
        subnets: list[dict[str, object]] = [
            {
                "name": pep_subnet,
                "addressPrefix": str(layout[PRIVATE_ENDPOINT_SUBNET]),
                "networkSecurityGroup": {"id": endpoint_nsg.id},
                "privateEndpointNetworkPolicies": "Disabled",
                "privateLinkServiceNetworkPolicies": "Enabled",
            }
        ]
        # Azure forbids NSGs on the firewall subnet and requires specific rules on the bastion one.
        if args.firewall:
            subnets.append({"name": FIREWALL_SUBNET, "addressPrefix": str(layout[FIREWALL_SUBNET]), "privateLinkServiceNetworkPolicies": "Enabled"})
        if args.bastion:
            subnets.append({"name": BASTION_SUBNET, "addressPrefix": str(layout[BASTION_SUBNET]), "privateLinkServiceNetworkPolicies": "Enabled"})
        vnet = AzureResource(
            "azure-native:network:VirtualNetwork",
            self.child_name("vnet"),
            {
                "virtualNetworkName": resource_name(ResourceKind.VIRTUAL_NETWORK, naming, qualifier="hub"),
                "resourceGroupName": group.name,
                "location": args.location,
                "addressSpace": {"addressPrefixes": [args.cidr]},
                "subnets": subnets,
                "enableDdosProtection": False,
                "enableVmProtection": False,
                "tags": tags,
            },
            self.child_opts(),
        )
        self.vnet_id = vnet.id
        self.endpoint_subnet_id = vnet.id.apply(lambda vnet_id: f"{vnet_id}/subnets/{pep_subnet}")

        self.dns_zone_ids = {}
        link_name = resource_name(ResourceKind.DNS_ZONE_LINK, naming, qualifier="hub")
        for zone in args.zones:
            private_zone = AzureResource(
                "azure-native:privatedns:PrivateZone",
                self.child_name(f"zone-{zone}"),
                {"privateZoneName": zone, "resourceGroupName": group.name, "location": "Global", "tags": tags},
                self.child_opts(),
            )
            AzureResource(
                "azure-native:privatedns:VirtualNetworkLink",
                self.child_name(f"link-{zone}"),
                {
                    "privateZoneName": private_zone.name,
                    "resourceGroupName": group.name,
                    "virtualNetworkLinkName": link_name,
                    "virtualNetwork": {"id": vnet.id},
                    "registrationEnabled": False,
                    "location": "Global",
                    "tags": tags,
                },
                self.child_opts(),
            )
            self.dns_zone_ids[zone] = private_zone.id

        self.firewall_private_ip = self._firewall(group, vnet, layout) if args.firewall else None
        if args.bastion:
            self._bastion(group, vnet)

    def _public_ip(self, group: AzureResource, qualifier: str) -> AzureResource:
        return AzureResource(
            "azure-native:network:PublicIPAddress",
            self.child_name(f"pip-{qualifier}"),
            {
                "publicIpAddressName": resource_name(ResourceKind.PUBLIC_IP, self.args.naming, qualifier=qualifier),
                "resourceGroupName": group.name,
                "location": self.args.location,
                "sku": {"name": "Standard", "tier": "Regional"},
                "publicIPAllocationMethod": "Static",
                "tags": self.tags,
            },
            self.child_opts(),
        )

    def _firewall(self, group: AzureResource, vnet: AzureResource, layout: Mapping[str, IPv4Network]) -> pulumi.Output[str]:
        naming = self.args.naming
        policy = AzureResource(
            "azure-native:network:FirewallPolicy",
            self.child_name("afwp"),
            {
                "firewallPolicyName": resource_name(ResourceKind.FIREWALL_POLICY, naming, qualifier="hub"),
                "resourceGroupName": group.name,
                "location": self.args.location,
                "sku": {"tier": "Standard"},
                "threatIntelMode": "Deny",
                "tags": self.tags,
            },
            self.child_opts(),
        )
        if self.args.egress:
            self._egress(group, policy, self.args.egress)
        public_ip = self._public_ip(group, "afw")
        firewall = AzureResource(
            "azure-native:network:AzureFirewall",
            self.child_name("afw"),
            {
                "azureFirewallName": resource_name(ResourceKind.FIREWALL, naming, qualifier="hub"),
                "resourceGroupName": group.name,
                "location": self.args.location,
                "sku": {"name": "AZFW_VNet", "tier": "Standard"},
                "firewallPolicy": {"id": policy.id},
                "ipConfigurations": [
                    {
                        "name": "ipconfig",
                        "subnet": {"id": vnet.id.apply(lambda i: f"{i}/subnets/{FIREWALL_SUBNET}")},
                        "publicIPAddress": {"id": public_ip.id},
                    }
                ],
                "tags": self.tags,
            },
            self.child_opts(),
        )
        # Azure gives the firewall the fourth address of its subnet; known at plan time.
        planned_ip = str(layout[FIREWALL_SUBNET].network_address + 4)
        return firewall.id.apply(lambda _: planned_ip)

    def _egress(self, group: AzureResource, policy: AzureResource, rules: Sequence[FirewallRule]) -> None:
        """The baseline egress the spokes' services need, as one rule collection group on the policy."""
        network_rules = [
            {
                "ruleType": "NetworkRule",
                "name": rule.name,
                "description": rule.description or None,
                "ipProtocols": list(rule.protocols),
                "sourceAddresses": list(rule.sources),
                "destinationAddresses": list(rule.destinations),
                "destinationPorts": list(rule.ports),
            }
            for rule in rules
            if rule.kind == "network"
        ]
        application_rules = [
            {
                "ruleType": "ApplicationRule",
                "name": rule.name,
                "description": rule.description or None,
                "sourceAddresses": list(rule.sources),
                "protocols": [
                    {"protocolType": protocol.split(":")[0], "port": int(protocol.split(":")[1])} for protocol in rule.protocols
                ],
                "fqdnTags": list(rule.fqdn_tags) or None,
                "targetFqdns": list(rule.fqdns) or None,
            }
            for rule in rules
            if rule.kind == "application"
        ]
        collections = []
        if network_rules:
            collections.append(
                {
                    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
                    "name": "spoke-network",
                    "priority": NETWORK_COLLECTION_PRIORITY,
                    "action": {"type": "Allow"},
                    "rules": network_rules,
                }
            )
        if application_rules:
            collections.append(
                {
                    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
                    "name": "spoke-application",
                    "priority": APPLICATION_COLLECTION_PRIORITY,
                    "action": {"type": "Allow"},
                    "rules": application_rules,
                }
            )
        AzureResource(
            "azure-native:network:FirewallPolicyRuleCollectionGroup",
            self.child_name("afwp-egress"),
            {
                "firewallPolicyName": policy.name,
                "resourceGroupName": group.name,
                "ruleCollectionGroupName": EGRESS_GROUP,
                "priority": EGRESS_GROUP_PRIORITY,
                "ruleCollections": collections,
            },
            self.child_opts(),
        )

    def _bastion(self, group: AzureResource, vnet: AzureResource) -> None:
        public_ip = self._public_ip(group, "bas")
        AzureResource(
            "azure-native:network:BastionHost",
            self.child_name("bas"),
            {
                "bastionHostName": resource_name(ResourceKind.BASTION, self.args.naming, qualifier="hub"),
                "resourceGroupName": group.name,
                "location": self.args.location,
                "sku": {"name": "Standard"},
                "disableCopyPaste": True,
                "enableShareableLink": False,
                "ipConfigurations": [
                    {
                        "name": "ipconfig",
                        "subnet": {"id": vnet.id.apply(lambda i: f"{i}/subnets/{BASTION_SUBNET}")},
                        "publicIPAddress": {"id": public_ip.id},
                    }
                ],
                "tags": self.tags,
            },
            self.child_opts(),
        )


def deny_internet_inbound_rule() -> dict[str, object]:
    """An explicit, visible deny of inbound Internet traffic on every factory NSG."""
    return {
        "name": "DenyInternetInbound",
        "priority": 4096,
        "direction": "Inbound",
        "access": "Deny",
        "protocol": "*",
        "sourceAddressPrefix": "Internet",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": "*",
    }
