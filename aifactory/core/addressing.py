"""The address planner: environment pools, the hub range, project spokes and their subnets.

Pure module (no Pulumi imports), built on the standard :mod:`ipaddress` module.

The planner never moves an existing allocation. Allocations are recorded in the project files;
the planner validates them (well formed, aligned, inside the pool, overlapping nothing) and hands
out *new* blocks as the lowest free aligned block of the requested size, so gaps left by removed
projects are reused and no existing project's range depends on any other project.
"""

from __future__ import annotations

import bisect
import ipaddress
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Iterable, Mapping, Sequence

from aifactory.core.errors import AddressPlanError, Problems

MIN_SUBNET_PREFIX = 29
"""Azure's smallest subnet is a /29 (it reserves five addresses in every subnet)."""
MIN_VNET_PREFIX = 8
AGENT_SPACES = (IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"))
"""The private space the Foundry Agent Service supports for agent subnets (class A, 10.0.0.0/8, is not)."""


def in_agent_space(network: IPv4Network) -> bool:
    """Whether an agent subnet (or the pool it is carved from) lies in space the Agent Service supports."""
    return any(network.subnet_of(space) for space in AGENT_SPACES)


@dataclass(frozen=True)
class SubnetSpec:
    """One subnet of a spoke template: its name, its size, and Azure's minimum for it."""

    name: str
    prefix_length: int
    min_prefix_length: int = MIN_SUBNET_PREFIX
    delegation: str | None = None
    """Service the subnet is delegated to, e.g. ``Microsoft.Databricks/workspaces``."""
    private_endpoints: bool = False
    """Holds private endpoints (no delegation, endpoint network policies disabled)."""

    def __post_init__(self) -> None:
        if not (MIN_VNET_PREFIX <= self.prefix_length <= MIN_SUBNET_PREFIX):
            raise AddressPlanError(
                f"subnet {self.name!r}: /{self.prefix_length} is outside /{MIN_VNET_PREFIX}../{MIN_SUBNET_PREFIX}"
            )
        if self.prefix_length > self.min_prefix_length:
            raise AddressPlanError(
                f"subnet {self.name!r}: /{self.prefix_length} is smaller than Azure's minimum "
                f"/{self.min_prefix_length} for it"
            )


def parse_network(text: object, *, field: str | None = None) -> IPv4Network:
    """Parse an IPv4 CIDR block, refusing host addresses, misaligned blocks and IPv6."""
    if not isinstance(text, str) or "/" not in text:
        raise AddressPlanError(
            f"{text!r} is not a CIDR block; write it as address/prefix, e.g. 10.64.0.0/24", field=field
        )
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise AddressPlanError(f"{text!r} is not a valid IPv4 CIDR block", field=field) from None
    if network.version != 4:
        raise AddressPlanError(f"{text!r} is IPv6; the factory plans IPv4 address space only", field=field)
    if str(network) != text.strip():
        raise AddressPlanError(
            f"{text!r} is not aligned to its prefix; the block containing it is {network}", field=field
        )
    if network.prefixlen < MIN_VNET_PREFIX or network.prefixlen > MIN_SUBNET_PREFIX:
        raise AddressPlanError(
            f"{text!r}: prefix must be between /{MIN_VNET_PREFIX} and /{MIN_SUBNET_PREFIX}", field=field
        )
    return network


def template_prefix(template: Sequence[SubnetSpec]) -> int:
    """The longest prefix (smallest block) that holds every subnet of ``template``."""
    if not template:
        raise AddressPlanError("a spoke template needs at least one subnet")
    total = sum(2 ** (32 - spec.prefix_length) for spec in template)
    prefix = 32
    while 2 ** (32 - prefix) < total:
        prefix -= 1
    return prefix


def carve_subnets(spoke: IPv4Network, template: Sequence[SubnetSpec], *, field: str | None = None) -> dict[str, IPv4Network]:
    """Cut ``spoke`` into the template's subnets, largest first, each aligned to its size.

    Largest-first packing of power-of-two blocks leaves no alignment gaps, so a template fits
    whenever the sum of its blocks fits. The result is in template order.
    """
    names = [spec.name for spec in template]
    if len(set(names)) != len(names):
        raise AddressPlanError(f"duplicate subnet names in template: {names}", field=field)
    needed = template_prefix(template)
    if spoke.prefixlen > needed:
        raise AddressPlanError(
            f"{spoke} is too small for its subnets ({', '.join(f'{s.name} /{s.prefix_length}' for s in template)}); "
            f"it needs at least a /{needed}",
            field=field,
        )
    cursor = int(spoke.network_address)
    carved: dict[str, IPv4Network] = {}
    for spec in sorted(template, key=lambda s: (s.prefix_length, names.index(s.name))):
        carved[spec.name] = IPv4Network((cursor, spec.prefix_length))
        cursor += 2 ** (32 - spec.prefix_length)
    return {name: carved[name] for name in names}


def overlapping(network: IPv4Network, others: Mapping[str, IPv4Network]) -> str | None:
    """The label of the first of ``others`` that ``network`` overlaps, in their order, or None."""
    for label, other in others.items():
        if network.overlaps(other):
            return label
    return None


def free_blocks(pool: IPv4Network, taken: Iterable[IPv4Network]) -> list[IPv4Network]:
    """The largest aligned blocks of ``pool`` not covered by ``taken``, in address order."""
    free = [pool]
    for used in taken:
        if not used.overlaps(pool):
            continue
        next_free: list[IPv4Network] = []
        for block in free:
            if not block.overlaps(used):
                next_free.append(block)
            elif used.subnet_of(block):
                next_free.extend(block.address_exclude(used))
            # else: block lies inside used, so nothing of it stays free
        free = next_free
    return sorted(free)


def allocate(pool: IPv4Network, prefix_length: int, taken: Iterable[IPv4Network]) -> IPv4Network:
    """The lowest free block of ``/prefix_length`` in ``pool``, aligned to its size."""
    if prefix_length < pool.prefixlen:
        raise AddressPlanError(f"a /{prefix_length} does not fit in the pool {pool}")
    if prefix_length > MIN_SUBNET_PREFIX:
        raise AddressPlanError(f"/{prefix_length} is smaller than Azure's smallest subnet /{MIN_SUBNET_PREFIX}")
    free = free_blocks(pool, list(taken))
    for block in free:  # address order, so the first fit is the lowest
        if block.prefixlen <= prefix_length:
            return next(block.subnets(new_prefix=prefix_length))
    raise AddressPlanError(
        f"address pool {pool} is exhausted: no free /{prefix_length} left; {describe_free(free)}"
    )


def describe_free(free: Sequence[IPv4Network]) -> str:
    if not free:
        return "nothing is free"
    counts: dict[int, int] = {}
    for block in free:
        counts[block.prefixlen] = counts.get(block.prefixlen, 0) + 1
    sizes = ", ".join(f"{count} x /{prefix}" for prefix, count in sorted(counts.items()))
    return f"{sum(b.num_addresses for b in free)} addresses free in {sizes}"


def count_free(pool: IPv4Network, prefix_length: int, taken: Iterable[IPv4Network]) -> int:
    """How many more aligned ``/prefix_length`` blocks the pool can still hand out."""
    return sum(
        2 ** (prefix_length - block.prefixlen)
        for block in free_blocks(pool, list(taken))
        if block.prefixlen <= prefix_length
    )


@dataclass(frozen=True)
class SpokeRequest:
    """A project's recorded spoke range in one environment and the subnets its type needs."""

    project: str
    cidr: str
    template: tuple[SubnetSpec, ...]
    source: str | None = None
    """The file the allocation is recorded in, for error messages."""
    field: str = "cidr"
    """Where in that file, e.g. ``environments.dev.cidr``."""
    pool: str = "addressPool"
    """Which of the environment's pools the spoke comes from (the setting's name)."""


@dataclass(frozen=True)
class SpokePlan:
    cidr: IPv4Network
    subnets: Mapping[str, IPv4Network]
    pool: str = "addressPool"


@dataclass(frozen=True)
class NetworkPlan:
    """The validated address plan of one environment."""

    pools: Mapping[str, IPv4Network]
    """Setting name (``addressPool``, ``agentAddressPool``) -> range."""
    hub: IPv4Network | None
    spokes: Mapping[str, SpokePlan] = field(default_factory=dict)
    reserved: Mapping[str, IPv4Network] = field(default_factory=dict)
    """Ranges owned by others (other environments' pools and hubs)."""

    @property
    def pool(self) -> IPv4Network:
        return self.pools["addressPool"]

    def known_ranges(self) -> dict[str, IPv4Network]:
        """Every range the planner knows: pools, hub, other environments, every spoke."""
        known: dict[str, IPv4Network] = {f"the {name}": network for name, network in self.pools.items()}
        known.update(self.reserved)
        if self.hub is not None:
            known["the hub"] = self.hub
        known.update({f"the spoke of project {name!r}": spoke.cidr for name, spoke in sorted(self.spokes.items())})
        return known

    def to_dict(self, only: Iterable[str] | None = None) -> dict[str, object]:
        """The plan as plain data; ``only`` keeps those projects' spokes (a stack exports its own)."""
        wanted = None if only is None else set(only)
        return {
            "pool": str(self.pool),
            "pools": {name: str(network) for name, network in self.pools.items()},
            "hub": str(self.hub) if self.hub else None,
            "projects": {
                name: {"cidr": str(spoke.cidr), "pool": spoke.pool, "subnets": {k: str(v) for k, v in spoke.subnets.items()}}
                for name, spoke in sorted(self.spokes.items())
                if wanted is None or name in wanted
            },
        }

    def taken(self, pool: str = "addressPool") -> list[IPv4Network]:
        return [spoke.cidr for spoke in self.spokes.values() if spoke.pool == pool]


class _DisjointRanges:
    """Non-overlapping ranges sorted by start: whether a new range overlaps any is two neighbours' check
    (a bisection), so placing n spokes costs n log n, not n squared."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._entries: list[tuple[int, int, str]] = []

    def overlapping(self, network: IPv4Network) -> str | None:
        start, end = int(network.network_address), int(network.broadcast_address)
        index = bisect.bisect_right(self._starts, start)
        for neighbour in self._entries[max(0, index - 1) : index + 1]:
            if neighbour[0] <= end and start <= neighbour[1]:
                return neighbour[2]
        return None

    def add(self, network: IPv4Network, label: str) -> None:
        start = int(network.network_address)
        index = bisect.bisect_right(self._starts, start)
        self._starts.insert(index, start)
        self._entries.insert(index, (start, int(network.broadcast_address), label))


def plan_network(
    pools: Mapping[str, IPv4Network],
    hub: IPv4Network | None,
    requests: Sequence[SpokeRequest],
    *,
    reserved: Mapping[str, IPv4Network] | None = None,
) -> NetworkPlan:
    """Validate every recorded range and carve each spoke's subnets.

    ``pools`` are this environment's address pools by setting name; ``reserved`` names ranges owned
    by someone else (other environments' pools and hubs, on-premises ranges); nothing in this plan
    may overlap them. Every problem is reported, not only the first.
    """
    problems = Problems()
    reserved = dict(reserved or {})
    names = list(pools)
    for index, name in enumerate(names):
        for label, other in reserved.items():
            if pools[name].overlaps(other):
                problems.add(f"{pools[name]} overlaps {label} {other}", field=name)
        for other_name in names[index + 1 :]:
            if pools[name].overlaps(pools[other_name]):
                problems.add(f"{pools[name]} overlaps {other_name} {pools[other_name]}", field=name)
    if hub is not None:
        for name, pool in pools.items():
            if hub.overlaps(pool):
                problems.add(f"hub range {hub} overlaps {name} {pool}", field="hub.cidr")
        clash = overlapping(hub, {k: v for k, v in reserved.items() if v != hub})
        if clash:
            problems.add(f"hub range {hub} overlaps {clash} {reserved[clash]}", field="hub.cidr")

    placed: dict[str, IPv4Network] = {}
    placed_index = _DisjointRanges()
    spokes: dict[str, SpokePlan] = {}
    for request in requests:
        if request.project in placed:
            problems.add(f"project {request.project!r} is planned twice", file=request.source, field="name")
            continue
        try:
            cidr = parse_network(request.cidr)
            wanted = pools.get(request.pool)
            if wanted is None:
                raise AddressPlanError(f"the spoke must come from {request.pool}, which this environment does not set")
            if not cidr.subnet_of(wanted):
                raise AddressPlanError(f"spoke {cidr} is outside the environment's {request.pool} {wanted}")
            clash = placed_index.overlapping(cidr)
            if clash is not None:
                raise AddressPlanError(f"spoke {cidr} overlaps project {clash!r} at {placed[clash]}")
            subnets = carve_subnets(cidr, request.template)
        except AddressPlanError as error:
            problems.add(error.message, file=request.source, field=request.field)
            continue
        placed[request.project] = cidr
        placed_index.add(cidr, request.project)
        spokes[request.project] = SpokePlan(cidr=cidr, subnets=subnets, pool=request.pool)
    problems.raise_if_any(AddressPlanError)
    return NetworkPlan(pools=dict(pools), hub=hub, spokes=spokes, reserved=reserved)


PRIVATE_ENDPOINT_SUBNET = "pep"
"""The subnet of every spoke template (and of the hub) that holds private endpoints."""

HUB_SUBNETS: tuple[SubnetSpec, ...] = (
    SubnetSpec("AzureFirewallSubnet", 26, min_prefix_length=26),
    SubnetSpec("AzureBastionSubnet", 26, min_prefix_length=26),
    SubnetSpec("GatewaySubnet", 27, min_prefix_length=27),
    SubnetSpec(PRIVATE_ENDPOINT_SUBNET, 26, private_endpoints=True),
)
"""Fixed hub layout: switching the firewall or bastion on later never moves another subnet."""
