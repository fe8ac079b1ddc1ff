"""The network components for every language: the environment's hub and a project's spoke.

No `from __future__ import annotations`: the SDK's analyzer reads these annotations as objects.
"""

from typing import Any, Mapping, Optional, TypedDict

import pulumi
from typing_extensions import NotRequired

from aifactory.components import hub as hub_component
from aifactory.components import spoke as spoke_component
from aifactory.components.arm import azure_provider
from aifactory.core.arm_ids import subscription_of
from aifactory.core.addressing import SubnetSpec, carve_subnets, parse_network
from aifactory.core.naming import NamingContext, ResourceKind, resource_name
from aifactory.provider.inputs import (
    ArgsCheck,
    ExportedComponent,
    Naming,
    checked_location,
    checked_project,
    component_settings,
    from_wire,
    given,
    naming_context,
    output,
    schema_type,
)


@schema_type
class ExistingHub(TypedDict):
    """An enterprise hub to adopt instead of creating one (the Python API's `ExistingHubIds`)."""

    virtual_network_id: str
    """The hub VNet's resource id."""
    private_dns_zone_ids: dict[str, str]
    """Private DNS zone name to zone id; must hold every zone in `dnsZones` (default: every zone the built-in services use)."""
    endpoint_subnet_id: str
    """The subnet the shared platform's private endpoints go to (the lake's blob and dfs endpoints)."""
    firewall_private_ip: NotRequired[str]
    """The private IP of the hub's firewall, when spokes should send their egress through it."""


@schema_type
class FirewallRule(TypedDict):
    """One egress rule on the hub firewall: what a project's subnets may reach, and why."""

    name: str
    """The rule's name, unique among the egress rules (letters, digits, '.', '_', '-')."""
    kind: str
    """`application` (FQDNs, FQDN tags) or `network` (service tags, addresses)."""
    sources: list[str]
    """The source CIDR blocks (at least one), e.g. a spoke's range."""
    protocols: list[str]
    """Application rules: `Https:443`; network rules: `TCP`, `UDP`, `Any`."""
    fqdn_tags: NotRequired[list[str]]
    """Application rules: FQDN tags, e.g. `AzureKubernetesService`."""
    fqdns: NotRequired[list[str]]
    """Application rules: target FQDNs."""
    destinations: NotRequired[list[str]]
    """Network rules: service tags (`AzureDatabricks`, `Storage.swedencentral`), addresses or `*`."""
    ports: NotRequired[list[str]]
    """Network rules: destination ports."""
    description: NotRequired[str]
    """Why the rule exists."""


