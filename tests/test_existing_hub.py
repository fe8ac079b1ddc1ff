"""Bring your own hub: a hub (and its zones) in other subscriptions than the platform's, and the zones an
adopted hub must name, checked at assembly.

The fixture environment is the shipped dev stack with ``hub.existing``: the hub VNet and most zones in a
connectivity subscription, two zones in a third (DNS) subscription, one project in a subscription of its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest
from typer.testing import CliRunner

from aifactory.components import ComponentSettings, HubConnection, ProjectSpoke, ProjectSpokeArgs, azure_provider
from aifactory.core.errors import ComponentArgsError, FactoryError
from aifactory.core.factory import load_factory
from aifactory.core.naming import NamingContext
from aifactory.services import load_catalog
from aifactory.services.types import ESML
from aifactory.tools.cli import app
from aifactory.tools.plan import Plan, PlannedResource, RecordingMonitor, ownership_problems, record, run_plan
from tests.conftest import REPO, load_yaml, write_yaml

runner = CliRunner()

PLATFORM_SUB = "3f2c1a9e-8d4b-4c7e-9a51-0b6d2e7f4a10"
HUB_SUB = "8b0e6d4c-1a2f-4e3d-9c5b-7a6f5e4d3c21"
DNS_SUB = "c4d5e6f7-0a1b-4c2d-8e3f-9a0b1c2d3e4f"
PROJECT_SUB = "5d7e9f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a"
LOCATION = "swedencentral"
AKS_ZONE = f"privatelink.{LOCATION}.azmk8s.io"
IN_DNS_SUB = frozenset({"privatelink.vaultcore.azure.net", AKS_ZONE})
"""Zones of the adopted hub that live in a third subscription."""
ZONES = load_catalog().zones(LOCATION)
PEERING = "azure-native:network:VirtualNetworkPeering"
LINK = "azure-native:privatedns:VirtualNetworkLink"
ENDPOINT = "azure-native:network:PrivateEndpoint"
STACK_FILE = "Pulumi.dev.yaml"
FIELD = "hub.existing.privateDnsZoneIds"


def hub_vnet(subscription: str = HUB_SUB) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/rg-connectivity/providers/Microsoft.Network/virtualNetworks/vnet-hub"


def zone_id(zone: str, hub_subscription: str = HUB_SUB) -> str:
    subscription = DNS_SUB if zone in IN_DNS_SUB and hub_subscription != PLATFORM_SUB else hub_subscription
    return f"/subscriptions/{subscription}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/{zone}"


def copy_factory(target: Path) -> Path:
    """The example stack files and project requests (as ``factory_dir`` does, for module-scoped fixtures)."""
    for stack_file in REPO.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, target / stack_file.name)
    shutil.copytree(REPO / "projects", target / "projects")
    return target


def adopt_hub(root: Path, *, subscription: str = HUB_SUB, zones: Optional[tuple[str, ...]] = None) -> dict[str, str]:
    """Make the dev stack adopt an existing hub in ``subscription``; returns the zone ids it names."""
    ids = {zone: zone_id(zone, subscription) for zone in (ZONES if zones is None else zones)}
    path = root / STACK_FILE
    document = load_yaml(path)
    document["config"]["aifactory:hub"] = {
        "cidr": "10.60.0.0/23",
        "existing": {
            "virtualNetworkId": hub_vnet(subscription),
            "endpointSubnetId": f"{hub_vnet(subscription)}/subnets/snet-shared-pep",
            "privateDnsZoneIds": ids,
        },
    }
    write_yaml(path, document)
    return ids


def move_project(root: Path, name: str, subscription: str) -> None:
    """Give the environment a project subscription and record ``name`` there (the others in the platform's)."""
    path = root / STACK_FILE
    document = load_yaml(path)
    document["config"]["aifactory:projectSubscriptions"] = [subscription]
    write_yaml(path, document)
    for request in (root / "projects").glob("*.yaml"):
        data = load_yaml(request)
        if "dev" in data["environments"]:
            data["environments"]["dev"]["subscription"] = subscription if data["name"] == name else PLATFORM_SUB
            write_yaml(request, data)


def by_name(plan: Plan) -> dict[str, PlannedResource]:
    return {r.name: r for r in plan.custom_resources}


# --- a hub in another subscription -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cross_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, dict[str, str]]:
    root = copy_factory(tmp_path_factory.mktemp("cross"))
    ids = adopt_hub(root)
    move_project(root, "churn-prediction", PROJECT_SUB)
    return run_plan(root, "dev", workers=1), ids


def test_the_hub_side_peering_is_in_the_hub_vnets_subscription(cross_plan):
    plan, _ = cross_plan
    resources = by_name(plan)
    for project in ("churn-prediction", "support-copilot", "telemetry-stream"):
        peering = resources[f"{project}-spoke-peer-from-hub"]
        name = peering.inputs["virtualNetworkPeeringName"]
        assert peering.id == f"{hub_vnet()}/virtualNetworkPeerings/{name}"
        assert peering.inputs["remoteVirtualNetwork"]["id"] == resources[f"{project}-spoke-vnet"].id


def test_each_zone_link_is_in_its_zones_subscription(cross_plan):
    plan, ids = cross_plan
    links = [r for r in plan.custom_resources if r.type == LINK]
    assert links
    for link in links:
        zone = link.inputs["privateZoneName"]
        assert link.id == f"{ids[zone]}/virtualNetworkLinks/{link.inputs['virtualNetworkLinkName']}"
    subscriptions = {link.id.split("/")[2] for link in links}
    assert subscriptions == {HUB_SUB, DNS_SUB}


def test_spoke_side_resources_stay_in_the_projects_subscription(cross_plan):
    """Every project resource is in its own resource group(s) in its own subscription, or on the hub's side (the
    hub's and the zones' subscriptions), or in the platform's lake (its area)."""
    plan, _ = cross_plan
    owner = plan.project_of()
    expected = {"churn-prediction": PROJECT_SUB, "support-copilot": PLATFORM_SUB, "telemetry-stream": PLATFORM_SUB}
    elsewhere = {(HUB_SUB, "rg-connectivity"), (HUB_SUB, "rg-dns"), (DNS_SUB, "rg-dns"), (PLATFORM_SUB, "rg-aif-platform-dev")}
    own = dict.fromkeys(expected, 0)
    for resource in plan.custom_resources:
        project = owner[resource.urn]
        if project is None or not (resource.id or "").startswith("/subscriptions/"):
            continue
        parts = resource.id.split("/")
        subscription, group = parts[2], parts[4]
        if group.startswith(f"rg-aif-{project}-dev"):
            assert subscription == expected[project], (resource.name, resource.id)
            own[project] += 1
        else:
            assert (subscription, group) in elsewhere, (resource.name, resource.id)
    assert all(count > 20 for count in own.values()), own
    resources = by_name(plan)
    to_hub = resources["churn-prediction-spoke-peer-to-hub"]
    assert to_hub.inputs["remoteVirtualNetwork"] == {"id": hub_vnet()}
    assert to_hub.id.startswith(f"/subscriptions/{PROJECT_SUB}/resourceGroups/rg-aif-churn-prediction-dev/")


def test_the_platforms_endpoints_are_in_the_endpoint_subnets_subscription(cross_plan):
    """Azure requires a private endpoint in the subscription of its VNet: the platform's go in the hub's."""
    plan, _ = cross_plan
    owner = plan.project_of()
    platform_endpoints = [r for r in plan.custom_resources if r.type == ENDPOINT and owner[r.urn] is None]
    assert len(platform_endpoints) == 2  # the lake's blob and dfs
    for endpoint in platform_endpoints:
        assert endpoint.id.startswith(f"/subscriptions/{HUB_SUB}/resourceGroups/rg-connectivity/providers/Microsoft.Network/privateEndpoints/")
        assert endpoint.inputs["subnet"]["id"] == f"{hub_vnet()}/subnets/snet-shared-pep"
    lake = next(r for r in plan.custom_resources if r.type == "azure-native:storage:StorageAccount" and owner[r.urn] is None)
    assert lake.id.startswith(f"/subscriptions/{PLATFORM_SUB}/resourceGroups/rg-aif-platform-dev/")


def test_nothing_lands_in_a_resource_group_of_the_hub_in_the_wrong_subscription(cross_plan):
    plan, _ = cross_plan
    for subscription in (PLATFORM_SUB, PROJECT_SUB):
        for group in ("rg-connectivity", "rg-dns"):
            wrong = f"/subscriptions/{subscription}/resourcegroups/{group}/"
            assert not [r.name for r in plan.custom_resources if r.id and r.id.lower().startswith(wrong)]
    assert ownership_problems(plan.resources) == []


def test_a_project_slice_puts_the_hub_side_in_the_hubs_subscription(tmp_path: Path):
    ids = adopt_hub(copy_factory(tmp_path))
    plan = run_plan(tmp_path, "dev", overrides={"scope": "project:telemetry-stream"})
    resources = by_name(plan)
    peering = resources["telemetry-stream-spoke-peer-from-hub"]
    assert peering.id.startswith(f"{hub_vnet()}/virtualNetworkPeerings/")
    links = {r.inputs["privateZoneName"]: r.id for r in plan.custom_resources if r.type == LINK}
    assert "privatelink.vaultcore.azure.net" in links and AKS_ZONE not in links  # AKS links its API server zone itself
    assert all(link.startswith(f"{ids[zone]}/virtualNetworkLinks/") for zone, link in links.items())
    assert links["privatelink.vaultcore.azure.net"].startswith(f"/subscriptions/{DNS_SUB}/")


def test_splitting_the_plan_over_workers_changes_nothing(tmp_path: Path, cross_plan):
    plan, _ = cross_plan
    root = copy_factory(tmp_path)
    adopt_hub(root)
    move_project(root, "churn-prediction", PROJECT_SUB)
    split = run_plan(root, "dev", workers=2)
    assert [(r.urn, r.id) for r in split.resources] == [(r.urn, r.id) for r in plan.resources]


def provider_registrations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    original = RecordingMonitor.RegisterResource

    def spy(self: RecordingMonitor, request: Any) -> Any:
        if request.type.startswith("pulumi:providers:"):
            seen.append(request)
        return original(self, request)

    monkeypatch.setattr(RecordingMonitor, "RegisterResource", spy)
    return seen


def test_a_hub_in_the_platform_subscription_needs_no_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ids = adopt_hub(copy_factory(tmp_path), subscription=PLATFORM_SUB)
    providers = provider_registrations(monkeypatch)
    plan = run_plan(tmp_path, "dev", workers=1)
    assert providers == []
    assert all(r.id.startswith(f"/subscriptions/{PLATFORM_SUB}/") for r in plan.custom_resources if r.id and r.id.startswith("/subscriptions/"))
    resources = by_name(plan)
    assert resources["churn-prediction-spoke-peer-from-hub"].id.startswith(f"{hub_vnet(PLATFORM_SUB)}/virtualNetworkPeerings/")
    owner = plan.project_of()
    endpoints = [r for r in plan.custom_resources if r.type == ENDPOINT and owner[r.urn] is None]
    assert endpoints and all("/resourceGroups/rg-aif-platform-dev/" in r.id for r in endpoints)
    assert plan.outputs["dnsZoneIds"] == ids


def test_a_hub_in_another_subscription_registers_one_provider_per_subscription(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    adopt_hub(copy_factory(tmp_path))
    providers = provider_registrations(monkeypatch)
    run_plan(tmp_path, "dev", workers=1)
    names = sorted(request.name for request in providers)
    assert names == sorted([f"subscription-{HUB_SUB}", f"subscription-{DNS_SUB}"])


# --- the zones an adopted hub must name ----------------------------------------------------------------


def test_a_missing_zone_is_one_located_problem_per_zone(factory_dir: Path):
    missing = ("privatelink.azurecr.io", "privatelink.documents.azure.com")
    adopt_hub(factory_dir, zones=tuple(z for z in ZONES if z not in missing))
    (factory_dir / "projects" / "broken.yaml").write_text("name: broken\ntype: esml\n")  # collected with everything else
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev", catalog=load_catalog())
    zone_problems = [p for p in raised.value.problems if (p.field or "").startswith(FIELD)]
    assert [(p.file, p.field) for p in zone_problems] == [(STACK_FILE, f"{FIELD}.{zone}") for zone in missing]
    assert "project 'churn-prediction' (aml)" in zone_problems[0].message
    assert "project 'telemetry-stream' (registry)" in zone_problems[0].message
    assert "project 'support-copilot' (agents)" in zone_problems[1].message
    assert any(p.file and p.file.endswith("broken.yaml") for p in raised.value.problems)


def test_the_shared_lakes_zones_are_always_needed(factory_dir: Path):
    for project in (factory_dir / "projects").glob("*.yaml"):
        project.unlink()
    adopt_hub(factory_dir, zones=("privatelink.blob.core.windows.net",))
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev", catalog=load_catalog())
    assert [p.field for p in raised.value.problems] == [f"{FIELD}.privatelink.dfs.core.windows.net"]
    assert "the shared lake" in raised.value.problems[0].message


def test_the_ml_registry_needs_its_zone(factory_dir: Path):
    for project in (factory_dir / "projects").glob("*.yaml"):
        project.unlink()
    adopt_hub(factory_dir, zones=("privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net"))
    load_factory(factory_dir, "dev", catalog=load_catalog())
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev", catalog=load_catalog(), overrides={"mlRegistry": "true"})
    assert [p.field for p in raised.value.problems] == [f"{FIELD}.privatelink.api.azureml.ms"]
    assert "the ML registry" in raised.value.problems[0].message


def test_an_unused_services_zone_is_not_required(factory_dir: Path):
    """AKS is optional in the streaming type: with it off, its API server zone is needed by no one."""
    adopt_hub(factory_dir, zones=tuple(z for z in ZONES if z != AKS_ZONE))
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev", catalog=load_catalog())
    assert [(p.file, p.field) for p in raised.value.problems] == [(STACK_FILE, f"{FIELD}.{AKS_ZONE}")]
    assert "project 'telemetry-stream' (aks)" in raised.value.problems[0].message

    request = factory_dir / "projects" / "telemetry-stream.yaml"
    data = load_yaml(request)
    data["environments"]["dev"]["services"]["aks"] = False
    write_yaml(request, data)
    factory = load_factory(factory_dir, "dev", catalog=load_catalog())
    assert AKS_ZONE not in factory.zones()
    plan = run_plan(factory_dir, "dev", workers=1)  # the program asks for no more than assembly checked
    assert AKS_ZONE not in plan.outputs["dnsZoneIds"]


def test_a_retiring_projects_zones_are_not_required(factory_dir: Path):
    adopt_hub(factory_dir, zones=tuple(z for z in ZONES if z != "privatelink.servicebus.windows.net"))
    request = factory_dir / "projects" / "telemetry-stream.yaml"
    data = load_yaml(request)
    data["environments"]["dev"]["retiring"] = True
    write_yaml(request, data)
    load_factory(factory_dir, "dev", catalog=load_catalog())


def test_a_missing_zone_set_by_config_names_config(factory_dir: Path):
    adopt_hub(factory_dir)
    hub = load_yaml(factory_dir / STACK_FILE)["config"]["aifactory:hub"]
    del hub["existing"]["privateDnsZoneIds"]["privatelink.azurecr.io"]
    with pytest.raises(FactoryError) as raised:
        load_factory(factory_dir, "dev", catalog=load_catalog(), overrides={"hub": json.dumps(hub)})
    assert [(p.file, p.field) for p in raised.value.problems] == [("--config", f"{FIELD}.privatelink.azurecr.io")]


CHECK_WITHOUT_PULUMI = """
import sys
from pathlib import Path
from typer.testing import CliRunner
from aifactory.core.errors import FactoryError
from aifactory.core.factory import load_factory
from aifactory.services import load_catalog
from aifactory.tools.cli import app

root = Path(sys.argv[1])
try:
    load_factory(root, "dev", catalog=load_catalog())
    raise SystemExit("load_factory accepted a hub without the zones the environment needs")
except FactoryError as error:
    print("LOAD", *[f"{p.file}|{p.field}" for p in error.problems])
result = CliRunner().invoke(app, ["stacks", "--env", "dev", "--dir", str(root)])
print("CLI", result.exit_code, " ".join(result.output.split()))
print("PULUMI", sorted(m for m in sys.modules if m == "pulumi" or m.startswith("pulumi.")))
"""


def test_load_factory_and_the_stacks_command_refuse_a_missing_zone_without_pulumi(factory_dir: Path):
    adopt_hub(factory_dir, zones=tuple(z for z in ZONES if z != "privatelink.servicebus.windows.net"))
    done = subprocess.run(
        [sys.executable, "-c", CHECK_WITHOUT_PULUMI, str(factory_dir)], capture_output=True, text=True, cwd=REPO, check=True
    )
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in done.stdout.splitlines() if " " in line}
    assert lines["LOAD"] == f"{STACK_FILE}|{FIELD}.privatelink.servicebus.windows.net"
    exit_code, output = lines["CLI"].split(" ", 1)
    assert exit_code == "2"
    assert f"{STACK_FILE}: {FIELD}.privatelink.servicebus.windows.net:" in output
    assert "project 'telemetry-stream' (eventhubs)" in output
    assert lines["PULUMI"] == "[]"


def test_the_stacks_command_exits_2_naming_the_file_and_field(factory_dir: Path):
    adopt_hub(factory_dir, zones=tuple(z for z in ZONES if z != "privatelink.openai.azure.com"))
    result = runner.invoke(app, ["stacks", "--env", "dev", "--dir", str(factory_dir), "--json"])
    assert result.exit_code == 2
    assert f"{STACK_FILE}: {FIELD}.privatelink.openai.azure.com: the existing hub has no private DNS zone" in " ".join(result.output.split())


# --- the components, used directly -----------------------------------------------------------------------


SPOKE_NAMING = NamingContext("aif", "dev", PLATFORM_SUB)
HUB_NAMING = NamingContext("aif", "dev", HUB_SUB)
SPOKE_ZONES = ("privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net", "privatelink.vaultcore.azure.net")


def spoke_args(hub: HubConnection, dns_zones: tuple[str, ...] = SPOKE_ZONES) -> ProjectSpokeArgs:
    return ProjectSpokeArgs(
        project="churn", location=LOCATION, naming=SPOKE_NAMING, cidr="10.64.0.0/24", subnets=ESML.subnets,
        hub=hub, dns_zones=dns_zones, settings=ComponentSettings(tags={"project": "churn"}),
    )


def test_a_spoke_links_each_zone_through_its_zones_provider():
    ids = {zone: zone_id(zone) for zone in SPOKE_ZONES}

    def program() -> None:
        hub_provider = azure_provider("hub", HUB_SUB)
        dns_provider = azure_provider("dns", DNS_SUB)
        ProjectSpoke(
            "churn",
            spoke_args(
                HubConnection(
                    vnet_id=hub_vnet(), dns_zone_ids=ids, naming=HUB_NAMING, provider=hub_provider,
                    zone_providers={"privatelink.vaultcore.azure.net": dns_provider},
                )
            ),
        )

    rec = record(program, subscription_id=PLATFORM_SUB)
    links = {r.inputs["privateZoneName"]: r for r in rec.of_type(LINK)}
    assert {zone: link.id.split("/")[2] for zone, link in links.items()} == {
        "privatelink.blob.core.windows.net": HUB_SUB,
        "privatelink.dfs.core.windows.net": HUB_SUB,
        "privatelink.vaultcore.azure.net": DNS_SUB,
    }
    assert all(link.id == f"{ids[zone]}/virtualNetworkLinks/vnl-aif-churn-dev" for zone, link in links.items())
    peerings = {r.name: r for r in rec.of_type(PEERING)}
    assert peerings["churn-peer-from-hub"].id.startswith(f"{hub_vnet()}/virtualNetworkPeerings/")
    assert peerings["churn-peer-to-hub"].id.startswith(f"/subscriptions/{PLATFORM_SUB}/")


def test_a_zone_provider_of_none_keeps_that_link_in_the_spokes_subscription():
    ids = {zone: zone_id(zone) for zone in SPOKE_ZONES}
    ids["privatelink.vaultcore.azure.net"] = ids["privatelink.vaultcore.azure.net"].replace(DNS_SUB, PLATFORM_SUB)

    def program() -> None:
        hub = HubConnection(
            vnet_id=hub_vnet(), dns_zone_ids=ids, provider=azure_provider("hub", HUB_SUB),
            zone_providers={"privatelink.vaultcore.azure.net": None},
        )
        ProjectSpoke("churn", spoke_args(hub))

    rec = record(program, subscription_id=PLATFORM_SUB)
    links = {r.inputs["privateZoneName"]: r.id for r in rec.of_type(LINK)}
    assert links["privatelink.vaultcore.azure.net"].startswith(f"/subscriptions/{PLATFORM_SUB}/")
    assert links["privatelink.blob.core.windows.net"].startswith(f"/subscriptions/{HUB_SUB}/")


def test_a_spoke_refuses_every_zone_its_hub_lacks_before_registering_anything():
    ids = {zone: zone_id(zone) for zone in SPOKE_ZONES[:1]}
    with pytest.raises(ComponentArgsError) as raised:
        spoke_args(HubConnection(vnet_id=hub_vnet(), dns_zone_ids=ids))
    (problem,) = raised.value.problems
    assert (problem.file, problem.field) == ("ProjectSpokeArgs", "dns_zones")
    assert "'privatelink.dfs.core.windows.net', 'privatelink.vaultcore.azure.net'" in problem.message


def test_zone_providers_must_name_zones_of_the_hub():
    with pytest.raises(ComponentArgsError) as raised:
        HubConnection(vnet_id=hub_vnet(), dns_zone_ids={}, zone_providers={"privatelink.example.net": None})
    (problem,) = raised.value.problems
    assert (problem.file, problem.field) == ("HubConnection", "zone_providers")
