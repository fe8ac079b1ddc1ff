"""HubNetwork and ProjectSpoke under mocks: what they register, by value; their Args refuse bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pulumi
import pytest

from aifactory.components import (
    AzureResource,
    ComponentSettings,
    ExistingHubIds,
    FirewallRule,
    HubConnection,
    HubNetwork,
    HubNetworkArgs,
    ProjectSpoke,
    ProjectSpokeArgs,
    azure_provider,
)
from aifactory.components.arm import AZURE_NATIVE_VERSION
from aifactory.core.errors import AddressPlanError, ComponentArgsError, Problem
from aifactory.core.naming import NamingContext
from aifactory.services import builtin_catalog
from aifactory.services.types import ESML
from aifactory.tools.plan import RecordingMonitor, record, run_plan

REPO = Path(__file__).resolve().parent.parent
SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
HUB_SUB = "8b0e6d4c-1a2f-4e3d-9c5b-7a6f5e4d3c21"
NAMING = NamingContext("aif", "dev", SUB)
HUB_VNET = f"/subscriptions/{SUB}/resourceGroups/rg-corp-hub/providers/Microsoft.Network/virtualNetworks/vnet-corp-hub"
HUB_PEP = f"{HUB_VNET}/subnets/snet-shared-pep"
CATALOG_ZONES = builtin_catalog().zones("swedencentral")
ZONE_IDS = {
    zone: f"/subscriptions/{SUB}/resourceGroups/rg-corp-dns/providers/Microsoft.Network/privateDnsZones/{zone}"
    for zone in CATALOG_ZONES
}
ESML_SUBNETS = ESML.subnets
PEERING = "azure-native:network:VirtualNetworkPeering"
LINK = "azure-native:privatedns:VirtualNetworkLink"


def hub_args(**changes: Any) -> HubNetworkArgs:
    base: dict[str, Any] = dict(location="swedencentral", naming=NAMING, cidr="10.60.0.0/23")
    base.update(changes)
    return HubNetworkArgs(**base)


def problem_of(build: Callable[[], object]) -> Problem:
    """The one problem a bad Args construction reports."""
    with pytest.raises(ComponentArgsError) as raised:
        build()
    assert len(raised.value.problems) == 1, raised.value.problems
    return raised.value.problems[0]


def assert_names(problem: Problem, component: str, field: str) -> None:
    """The problem names the Args class and the field (as its field, or in its message for cross-field checks)."""
    assert problem.file == component, problem
    assert field == problem.field or field in problem.message, problem


# --- HubNetwork -----------------------------------------------------------------------------------------


def test_new_hub_creates_vnet_the_catalogs_zones_and_links():
    rec = record(lambda: HubNetwork("hub", hub_args()), subscription_id=SUB)
    vnet = rec.one("azure-native:network:VirtualNetwork")
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.60.0.0/23"]}
    assert vnet.inputs["virtualNetworkName"] == "vnet-aif-hub-dev" and vnet.inputs["resourceGroupName"] == "rg-aif-hub-dev"
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert set(subnets) == {"snet-pep"}  # firewall and bastion subnets only when switched on
    assert subnets["snet-pep"]["privateEndpointNetworkPolicies"] == "Disabled"
    assert subnets["snet-pep"]["networkSecurityGroup"]["id"] == rec.one("azure-native:network:NetworkSecurityGroup").id
    zones = {r.inputs["privateZoneName"] for r in rec.of_type("azure-native:privatedns:PrivateZone")}
    assert zones == set(CATALOG_ZONES)
    assert "privatelink.swedencentral.azmk8s.io" in zones and "privatelink.dfs.core.windows.net" in zones
    links = rec.of_type(LINK)
    assert len(links) == len(zones)
    assert all(link.inputs["registrationEnabled"] is False and link.inputs["virtualNetwork"]["id"] == vnet.id for link in links)
    assert not rec.of_type("azure-native:network:AzureFirewall")
    assert not rec.of_type("azure-native:network:FirewallPolicyRuleCollectionGroup")


def test_hub_creates_only_the_zones_it_is_given():
    zones = ("privatelink.blob.core.windows.net", "privatelink.vaultcore.azure.net")
    rec = record(lambda: HubNetwork("hub", hub_args(dns_zones=zones)), subscription_id=SUB)
    assert sorted(r.inputs["privateZoneName"] for r in rec.of_type("azure-native:privatedns:PrivateZone")) == list(zones)
    assert len(rec.of_type(LINK)) == 2


def test_hub_with_firewall_and_bastion():
    rec = record(lambda: HubNetwork("hub", hub_args(firewall=True, bastion=True)), subscription_id=SUB)
    vnet = rec.one("azure-native:network:VirtualNetwork")
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert subnets["AzureFirewallSubnet"]["addressPrefix"] == "10.60.0.0/26"
    assert subnets["AzureBastionSubnet"]["addressPrefix"] == "10.60.0.64/26"
    assert "networkSecurityGroup" not in subnets["AzureFirewallSubnet"]
    policy = rec.one("azure-native:network:FirewallPolicy")
    assert policy.inputs["threatIntelMode"] == "Deny"
    firewall = rec.one("azure-native:network:AzureFirewall").inputs
    assert firewall["firewallPolicy"] == {"id": policy.id}
    assert firewall["ipConfigurations"][0]["subnet"]["id"] == f"{vnet.id}/subnets/AzureFirewallSubnet"
    bastion = rec.one("azure-native:network:BastionHost")
    assert bastion.inputs["enableShareableLink"] is False
    assert len(rec.of_type("azure-native:network:PublicIPAddress")) == 2
    assert not rec.of_type("azure-native:network:FirewallPolicyRuleCollectionGroup")  # no egress rules given


EGRESS = (
    FirewallRule(
        name="churn-databricks-control-plane", kind="network", sources=("10.64.0.128/26", "10.64.0.192/26"),
        protocols=("TCP",), destinations=("AzureDatabricks",), ports=("443", "8443-8451"), description="control plane",
    ),
    FirewallRule(
        name="fraud-aks-fqdn-tag", kind="application", sources=("10.64.2.0/24",), protocols=("Https:443", "Http:80"),
        fqdn_tags=("AzureKubernetesService",),
    ),
)


def test_hub_firewall_egress_rules_become_one_rule_collection_group():
    rec = record(lambda: HubNetwork("hub", hub_args(firewall=True, egress=EGRESS)), subscription_id=SUB)
    policy = rec.one("azure-native:network:FirewallPolicy")
    group = rec.one("azure-native:network:FirewallPolicyRuleCollectionGroup")
    assert group.inputs["firewallPolicyName"] == policy.inputs["firewallPolicyName"]
    assert group.inputs["resourceGroupName"] == policy.inputs["resourceGroupName"]
    assert group.id.startswith(policy.id + "/ruleCollectionGroups/")
    collections = {c["name"]: c for c in group.inputs["ruleCollections"]}
    assert len(collections) == 2
    for collection in collections.values():
        assert collection["ruleCollectionType"] == "FirewallPolicyFilterRuleCollection"
        assert collection["action"] == {"type": "Allow"}
    assert len({c["priority"] for c in collections.values()}) == 2
    network = [r for c in collections.values() for r in c["rules"] if r["ruleType"] == "NetworkRule"]
    application = [r for c in collections.values() for r in c["rules"] if r["ruleType"] == "ApplicationRule"]
    assert [len(c["rules"]) for c in collections.values()] == [1, 1]  # one kind per collection
    assert network == [
        {
            "ruleType": "NetworkRule",
            "name": "churn-databricks-control-plane",
            "description": "control plane",
            "ipProtocols": ["TCP"],
            "sourceAddresses": ["10.64.0.128/26", "10.64.0.192/26"],
            "destinationAddresses": ["AzureDatabricks"],
            "destinationPorts": ["443", "8443-8451"],
        }
    ]
    assert application == [
        {
            "ruleType": "ApplicationRule",
            "name": "fraud-aks-fqdn-tag",
            "sourceAddresses": ["10.64.2.0/24"],
            "protocols": [{"protocolType": "Https", "port": 443}, {"protocolType": "Http", "port": 80}],
            "fqdnTags": ["AzureKubernetesService"],
        }
    ]


def test_bring_your_own_hub_creates_no_hub_resources_and_exposes_the_adopted_ids():
    existing = ExistingHubIds(
        virtual_network_id=HUB_VNET, private_dns_zone_ids=ZONE_IDS, endpoint_subnet_id=HUB_PEP, firewall_private_ip="10.1.0.4"
    )

    def program() -> None:
        hub = HubNetwork("hub", hub_args(cidr=None, existing=existing))
        pulumi.export("vnet", hub.vnet_id)
        pulumi.export("group", hub.resource_group_name)
        pulumi.export("pep", hub.endpoint_subnet_id)
        pulumi.export("zones", hub.dns_zone_ids)
        pulumi.export("firewall", hub.firewall_private_ip)

    rec = record(program, subscription_id=SUB)
    assert [r.type for r in rec.resources] == ["aifactory:network:HubNetwork"]
    assert rec.outputs == {"vnet": HUB_VNET, "group": "rg-corp-hub", "pep": HUB_PEP, "zones": ZONE_IDS, "firewall": "10.1.0.4"}


def test_bring_your_own_hub_must_have_every_zone_and_the_error_lists_all_missing():
    partial = dict(list(ZONE_IDS.items())[:3])
    missing = sorted(set(ZONE_IDS) - set(partial))
    problem = problem_of(
        lambda: hub_args(cidr=None, existing=ExistingHubIds(virtual_network_id=HUB_VNET, private_dns_zone_ids=partial, endpoint_subnet_id=HUB_PEP))
    )
    assert_names(problem, "HubNetworkArgs", "existing")
    assert f"lacks {len(missing)} private DNS zone" in problem.message
    assert all(zone in problem.message for zone in missing)


@pytest.mark.parametrize(
    "build, component, field",
    [
        (lambda: hub_args(firewall="no"), "HubNetworkArgs", "firewall"),
        (lambda: hub_args(bastion=1), "HubNetworkArgs", "bastion"),
        (lambda: hub_args(location="Sweden Central"), "HubNetworkArgs", "location"),
        (lambda: hub_args(cidr="10.60.0.1/23"), "HubNetworkArgs", "cidr"),
        (lambda: hub_args(naming="aif-dev"), "HubNetworkArgs", "naming"),
        (lambda: hub_args(cidr=None), "HubNetworkArgs", "cidr"),
        (lambda: hub_args(egress=EGRESS), "HubNetworkArgs", "firewall"),
        (lambda: hub_args(firewall=True, egress=(EGRESS[0], EGRESS[0])), "HubNetworkArgs", "egress"),
        (lambda: hub_args(cidr=None, existing=ExistingHubIds(virtual_network_id=HUB_VNET, private_dns_zone_ids=ZONE_IDS,
                                                              endpoint_subnet_id=HUB_PEP), firewall=True), "HubNetworkArgs", "firewall"),
        (lambda: ExistingHubIds(virtual_network_id=HUB_PEP.replace("virtualNetworks", "routeTables"), private_dns_zone_ids={},
                                endpoint_subnet_id=HUB_PEP), "ExistingHubIds", "virtual_network_id"),
        (lambda: FirewallRule(name="bad name", kind="network", sources=("10.64.0.0/24",), protocols=("TCP",)), "FirewallRule", "name"),
        (lambda: FirewallRule(name="r", kind="nat", sources=("10.64.0.0/24",), protocols=("TCP",)), "FirewallRule", "kind"),
        (lambda: FirewallRule(name="r", kind="network", sources=(), protocols=("TCP",)), "FirewallRule", "sources"),
        (lambda: spoke_args(route_egress_to_firewall="yes"), "ProjectSpokeArgs", "route_egress_to_firewall"),
        (lambda: spoke_args(cidr="10.64.0.0/33"), "ProjectSpokeArgs", "cidr"),
        (lambda: spoke_args(subnets=()), "ProjectSpokeArgs", "subnets"),
        (lambda: HubConnection(vnet_id=42, dns_zone_ids={}), "HubConnection", "vnet_id"),
        (lambda: HubConnection(vnet_id=HUB_VNET, dns_zone_ids={}, provider="sub"), "HubConnection", "provider"),
    ],
)
def test_bad_network_args_name_the_component_and_the_field(build, component, field):
    assert_names(problem_of(build), component, field)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ComponentArgsError) as raised:
        hub_args(firewall="no", bastion="yes", location="Sweden Central")
    assert {(p.file, p.field) for p in raised.value.problems} == {
        ("HubNetworkArgs", "firewall"), ("HubNetworkArgs", "bastion"), ("HubNetworkArgs", "location"),
    }
    assert "HubNetworkArgs: firewall: " in str(raised.value)


# Known bugs, each reported with the migration of these tests: strict, so a fix shows up as XPASS.


def test_cross_field_problems_name_their_field():
    assert problem_of(lambda: spoke_args(dns_zones=("privatelink.example.net",))).field == "dns_zones"


def test_a_hub_range_too_small_for_its_subnets_names_the_hub_args():
    assert_names(problem_of(lambda: hub_args(cidr="10.60.0.0/26")), "HubNetworkArgs", "cidr")


def test_nested_args_problems_are_located_in_the_outer_args():
    with pytest.raises(ComponentArgsError) as raised:
        hub_args(cidr=None, firewall="no", existing={"virtual_network_id": "bad", "private_dns_zone_ids": {}, "endpoint_subnet_id": HUB_PEP})
    assert {(p.file, p.field) for p in raised.value.problems} == {
        ("HubNetworkArgs", "firewall"), ("HubNetworkArgs", "existing.virtual_network_id"),
    }


def test_application_rule_protocols_need_a_port():
    assert_names(
        problem_of(lambda: FirewallRule(name="r", kind="application", sources=("10.64.0.0/24",), protocols=("Https",), fqdn_tags=("X",))),
        "FirewallRule", "protocols",
    )


# --- ProjectSpoke ---------------------------------------------------------------------------------------


def spoke_args(project: str = "churn", cidr: str = "10.64.0.0/24", **changes: Any) -> ProjectSpokeArgs:
    base: dict[str, Any] = dict(
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
    peerings = {r.name: r.inputs for r in rec.of_type(PEERING)}
    to_hub, from_hub = peerings["churn-peer-to-hub"], peerings["churn-peer-from-hub"]
    assert to_hub["remoteVirtualNetwork"]["id"] == HUB_VNET
    assert to_hub["resourceGroupName"] == "rg-aif-churn-dev"
    assert from_hub["resourceGroupName"] == "rg-corp-hub" and from_hub["virtualNetworkName"] == "vnet-corp-hub"
    assert from_hub["remoteVirtualNetwork"]["id"] == rec.one("azure-native:network:VirtualNetwork").id
    assert from_hub["remoteVirtualNetwork"]["id"].endswith("/virtualNetworks/vnet-aif-churn-dev")
    assert all(p["allowVirtualNetworkAccess"] and not p["useRemoteGateways"] for p in peerings.values())
    links = rec.of_type(LINK)
    assert {l.inputs["privateZoneName"] for l in links} == {"privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"}
    assert {l.inputs["resourceGroupName"] for l in links} == {"rg-corp-dns"}
    assert all(l.id.startswith(ZONE_IDS[l.inputs["privateZoneName"]] + "/virtualNetworkLinks/") for l in links)


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
    nsgs = rec.of_type("azure-native:network:NetworkSecurityGroup")
    assert len(nsgs) == 4
    assert sorted(s["networkSecurityGroup"]["id"] for s in subnets.values()) == sorted(n.id for n in nsgs)
    assert subnets["snet-dbx-host"]["delegations"][0]["serviceName"] == "Microsoft.Databricks/workspaces"
    assert "delegations" not in subnets["snet-pep"]
    assert subnets["snet-pep"]["privateEndpointNetworkPolicies"] == "Disabled"
    rule = nsgs[0].inputs["securityRules"][0]
    assert (rule["access"], rule["direction"], rule["sourceAddressPrefix"]) == ("Deny", "Inbound", "Internet")
    assert all(r.inputs["tags"] == {"project": "churn"} for r in rec.resources if r.custom and "tags" in r.inputs)
    assert not rec.of_type("azure-native:network:RouteTable")
    assert not any("routeTable" in s for s in subnets.values())


def test_spoke_routes_egress_to_the_hub_firewall_when_there_is_one():
    hub = HubConnection(vnet_id=HUB_VNET, dns_zone_ids=ZONE_IDS, firewall_private_ip="10.60.0.4")
    rec = record(lambda: ProjectSpoke("churn", spoke_args(hub=hub)), subscription_id=SUB)
    table = rec.one("azure-native:network:RouteTable")
    assert table.inputs["routes"] == [
        {
            "addressPrefix": "0.0.0.0/0",
            "name": "default-to-hub-firewall",
            "nextHopIpAddress": "10.60.0.4",
            "nextHopType": "VirtualAppliance",
        }
    ]
    vnet = rec.one("azure-native:network:VirtualNetwork")
    assert all(s["routeTable"] == {"id": table.id} for s in vnet.inputs["subnets"])


def test_spoke_can_keep_its_egress_off_the_firewall():
    hub = HubConnection(vnet_id=HUB_VNET, dns_zone_ids=ZONE_IDS, firewall_private_ip="10.60.0.4")
    rec = record(lambda: ProjectSpoke("churn", spoke_args(hub=hub, route_egress_to_firewall=False)), subscription_id=SUB)
    assert not rec.of_type("azure-native:network:RouteTable")


def test_hub_side_resources_of_a_spoke_in_another_subscription_go_through_the_hubs_provider(monkeypatch):
    seen = registrations(monkeypatch)
    hub_vnet = HUB_VNET.replace(SUB, HUB_SUB)
    zone_ids = {zone: zone_id.replace(SUB, HUB_SUB) for zone, zone_id in ZONE_IDS.items()}

    def program() -> None:
        provider = azure_provider("hub-subscription", HUB_SUB)
        hub = HubConnection(vnet_id=hub_vnet, dns_zone_ids=zone_ids, provider=provider, naming=NamingContext("aif", "dev", HUB_SUB))
        ProjectSpoke("churn", spoke_args(hub=hub))

    rec = record(program, subscription_id=SUB)
    by_name = {r.name: r for r in rec.resources}
    assert by_name["churn-peer-from-hub"].id.startswith(f"{hub_vnet}/virtualNetworkPeerings/")
    assert by_name["churn-peer-to-hub"].id.startswith(f"/subscriptions/{SUB}/resourceGroups/rg-aif-churn-dev/")
    assert by_name["churn-peer-to-hub"].inputs["remoteVirtualNetwork"] == {"id": hub_vnet}
    links = rec.of_type(LINK)
    assert len(links) == 2 and all(l.id.startswith(f"/subscriptions/{HUB_SUB}/") for l in links)
    spoke_side = [r for r in rec.resources if r.custom and r.type not in (LINK, PEERING)] + [by_name["churn-peer-to-hub"]]
    assert spoke_side and all(r.id.startswith(f"/subscriptions/{SUB}/") for r in spoke_side)
    providers = {request.name: request.provider for request in seen if request.custom}
    hub_side = sorted(name for name, provider in providers.items() if "hub-subscription" in provider)
    assert hub_side == sorted(["churn-peer-from-hub", *(l.name for l in links)])
    assert not providers["churn-peer-to-hub"] and not providers["churn-vnet"]  # the default provider


def test_without_a_hub_provider_everything_lands_in_the_default_subscription():
    rec = record(lambda: ProjectSpoke("churn", spoke_args()), subscription_id=SUB)
    assert all(r.id.startswith(f"/subscriptions/{SUB}/") for r in rec.resources if r.custom)


def test_two_spokes_do_not_collide():
    def program() -> None:
        ProjectSpoke("churn", spoke_args())
        ProjectSpoke("fraud", spoke_args(project="fraud", cidr="10.64.1.0/24"))

    rec = record(program, subscription_id=SUB)
    urns = [r.urn for r in rec.resources]
    assert len(urns) == len(set(urns))
    ids = [r.id for r in rec.resources if r.custom]
    assert len(ids) == len(set(ids))
    groups = {r.inputs["resourceGroupName"] for r in rec.of_type("azure-native:resources:ResourceGroup")}
    assert groups == {"rg-aif-churn-dev", "rg-aif-fraud-dev"}
    hub_side = sorted(r.inputs["virtualNetworkPeeringName"] for r in rec.of_type(PEERING) if r.name.endswith("peer-from-hub"))
    assert hub_side == ["peer-to-aif-churn-dev", "peer-to-aif-fraud-dev"]  # unique in the one hub VNet


def test_spoke_refuses_a_zone_the_hub_lacks():
    problem = problem_of(lambda: spoke_args(dns_zones=("privatelink.example.net",)))
    assert problem.file == "ProjectSpokeArgs"
    assert "no private DNS zone 'privatelink.example.net'" in problem.message


# --- bare azure-native resources ------------------------------------------------------------------------


def registrations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Spy on the mock monitor: every RegisterResource request of the runs that follow."""
    seen: list[Any] = []
    original = RecordingMonitor.RegisterResource

    def spy(self: RecordingMonitor, request: Any) -> Any:
        seen.append(request)
        return original(self, request)

    monkeypatch.setattr(RecordingMonitor, "RegisterResource", spy)
    return seen