class HubNetworkInputs(TypedDict):
    """Inputs of HubNetwork: either `cidr` (create the hub) or `existing` (adopt one), never both."""

    naming: Naming
    """Naming prefix, environment and subscription of the hub's resources."""
    location: str
    """The Azure region of the hub, e.g. `swedencentral`."""
    cidr: NotRequired[str]
    """The address space of a new hub: an aligned IPv4 block holding its fixed subnets (at least a /24)."""
    existing: NotRequired[ExistingHub]
    """An existing hub to adopt: no hub resources are created, the given ids are exposed as the outputs."""
    dns_zones: NotRequired[list[str]]
    """Private DNS zones to create (or require of an adopted hub); default: every zone the built-in services use."""
    firewall: NotRequired[bool]
    """Create an Azure Firewall (Standard, threat intelligence in Deny mode). Default: false."""
    bastion: NotRequired[bool]
    """Create Azure Bastion (Standard, no shareable links, copy/paste off). Default: false."""
    egress: NotRequired[list[FirewallRule]]
    """What the spokes may reach through the firewall (needs `firewall`)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""


def hub_network_args(args: Mapping[str, Any]) -> hub_component.HubNetworkArgs:
    """Our `HubNetworkArgs` from plain inputs (every check of the Python API; problems at input paths)."""
    check = ArgsCheck(hub_component.HubNetworkArgs)
    naming = naming_context(check, args["naming"])
    existing = check.nested(hub_component.ExistingHubIds, args.get("existing"), "existing")
    egress = [check.nested(hub_component.FirewallRule, rule, f"egress[{index}]") for index, rule in enumerate(args.get("egress") or ())]
    return check.build(
        hub_component.HubNetworkArgs,
        given(
            location=args["location"],
            naming=naming,
            cidr=args.get("cidr"),
            existing=existing,
            dns_zones=args.get("dns_zones"),
            firewall=args.get("firewall"),
            bastion=args.get("bastion"),
            egress=egress or None,
            settings=component_settings(args.get("tags")),
        ),
    )


class HubNetwork(ExportedComponent):
    """The environment's hub: VNet, shared private-endpoint subnet (with an NSG denying Internet inbound),
    private DNS zones linked to the VNet, and optionally Azure Firewall with egress rules and Azure Bastion.

    With `existing` it creates nothing and exposes the adopted ids, so everything built on the hub is
    written once against the same outputs.
    """

    vnet_id: pulumi.Output[str]
    """The hub VNet's resource id."""
    resource_group_name: pulumi.Output[str]
    """The hub's resource group."""
    endpoint_subnet_id: pulumi.Output[str]
    """The subnet for the shared platform's private endpoints."""
    dns_zone_ids: pulumi.Output[dict[str, str]]
    """Private DNS zone name to zone id: what spokes link and private endpoints register in."""
    firewall_private_ip: Optional[pulumi.Output[str]]
    """The firewall's private IP (spokes route 0.0.0.0/0 to it); absent without a firewall."""

    def __init__(self, name: str, args: HubNetworkInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        spec = hub_network_args(from_wire(args))
        super().__init__(name, opts)
        hub = hub_component.HubNetwork(name, spec, opts=self.child_opts())
        self.vnet_id = hub.vnet_id
        self.resource_group_name = hub.resource_group_name
        self.endpoint_subnet_id = hub.endpoint_subnet_id
        self.dns_zone_ids = output(hub.dns_zone_ids)
        self.firewall_private_ip = hub.firewall_private_ip
        self.publish()


@schema_type
class Subnet(TypedDict):
    """One subnet of a spoke: its name, its size, and what it is for (the Python API's `SubnetSpec`)."""

    name: str
    """The subnet's short name (lowercase letters, digits, hyphens); the Azure name is `snet-<name>`."""
    prefix_length: int
    """Its size as a prefix length, e.g. 26 for a /26 (between /8 and /29)."""
    min_prefix_length: NotRequired[int]
    """The smallest size Azure allows for what the subnet holds (Databricks: 26). Default: 29."""
    delegation: NotRequired[str]
    """The service the subnet is delegated to, e.g. `Microsoft.Databricks/workspaces`."""
    private_endpoints: NotRequired[bool]
    """Holds private endpoints. Default: false."""


@schema_type
class HubConnection(TypedDict):
    """What a spoke needs of its hub: the VNet to peer with and the zones to link."""

    vnet_id: pulumi.Input[str]
    """The hub VNet's resource id (the HubNetwork's `vnetId`)."""
    dns_zone_ids: dict[str, pulumi.Input[str]]
    """Private DNS zone name to zone id (entries of the HubNetwork's `dnsZoneIds`); must hold every zone in `dnsZones`."""
    firewall_private_ip: NotRequired[pulumi.Input[str]]
    """The hub firewall's private IP; with it the spoke routes 0.0.0.0/0 to the firewall."""
    naming: NotRequired[Naming]
    """The hub's naming, when it differs from the spoke's; a different subscription puts the hub-side peering and zone links in the hub's subscription."""


class ProjectSpokeInputs(TypedDict):
    """Inputs of ProjectSpoke."""

    naming: Naming
    """Naming prefix, environment and subscription of the spoke's resources."""
    project: str
    """The project (3-24 lowercase letters, digits, single hyphens); part of every name."""
    location: str
    """The Azure region of the spoke."""
    cidr: str
    """The spoke's address space (an aligned IPv4 block that holds every subnet)."""
    subnets: list[Subnet]
    """The subnets, carved from `cidr` largest first (at least one)."""
    hub: HubConnection
    """The hub to peer with and whose zones to link."""
    dns_zones: NotRequired[list[str]]
    """Zones the project's services resolve; each is linked to the spoke VNet."""
    route_egress_to_firewall: NotRequired[bool]
    """With a hub firewall, send 0.0.0.0/0 from every subnet to it. Default: true."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""


def project_spoke_args(
    args: Mapping[str, Any],
    hub_provider: Optional[pulumi.ProviderResource] = None,
    zone_providers: Optional[Mapping[str, Optional[pulumi.ProviderResource]]] = None,
) -> spoke_component.ProjectSpokeArgs:
    """Our `ProjectSpokeArgs` from plain inputs; `hub_provider` is the hub subscription's provider, if any, and
    `zone_providers` those of zones in other subscriptions than the hub's."""
    check = ArgsCheck(spoke_component.ProjectSpokeArgs)
    naming = naming_context(check, args["naming"])
    hub = args["hub"]
    hub_naming = naming_context(check, hub["naming"], "hub.naming") if hub.get("naming") is not None else None
    project = checked_project(check, args["project"], "project")
    checked_location(check, args["location"], "location")
    subnets = [_subnet(check, naming, subnet, index) for index, subnet in enumerate(args["subnets"])]
    connection = check.nested(
        spoke_component.HubConnection,
        given(
            vnet_id=hub["vnet_id"],
            dns_zone_ids=dict(hub["dns_zone_ids"]),
            firewall_private_ip=hub.get("firewall_private_ip"),
            naming=hub_naming,
            provider=hub_provider,
            zone_providers=dict(zone_providers) if zone_providers else None,
        ),
        "hub",
    )
    return check.build(
        spoke_component.ProjectSpokeArgs,
        given(
            project=project,
            location=args["location"],
            naming=naming,
            cidr=args["cidr"],
            subnets=tuple(subnets),
            hub=connection,
            dns_zones=args.get("dns_zones"),
            route_egress_to_firewall=args.get("route_egress_to_firewall"),
            settings=component_settings(args.get("tags")),
        ),
    )


def _subnet(check: ArgsCheck, naming: Optional[NamingContext], subnet: Mapping[str, Any], index: int) -> Optional[SubnetSpec]:
    """A `SubnetSpec` (its size checks), its name checked now by the rule the subnet's Azure name applies later."""
    where = f"subnets[{index}]"
    if naming is not None:
        check.value(lambda: resource_name(ResourceKind.SUBNET, naming, qualifier=subnet["name"]), f"{where}.name", exact=True)
    return check.value(
        lambda: SubnetSpec(
            name=subnet["name"],
            prefix_length=subnet["prefix_length"],
            **given(
                min_prefix_length=subnet.get("min_prefix_length"),
                delegation=subnet.get("delegation"),
                private_endpoints=subnet.get("private_endpoints"),
            ),
        ),
        where,
    )


def _hub_subscription(args: Mapping[str, Any]) -> Optional[str]:
    """The hub's subscription when it is not the spoke's (hub-side resources then need their own provider)."""
    hub_naming = args["hub"].get("naming")
    if hub_naming is None or hub_naming.get("subscription_id") == args["naming"].get("subscription_id"):
        return None
    return str(hub_naming.get("subscription_id"))


def _zone_subscriptions(args: Mapping[str, Any]) -> dict[str, str]:
    """Zones whose ids (given as plain strings) are in another subscription than the hub VNet's, with theirs.

    Each zone link is created in its zone's subscription; an id that is an output is taken to be in the hub's.
    """
    hub_subscription = _hub_subscription(args) or str(args["naming"].get("subscription_id"))
    found: dict[str, str] = {}
    for zone, zone_id in args["hub"]["dns_zone_ids"].items():
        subscription = subscription_of(zone_id) if isinstance(zone_id, str) else None
        if subscription and subscription.lower() != hub_subscription.lower():
            found[zone] = subscription.lower()
    return found


class ProjectSpoke(ExportedComponent):
    """A project's resource group and spoke VNet: the planned subnets, each with an NSG denying Internet
    inbound, delegations, peering with the hub in both directions, DNS zone links, and an optional
    default route to the hub firewall.
    """

    resource_group_name: pulumi.Output[str]
    """The project's resource group (where its services go)."""
    vnet_id: pulumi.Output[str]
    """The spoke VNet's resource id."""
    vnet_name: pulumi.Output[str]
    """The spoke VNet's name."""
    subnet_ids: pulumi.Output[dict[str, str]]
    """Subnet short name to subnet id (`pep` is where services' private endpoints go)."""
    subnet_names: pulumi.Output[dict[str, str]]
    """Subnet short name to its Azure name (`snet-<name>`)."""
    subnet_cidrs: pulumi.Output[dict[str, str]]
    """Subnet short name to its planned range."""
    route_table_id: Optional[pulumi.Output[str]]
    """The route table sending egress to the hub firewall; absent without one."""

    def __init__(self, name: str, args: ProjectSpokeInputs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        plain = from_wire(args)
        project_spoke_args(plain)  # every problem before anything registers (a hub provider needs the component)
        super().__init__(name, opts)
        subscription = _hub_subscription(plain)
        hub_provider = (
            azure_provider(f"{name}-hub-subscription", subscription, pulumi.ResourceOptions(parent=self)) if subscription else None
        )
        spoke_subscription = str(plain["naming"].get("subscription_id")).lower()
        providers: dict[str, pulumi.ProviderResource] = {}
        zone_providers: dict[str, Optional[pulumi.ProviderResource]] = {}
        for zone, zone_subscription in _zone_subscriptions(plain).items():
            if zone_subscription == spoke_subscription:
                zone_providers[zone] = None  # the spoke's own provider
                continue
            if zone_subscription not in providers:
                providers[zone_subscription] = azure_provider(
                    f"{name}-zones-{zone_subscription[:8]}", zone_subscription, pulumi.ResourceOptions(parent=self)
                )
            zone_providers[zone] = providers[zone_subscription]
        spec = project_spoke_args(plain, hub_provider, zone_providers)
        spoke = spoke_component.ProjectSpoke(name, spec, opts=self.child_opts())
        layout = carve_subnets(parse_network(spec.cidr), spec.subnets)
        self.resource_group_name = spoke.resource_group_name
        self.vnet_id = spoke.vnet_id
        self.vnet_name = spoke.vnet_name
        self.subnet_ids = output(spoke.subnet_ids)
        self.subnet_names = output(spoke.subnet_names)
        self.subnet_cidrs = output({key: str(network) for key, network in layout.items()})
        self.route_table_id = spoke.route_table_id
        self.publish()
