"""The address planner: validation, subnet carving, lowest-free allocation, stability, several pools."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from aifactory.core.addressing import (
    HUB_SUBNETS,
    PRIVATE_ENDPOINT_SUBNET,
    SpokeRequest,
    SubnetSpec,
    allocate,
    carve_subnets,
    in_agent_space,
    count_free,
    free_blocks,
    parse_network,
    plan_network,
    template_prefix,
)
from aifactory.core.errors import AddressPlanError, FactoryError
from aifactory.services.types import BUILTIN_TYPES, ESML, GENAI, STREAMING

POOL = IPv4Network("10.64.0.0/16")
AGENT_POOL = IPv4Network("172.20.0.0/16")
POOLS = {"addressPool": POOL}
BOTH_POOLS = {"addressPool": POOL, "agentAddressPool": AGENT_POOL}
HUB = IPv4Network("10.60.0.0/23")
TEMPLATES = {"esml": ESML.subnets, "genai": GENAI.subnets, "streaming": STREAMING.subnets}


@pytest.mark.parametrize(
    "text, message",
    [
        ("10.64.0.1/24", "not aligned"),
        ("10.64.0.0", "not a CIDR block"),
        ("10.64.0.0/33", "not a valid IPv4"),
        ("fd00::/64", "IPv6"),
        ("banana/24", "not a valid IPv4"),
        ("10.0.0.0/7", "prefix must be between"),
        ("10.0.0.0/30", "prefix must be between"),
        (24, "not a CIDR block"),
        (None, "not a CIDR block"),
    ],
)
def test_malformed_cidrs_are_refused_with_a_reason(text, message):
    with pytest.raises(AddressPlanError, match=message):
        parse_network(text)


def test_parse_network_names_the_field_it_was_given():
    with pytest.raises(AddressPlanError) as raised:
        parse_network("10.64.0.1/24", field="environments.dev.cidr")
    assert raised.value.field == "environments.dev.cidr"


# --- templates -------------------------------------------------------------------------------


def test_every_template_has_the_private_endpoint_subnet():
    for template in (*TEMPLATES.values(), HUB_SUBNETS):
        pep = [spec for spec in template if spec.name == PRIVATE_ENDPOINT_SUBNET]
        assert len(pep) == 1 and pep[0].private_endpoints and pep[0].delegation is None
    assert {t.name for t in BUILTIN_TYPES} == set(TEMPLATES)


def test_the_hub_template_holds_azures_fixed_subnets_at_their_minimum_sizes():
    sizes = {spec.name: spec.prefix_length for spec in HUB_SUBNETS}
    assert sizes["AzureFirewallSubnet"] == 26 and sizes["AzureBastionSubnet"] == 26 and sizes["GatewaySubnet"] == 27
    assert template_prefix(HUB_SUBNETS) == 24
    carved = carve_subnets(HUB, HUB_SUBNETS)
    # the layout is fixed: switching the firewall or bastion on never moves another subnet
    assert carved == {
        "AzureFirewallSubnet": IPv4Network("10.60.0.0/26"),
        "AzureBastionSubnet": IPv4Network("10.60.0.64/26"),
        "GatewaySubnet": IPv4Network("10.60.0.192/27"),
        PRIVATE_ENDPOINT_SUBNET: IPv4Network("10.60.0.128/26"),
    }


@given(st.sampled_from([*TEMPLATES.values(), HUB_SUBNETS]), st.integers(min_value=0, max_value=255))
def test_carved_subnets_are_aligned_disjoint_and_inside_the_spoke(template, index):
    spoke = list(POOL.subnets(new_prefix=template_prefix(template)))[index % 64]
    carved = carve_subnets(spoke, template)
    assert list(carved) == [spec.name for spec in template]
    for spec in template:
        block = carved[spec.name]
        assert block.prefixlen == spec.prefix_length
        assert block.subnet_of(spoke)
        assert int(block.network_address) % block.num_addresses == 0
    blocks = list(carved.values())
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])


@given(st.lists(st.integers(min_value=20, max_value=29), min_size=1, max_size=8))
def test_template_prefix_is_the_smallest_block_that_holds_the_template(sizes):
    template = tuple(SubnetSpec(f"s{i}", size) for i, size in enumerate(sizes))
    needed = template_prefix(template)
    total = sum(2 ** (32 - size) for size in sizes)
    assert 2 ** (32 - needed) >= total > 2 ** (32 - needed - 1)
    carve_subnets(IPv4Network((0x0A400000, needed)), template)  # it fits
    if needed < 29:
        with pytest.raises(AddressPlanError, match=f"needs at least a /{needed}"):
            carve_subnets(IPv4Network((0x0A400000, needed + 1)), template)


def test_carving_packs_largest_first():
    carved = carve_subnets(IPv4Network("10.64.2.0/23"), STREAMING.subnets)
    assert carved["aks"] == IPv4Network("10.64.2.0/24")
    assert carved["pep"] == IPv4Network("10.64.3.0/26")


def test_a_spoke_too_small_for_its_template_says_what_it_needs():
    with pytest.raises(AddressPlanError, match="needs at least a /23"):
        carve_subnets(IPv4Network("10.64.2.0/24"), STREAMING.subnets)


def test_duplicate_subnet_names_in_a_template_are_refused():
    with pytest.raises(AddressPlanError, match="duplicate subnet names"):
        carve_subnets(IPv4Network("10.64.0.0/24"), (SubnetSpec("a", 26), SubnetSpec("a", 26)))
    with pytest.raises(AddressPlanError, match="at least one subnet"):
        template_prefix(())


def test_subnet_specs_respect_azure_minimums():
    with pytest.raises(AddressPlanError, match="smaller than Azure's minimum /26"):
        SubnetSpec("dbx-host", 27, min_prefix_length=26)
    with pytest.raises(AddressPlanError, match="outside"):
        SubnetSpec("tiny", 30)


# --- allocation ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(min_value=20, max_value=28), min_size=1, max_size=40), data=st.data())
def test_allocation_is_lowest_free_aligned_and_never_overlaps(sizes, data):
    pool = IPv4Network("10.64.0.0/18")
    taken: list[IPv4Network] = []
    for size in sizes:
        try:
            block = allocate(pool, size, taken)
        except AddressPlanError:
            assert count_free(pool, size, taken) == 0
            continue
        assert block.prefixlen == size and block.subnet_of(pool)
        assert not any(block.overlaps(other) for other in taken)
        # nothing lower of that size was free
        lower = [b for b in pool.subnets(new_prefix=size) if b < block]
        assert all(any(b.overlaps(t) for t in taken) for b in lower)
        taken.append(block)
        if taken and data.draw(st.booleans()):  # remove a random project: its gap is reused later
            taken.pop(data.draw(st.integers(min_value=0, max_value=len(taken) - 1)))


def test_a_removed_projects_gap_is_reused():
    taken = [IPv4Network("10.64.0.0/24"), IPv4Network("10.64.1.0/24"), IPv4Network("10.64.2.0/24")]
    del taken[1]
    assert allocate(POOL, 24, taken) == IPv4Network("10.64.1.0/24")


def test_exhaustion_says_what_is_left():
    pool = IPv4Network("10.64.0.0/23")
    taken = [IPv4Network("10.64.0.0/24"), IPv4Network("10.64.1.0/25")]
    with pytest.raises(AddressPlanError, match=r"no free /24 left; 128 addresses free in 1 x /25"):
        allocate(pool, 24, taken)
    assert count_free(pool, 26, taken) == 2
    assert free_blocks(pool, taken) == [IPv4Network("10.64.1.128/25")]


def test_allocation_refuses_impossible_sizes():
    with pytest.raises(AddressPlanError, match="does not fit in the pool"):
        allocate(IPv4Network("10.64.0.0/24"), 23, [])
    with pytest.raises(AddressPlanError, match="smaller than Azure's smallest subnet"):
        allocate(POOL, 30, [])


# --- planning --------------------------------------------------------------------------------


def _requests(assignments: dict[str, tuple[str, str]], pool: str = "addressPool") -> list[SpokeRequest]:
    return [
        SpokeRequest(name, cidr, TEMPLATES[kind], source=f"projects/{name}.yaml", field="environments.dev.cidr", pool=pool)
        for name, (kind, cidr) in assignments.items()
    ]


@settings(max_examples=100, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(TEMPLATES)), min_size=1, max_size=25), data=st.data())
def test_adding_or_removing_a_project_never_changes_another(kinds, data):
    """Allocations live in the project files: planning is a pure function of them."""
    taken: list[IPv4Network] = []
    assignments: dict[str, tuple[str, str]] = {}
    for index, kind in enumerate(kinds):
        block = allocate(POOL, template_prefix(TEMPLATES[kind]), taken)
        taken.append(block)
        assignments[f"p{index}"] = (kind, str(block))
    full = plan_network(POOLS, HUB, _requests(assignments))
    assert sorted(full.taken()) == sorted(taken)
    removed = data.draw(st.sampled_from(sorted(assignments)))
    fewer = dict(assignments)
    del fewer[removed]
    partial = plan_network(POOLS, HUB, _requests(fewer))
    for name in fewer:
        assert partial.spokes[name] == full.spokes[name]
    # a newcomer takes the lowest free block and leaves everyone else where they were
    newcomer = allocate(POOL, 24, partial.taken())
    grown = plan_network(POOLS, HUB, _requests({**fewer, "new": ("esml", str(newcomer))}))
    for name in fewer:
        assert grown.spokes[name] == full.spokes[name]


@pytest.mark.parametrize(
    "assignments, message",
    [
        ({"a": ("esml", "10.65.0.0/24")}, "outside the environment's addressPool 10.64.0.0/16"),
        ({"a": ("esml", "10.64.0.0/24"), "b": ("esml", "10.64.0.0/24")}, "overlaps project 'a'"),
        ({"a": ("streaming", "10.64.0.0/24")}, "needs at least a /23"),
        ({"a": ("esml", "10.64.0.5/24")}, "not aligned"),
    ],
)
def test_bad_spoke_ranges_name_the_file_and_field(assignments, message):
    with pytest.raises(AddressPlanError, match=message) as raised:
        plan_network(POOLS, HUB, _requests(assignments))
    assert len(raised.value.problems) == 1
    assert raised.value.file and raised.value.file.startswith("projects/")
    assert raised.value.field == "environments.dev.cidr"


BAD_SPOKES = {
    "outside": ("esml", "10.99.0.0/24", "outside the environment's addressPool"),
    "misaligned": ("esml", "10.64.200.7/24", "not aligned"),
    "too-small": ("streaming", "10.64.201.0/24", "needs at least a /23"),
    "not-a-cidr": ("genai", "banana", "not a CIDR block"),
    "wrong-pool": ("esml", "172.20.0.0/24", "outside the environment's addressPool"),
}


@settings(max_examples=60, deadline=None)
@given(
    good=st.lists(st.sampled_from(sorted(TEMPLATES)), max_size=10),
    bad=st.lists(st.sampled_from(sorted(BAD_SPOKES)), min_size=1, max_size=5, unique=True),
    data=st.data(),
)
def test_every_bad_spoke_is_reported_at_once(good, bad, data):
    """One run names every broken allocation, each at its own file, and none of the good ones."""
    taken: list[IPv4Network] = []
    requests: list[SpokeRequest] = []
    for index, kind in enumerate(good):
        block = allocate(IPv4Network("10.64.0.0/17"), template_prefix(TEMPLATES[kind]), taken)
        taken.append(block)
        requests += _requests({f"good{index}": (kind, str(block))})
    for name in bad:
        kind, cidr, _ = BAD_SPOKES[name]
        requests += _requests({name: (kind, cidr)})
    requests = data.draw(st.permutations(requests))
    with pytest.raises(AddressPlanError) as raised:
        plan_network(POOLS, HUB, requests)
    problems = raised.value.problems
    assert sorted(p.file for p in problems) == sorted(f"projects/{name}.yaml" for name in bad)
    for problem in problems:
        name = problem.file.removeprefix("projects/").removesuffix(".yaml")
        assert BAD_SPOKES[name][2] in problem.message
        assert problem.field == "environments.dev.cidr"
    assert str(raised.value).count("\n") == len(bad) - 1  # one line per problem


def test_a_project_planned_twice_is_refused():
    requests = _requests({"a": ("esml", "10.64.0.0/24")}) + _requests({"a": ("esml", "10.64.1.0/24")})
    with pytest.raises(AddressPlanError, match="project 'a' is planned twice") as raised:
        plan_network(POOLS, HUB, requests)
    assert raised.value.field == "name"


def test_pools_and_hubs_of_other_environments_may_not_overlap():
    with pytest.raises(AddressPlanError, match="overlaps the address pool of stack 'test'") as raised:
        plan_network(POOLS, HUB, [], reserved={"the address pool of stack 'test'": IPv4Network("10.64.128.0/17")})
    assert raised.value.field == "addressPool"
    with pytest.raises(AddressPlanError, match="hub range 10.64.0.0/23 overlaps addressPool 10.64.0.0/16") as raised:
        plan_network(POOLS, IPv4Network("10.64.0.0/23"), [])
    assert raised.value.field == "hub.cidr"
    with pytest.raises(AddressPlanError, match="hub range 10.61.0.0/23 overlaps the hub of stack 'test'"):
        plan_network(POOLS, IPv4Network("10.61.0.0/23"), [], reserved={"the hub of stack 'test'": IPv4Network("10.61.0.0/22")})
    # environments may share one hub
    plan_network(POOLS, HUB, [], reserved={"the hub of stack 'test'": HUB})
    # an adopted hub has no range of its own
    assert plan_network(POOLS, None, []).hub is None


def test_every_network_problem_is_reported_together():
    reserved = {"the address pool of stack 'test'": IPv4Network("10.64.0.0/17"), "the hub of stack 'test'": IPv4Network("10.62.0.0/23")}
    with pytest.raises(AddressPlanError) as raised:
        plan_network(
            {"addressPool": POOL, "agentAddressPool": IPv4Network("10.64.128.0/17")},
            IPv4Network("10.62.0.0/24"),
            _requests({"a": ("esml", "10.99.0.0/24")}),
            reserved=reserved,
        )
    fields = sorted(p.field for p in raised.value.problems)
    # the pool overlaps the other stack's pool and the agent pool; the hub the other stack's hub; the spoke is outside
    assert fields == ["addressPool", "addressPool", "environments.dev.cidr", "hub.cidr"]


# --- several pools ---------------------------------------------------------------------------


def test_spokes_come_from_the_pool_they_name():
    requests = _requests({"a": ("esml", "10.64.0.0/24")}) + _requests({"b": ("genai", "172.20.0.0/23")}, pool="agentAddressPool")
    plan = plan_network(BOTH_POOLS, HUB, requests)
    assert plan.pools == BOTH_POOLS and plan.pool == POOL
    assert plan.spokes["a"].pool == "addressPool" and plan.spokes["b"].pool == "agentAddressPool"
    assert plan.taken() == [IPv4Network("10.64.0.0/24")]
    assert plan.taken("agentAddressPool") == [IPv4Network("172.20.0.0/23")]
    assert plan.spokes["b"].subnets["pep"].subnet_of(AGENT_POOL)
    data = plan.to_dict()
    assert data["pool"] == "10.64.0.0/16"
    assert data["pools"] == {"addressPool": "10.64.0.0/16", "agentAddressPool": "172.20.0.0/16"}
    assert data["projects"]["b"]["pool"] == "agentAddressPool"
    assert set(plan.known_ranges()) >= {"the addressPool", "the agentAddressPool", "the hub", "the spoke of project 'a'"}


def test_a_spoke_outside_its_own_pool_is_refused_even_inside_another():
    with pytest.raises(AddressPlanError, match="outside the environment's agentAddressPool 172.20.0.0/16"):
        plan_network(BOTH_POOLS, HUB, _requests({"a": ("esml", "10.64.0.0/24")}, pool="agentAddressPool"))
    with pytest.raises(AddressPlanError, match="must come from agentAddressPool, which this environment does not set") as raised:
        plan_network(POOLS, HUB, _requests({"a": ("esml", "172.20.0.0/24")}, pool="agentAddressPool"))
    assert raised.value.file == "projects/a.yaml" and raised.value.field == "environments.dev.cidr"


def test_pools_of_one_environment_may_not_overlap():
    with pytest.raises(AddressPlanError, match="10.64.0.0/16 overlaps agentAddressPool 10.64.128.0/17") as raised:
        plan_network({"addressPool": POOL, "agentAddressPool": IPv4Network("10.64.128.0/17")}, HUB, [])
    assert raised.value.field == "addressPool"


@settings(max_examples=100, deadline=None)
@given(kinds=st.lists(st.tuples(st.sampled_from(sorted(TEMPLATES)), st.booleans()), min_size=1, max_size=20))
def test_spokes_of_two_pools_never_overlap_and_each_pool_allocates_alone(kinds):
    taken: dict[str, list[IPv4Network]] = {"addressPool": [], "agentAddressPool": []}
    requests: list[SpokeRequest] = []
    for index, (kind, agent) in enumerate(kinds):
        pool = "agentAddressPool" if agent else "addressPool"
        block = allocate(BOTH_POOLS[pool], template_prefix(TEMPLATES[kind]), taken[pool])
        taken[pool].append(block)
        requests += _requests({f"p{index}": (kind, str(block))}, pool=pool)
    plan = plan_network(BOTH_POOLS, HUB, requests)
    for pool, blocks in taken.items():
        assert sorted(plan.taken(pool)) == sorted(blocks)
        assert all(spoke.cidr.subnet_of(BOTH_POOLS[spoke.pool]) for spoke in plan.spokes.values())
    spokes = [spoke.cidr for spoke in plan.spokes.values()]
    assert not any(a.overlaps(b) for i, a in enumerate(spokes) for b in spokes[i + 1 :])


@pytest.mark.parametrize(
    "network, supported",
    [("172.16.0.0/12", True), ("172.31.255.0/24", True), ("192.168.4.0/23", True), ("10.1.0.0/24", False),
     ("172.32.0.0/24", False), ("192.169.0.0/24", False), ("100.64.0.0/24", False), ("172.0.0.0/8", False)],
)
def test_agent_space_is_172_16_slash_12_or_192_168_slash_16(network: str, supported: bool):
    assert in_agent_space(IPv4Network(network)) is supported
    assert in_agent_space(AGENT_POOL)


@given(st.lists(st.tuples(st.integers(0, 2**16 - 1), st.integers(16, 28)), max_size=40))
@settings(max_examples=200, deadline=None)
def test_spokes_overlap_exactly_when_their_ranges_do(blocks: list[tuple[int, int]]):
    """The planner's overlap index agrees with comparing every pair."""
    pool = IPv4Network("10.0.0.0/8")
    networks = [IPv4Network(((10 << 24) + (start << 8), prefix), strict=False) for start, prefix in blocks]
    requests = [SpokeRequest(f"p{i}", str(n), (SubnetSpec("pep", n.prefixlen),), source="x.yaml", field=f"r{i}") for i, n in enumerate(networks)]
    accepted: list[IPv4Network] = []
    for network in networks:
        if not any(network.overlaps(other) for other in accepted):
            accepted.append(network)
    try:
        plan = plan_network({"addressPool": pool}, None, requests)
        assert [s.cidr for s in plan.spokes.values()] == accepted == networks
    except AddressPlanError as error:
        assert len(error.problems) == len(networks) - len(accepted) > 0


# --- the shipped example ---------------------------------------------------------------------


def test_shipped_stack_pools_hold_250_default_spokes_and_do_not_overlap():
    root = Path(__file__).resolve().parent.parent
    ranges: list[IPv4Network] = []
    for env in ("dev", "test", "prod"):
        config = yaml.safe_load((root / f"Pulumi.{env}.yaml").read_text())["config"]
        pool = parse_network(config["aifactory:addressPool"])
        size = int(config["aifactory:defaultSpokeSize"])
        assert count_free(pool, size, []) >= 250
        ranges.append(pool)
        hub = parse_network(config["aifactory:hub"]["cidr"])
        carve_subnets(hub, HUB_SUBNETS)
        ranges.append(hub)
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])


def test_address_plan_errors_are_factory_errors():
    assert issubclass(AddressPlanError, FactoryError)