def aliases(request: Any) -> int:
    return len(request.aliases) + len(request.aliasURNs)


def test_the_alias_spy_sees_aliases(monkeypatch):
    seen = registrations(monkeypatch)
    record(lambda: AzureResource("azure-native:resources:ResourceGroup", "rg", {"resourceGroupName": "rg"},
                                 pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old-rg")])))
    assert [aliases(r) for r in seen if r.custom] == [1]


def test_no_registered_resource_carries_aliases_and_every_one_pins_the_sdks_provider(monkeypatch):
    seen = registrations(monkeypatch)
    run_plan(REPO, "dev")
    azure = [r for r in seen if r.custom and r.type.startswith("azure-native:")]
    assert len(azure) > 100
    assert [f"{r.type}::{r.name}" for r in seen if aliases(r)] == []
    assert {r.version for r in azure} == {AZURE_NATIVE_VERSION}


def test_azure_resource_takes_only_azure_native_types_and_declared_outputs():
    with pytest.raises(ValueError, match="not an azure-native type token"):
        AzureResource("random:index:RandomId", "r", {})
    failures: list[str] = []

    def program() -> None:
        group = AzureResource("azure-native:resources:ResourceGroup", "rg", {"resourceGroupName": "rg", "location": None})
        try:
            group.output("principalId")
        except AttributeError as error:
            failures.append(str(error))
        pulumi.export("name", group.name)

    rec = record(program, subscription_id=SUB)
    assert failures and "declares no output 'principalId'" in failures[0]
    assert rec.one("azure-native:resources:ResourceGroup").inputs == {"resourceGroupName": "rg"}  # None inputs are left out
    assert rec.outputs["name"] == "rg"
