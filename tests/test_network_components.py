"""HubNetwork and ProjectSpoke under mocks: what they register, by value."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_azure_native import storage

from aifactory.components import (
    ComponentSettings,
    ExistingHubIds,
    HubConnection,
    HubNetwork,
    HubNetworkArgs,
    ProjectSpoke,
    ProjectSpokeArgs,
    drop_legacy_aliases,
)
from aifactory.core.dns import factory_zones
from aifactory.core.errors import ConfigError
from aifactory.core.naming import NamingContext
from aifactory.tools.plan import record
from aifactory.subnet_templates import ESML_SUBNETS

SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
NAMING = NamingContext("aif", "dev", SUB)
HUB_VNET = f"/subscriptions/{SUB}/resourceGroups/rg-corp-hub/providers/Microsoft.Network/virtualNetworks/vnet-corp-hub"
HUB_PEP = f"{HUB_VNET}/subnets/snet-shared-pep"
ZONE_IDS = {
    zone: f"/subscriptions/{SUB}/resourceGroups/rg-corp-dns/providers/Microsoft.Network/privateDnsZones/{zone}"
    for zone in factory_zones("swedencentral")
}


def hub_args(**changes) -> HubNetworkArgs:
    base = dict(location="swedencentral", naming=NAMING, cidr="10.60.0.0/23")
    base.update(changes)
    return HubNetworkArgs(**base)


def test_new_hub_creates_vnet_zones_and_links():
    rec = record(lambda: HubNetwork("hub", hub_args()), subscription_id=SUB)
    vnet = rec.one("azure-native:network:VirtualNetwork")
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.60.0.0/23"]}
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert set(subnets) == {"snet-pep"}  # firewall and bastion subnets only when switched on
    assert subnets["snet-pep"]["privateEndpointNetworkPolicies"] == "Disabled"
    assert "networkSecurityGroup" in subnets["snet-pep"]
    zones = {r.inputs["privateZoneName"] for r in rec.of_type("azure-native:privatedns:PrivateZone")}
    assert zones == set(factory_zones("swedencentral"))
    assert "privatelink.swedencentral.azmk8s.io" in zones
    links = rec.of_type("azure-native:privatedns:VirtualNetworkLink")
    assert len(links) == len(zones)
    assert all(link.inputs["registrationEnabled"] is False for link in links)
    assert not rec.of_type("azure-native:network:AzureFirewall")


def test_hub_with_firewall_and_bastion():
    rec = record(lambda: HubNetwork("hub", hub_args(firewall=True, bastion=True)), subscription_id=SUB)
    vnet = rec.one("azure-native:network:VirtualNetwork")
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert subnets["AzureFirewallSubnet"]["addressPrefix"] == "10.60.0.0/26"
    assert subnets["AzureBastionSubnet"]["addressPrefix"] == "10.60.0.64/26"
    assert "networkSecurityGroup" not in subnets["AzureFirewallSubnet"]
    policy = rec.one("azure-native:network:FirewallPolicy")
    assert policy.inputs["threatIntelMode"] == "Deny"
    bastion = rec.one("azure-native:network:BastionHost")
    assert bastion.inputs["enableShareableLink"] is False
    assert len(rec.of_type("azure-native:network:PublicIPAddress")) == 2


def test_bring_your_own_hub_creates_no_hub_resources():
    existing = ExistingHubIds(virtual_network_id=HUB_VNET, private_dns_zone_ids=ZONE_IDS, endpoint_subnet_id=HUB_PEP)
    rec = record(lambda: HubNetwork("hub", hub_args(cidr=None, existing=existing)), subscription_id=SUB)
    assert [r.type for r in rec.resources] == ["aifactory:network:HubNetwork"]


def test_bring_your_own_hub_must_have_every_zone():
    partial = dict(list(ZONE_IDS.items())[:3])
    with pytest.raises(ConfigError, match="lacks .* private DNS zone"):
        hub_args(cidr=None, existing=ExistingHubIds(virtual_network_id=HUB_VNET, private_dns_zone_ids=partial, endpoint_subnet_id=HUB_PEP))


def spoke_args(project: str = "churn", cidr: str = "10.64.0.0/24", **changes) -> ProjectSpokeArgs:
    base = dict(
        project=project,
        location="swedencentral",
        naming=NAMING,
        cidr=cidr,
        subnets=ESML_SUBNETS,
        hub=HubConnection(vnet_id=HUB_VNET, dns_zone_ids=ZONE_IDS),
        dns_zones=("privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"),
        settings=ComponentSettings(tags={"project": project}),
    )
    base.update(changes)
    return ProjectSpokeArgs(**base)


def test_spoke_peers_both_ways_and_links_its_zones():
    rec = record(lambda: ProjectSpoke("churn", spoke_args()), subscription_id=SUB)
    peerings = {r.name: r.inputs for r in rec.of_type("azure-native:network:VirtualNetworkPeering")}
    to_hub, from_hub = peerings["churn-peer-to-hub"], peerings["churn-peer-from-hub"]
    assert to_hub["remoteVirtualNetwork"]["id"] == HUB_VNET
    assert to_hub["resourceGroupName"] == "rg-aif-churn-dev"
    assert from_hub["resourceGroupName"] == "rg-corp-hub" and from_hub["virtualNetworkName"] == "vnet-corp-hub"
    assert from_hub["remoteVirtualNetwork"]["id"].endswith("/virtualNetworks/vnet-aif-churn-dev")
    assert all(p["allowVirtualNetworkAccess"] and not p["useRemoteGateways"] for p in peerings.values())
    links = rec.of_type("azure-native:privatedns:VirtualNetworkLink")
    assert {l.inputs["privateZoneName"] for l in links} == {"privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"}
    assert {l.inputs["resourceGroupName"] for l in links} == {"rg-corp-dns"}


def test_spoke_subnets_have_nsgs_delegations_and_planned_ranges():
    rec = record(lambda: ProjectSpoke("churn", spoke_args()), subscription_id=SUB)
    vnet = rec.one("azure-native:network:VirtualNetwork")
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert {n: s["addressPrefix"] for n, s in subnets.items()} == {
        "snet-pep": "10.64.0.0/26",
        "snet-aml": "10.64.0.64/26",
        "snet-dbx-host": "10.64.0.128/26",
        "snet-dbx-container": "10.64.0.192/26",
    }
    assert all("networkSecurityGroup" in s for s in subnets.values())
    assert subnets["snet-dbx-host"]["delegations"][0]["serviceName"] == "Microsoft.Databricks/workspaces"
    assert "delegations" not in subnets["snet-pep"]
    assert subnets["snet-pep"]["privateEndpointNetworkPolicies"] == "Disabled"
    nsgs = rec.of_type("azure-native:network:NetworkSecurityGroup")
    assert len(nsgs) == 4
    rule = nsgs[0].inputs["securityRules"][0]
    assert (rule["access"], rule["direction"], rule["sourceAddressPrefix"]) == ("Deny", "Inbound", "Internet")
    assert all(r.inputs["tags"] == {"project": "churn"} for r in rec.resources if r.custom and "tags" in r.inputs)


def test_spoke_routes_egress_to_the_hub_firewall_when_there_is_one():
    hub = HubConnection(vnet_id=HUB_VNET, dns_zone_ids=ZONE_IDS, firewall_private_ip="10.60.0.4")
    rec = record(lambda: ProjectSpoke("churn", spoke_args(hub=hub)), subscription_id=SUB)
    table = rec.one("azure-native:network:RouteTable")
    assert table.inputs["routes"][0] == {
        "addressPrefix": "0.0.0.0/0",
        "name": "default-to-hub-firewall",
        "nextHopIpAddress": "10.60.0.4",
        "nextHopType": "VirtualAppliance",
    }
    vnet = rec.one("azure-native:network:VirtualNetwork")
    assert all("routeTable" in s for s in vnet.inputs["subnets"])


def test_two_spokes_do_not_collide():
    def program():
        ProjectSpoke("churn", spoke_args())
        ProjectSpoke("fraud", spoke_args(project="fraud", cidr="10.64.1.0/24"))

    rec = record(program, subscription_id=SUB)
    urns = [r.urn for r in rec.resources]
    assert len(urns) == len(set(urns))
    groups = {r.inputs["resourceGroupName"] for r in rec.of_type("azure-native:resources:ResourceGroup")}
    assert groups == {"rg-aif-churn-dev", "rg-aif-fraud-dev"}


def test_spoke_refuses_a_zone_the_hub_lacks():
    with pytest.raises(ValueError, match="no private DNS zone 'privatelink.example.net'"):
        spoke_args(dns_zones=("privatelink.example.net",))


def _aliases_of_child(keep: bool) -> int:
    counts: list[int] = []

    def program():
        from aifactory.components.base import FactoryComponent

        parent = FactoryComponent("test:index:Parent", "p", ComponentSettings(keep_legacy_aliases=keep))
        account = storage.StorageAccount(
            "st", resource_group_name="rg", kind="StorageV2", sku=storage.SkuArgs(name="Standard_LRS"),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        counts.append(len(account._aliases))

    record(program)
    return counts[0]


def test_components_drop_legacy_aliases_unless_asked_to_keep_them():
    assert _aliases_of_child(keep=False) == 0
    assert _aliases_of_child(keep=True) > 20


def test_drop_legacy_aliases_keeps_other_aliases():
    keep = pulumi.Alias(name="old-name")
    args = pulumi.ResourceTransformationArgs(
        resource=None,  # type: ignore[arg-type]
        type_="azure-native:storage:StorageAccount",
        name="st",
        props={},
        opts=pulumi.ResourceOptions(aliases=[keep, pulumi.Alias(type_="azure-native:storage/v20220901:StorageAccount")]),
    )
    result = drop_legacy_aliases(args)
    assert result is not None and result.opts.aliases == [keep]
    other = pulumi.ResourceTransformationArgs(
        resource=None, type_="random:index:RandomId", name="r", props={},  # type: ignore[arg-type]
        opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="azure-native:storage/v20220901:X")]),
    )
    assert drop_legacy_aliases(other) is None
