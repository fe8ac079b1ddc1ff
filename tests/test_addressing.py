"""The address planner: validation, subnet carving, lowest-free allocation, stability."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aifactory.core.addressing import (
    SubnetSpec,
    SpokeRequest,
    allocate,
    carve_subnets,
    count_free,
    free_blocks,
    parse_network,
    plan_network,
    template_prefix,
)
from aifactory.core.errors import AddressPlanError
from aifactory.subnet_templates import ESML_SUBNETS, GENAI_SUBNETS, HUB_SUBNETS, STREAMING_SUBNETS

POOL = IPv4Network("10.64.0.0/16")
HUB = IPv4Network("10.60.0.0/23")
TEMPLATES = {"esml": ESML_SUBNETS, "genai": GENAI_SUBNETS, "streaming": STREAMING_SUBNETS}


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


@given(st.sampled_from(list(TEMPLATES.values()) + [HUB_SUBNETS]), st.integers(min_value=0, max_value=255))
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


def test_carving_packs_largest_first():
    carved = carve_subnets(IPv4Network("10.64.2.0/23"), STREAMING_SUBNETS)
    assert carved["aks"] == IPv4Network("10.64.2.0/24")
    assert carved["pep"] == IPv4Network("10.64.3.0/26")


def test_a_spoke_too_small_for_its_template_says_what_it_needs():
    with pytest.raises(AddressPlanError, match="needs at least a /23"):
        carve_subnets(IPv4Network("10.64.2.0/24"), STREAMING_SUBNETS)


def test_subnet_specs_respect_azure_minimums():
    with pytest.raises(AddressPlanError, match="smaller than Azure's minimum /26"):
        SubnetSpec("dbx-host", 27, min_prefix_length=26)
    with pytest.raises(AddressPlanError, match="outside"):
        SubnetSpec("tiny", 30)


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


def _requests(assignments: dict[str, tuple[str, str]]) -> list[SpokeRequest]:
    return [SpokeRequest(name, cidr, TEMPLATES[kind], source=f"projects/{name}.yaml") for name, (kind, cidr) in assignments.items()]


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
    full = plan_network(POOL, HUB, _requests(assignments))
    removed = data.draw(st.sampled_from(sorted(assignments)))
    fewer = dict(assignments)
    del fewer[removed]
    partial = plan_network(POOL, HUB, _requests(fewer))
    for name in fewer:
        assert partial.spokes[name] == full.spokes[name]
    # a newcomer takes the lowest free block and leaves everyone else where they were
    newcomer = allocate(POOL, 24, partial.taken())
    grown = plan_network(POOL, HUB, _requests({**fewer, "new": ("esml", str(newcomer))}))
    for name in fewer:
        assert grown.spokes[name] == full.spokes[name]


@pytest.mark.parametrize(
    "assignments, message, field",
    [
        ({"a": ("esml", "10.65.0.0/24")}, "outside the environment's address pool", "cidr"),
        ({"a": ("esml", "10.64.0.0/24"), "b": ("esml", "10.64.0.0/24")}, "overlaps project 'a'", "cidr"),
        ({"a": ("streaming", "10.64.0.0/24")}, "needs at least a /23", "cidr"),
        ({"a": ("esml", "10.64.0.5/24")}, "not aligned", "cidr"),
    ],
)
def test_bad_spoke_ranges_name_the_file_and_field(assignments, message, field):
    with pytest.raises(AddressPlanError, match=message) as raised:
        plan_network(POOL, HUB, _requests(assignments))
    assert raised.value.file and raised.value.file.startswith("projects/")
    assert raised.value.field == field


def test_pools_and_hubs_of_other_environments_may_not_overlap():
    with pytest.raises(AddressPlanError, match="overlaps the address pool of stack 'test'"):
        plan_network(POOL, HUB, [], reserved={"the address pool of stack 'test'": IPv4Network("10.64.128.0/17")})
    with pytest.raises(AddressPlanError, match="hub range 10.64.0.0/23 overlaps the address pool"):
        plan_network(POOL, IPv4Network("10.64.0.0/23"), [])
    # environments may share one hub
    plan_network(POOL, HUB, [], reserved={"the hub of stack 'test'": HUB})


def test_shipped_stack_pools_hold_250_default_spokes_and_do_not_overlap():
    import yaml
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pools = []
    for env in ("dev", "test", "prod"):
        config = yaml.safe_load((root / f"Pulumi.{env}.yaml").read_text())["config"]
        pool = parse_network(config["aifactory:addressPool"])
        size = int(config["aifactory:defaultSpokeSize"])
        assert count_free(pool, size, []) >= 250
        pools.append(pool)
    assert not any(a.overlaps(b) for i, a in enumerate(pools) for b in pools[i + 1 :])
