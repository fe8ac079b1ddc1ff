"""Azure's limits, counted where Azure counts them, for the whole environment whatever the stack split.

Azure counts role assignments, storage accounts, resource groups and key vaults per subscription,
peerings per VNet, links per private DNS zone and private endpoints per VNet (azure-facts section
3). A split environment deploys one stack per project, so a count per stack says nothing: this
module counts, purely from the assembled factory and each service's spec (its footprint, role
rows and wiring), what every project and the platform take in every subscription, VNet and zone.
The plan reports a mandatory violation naming the subscription (or VNet, or zone) and the count;
onboarding refuses before it writes; onboarding also picks the least-loaded subscription with room.

``tests/test_limits.py`` holds this model to the resources the offline plan actually registers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping

from aifactory.core.access import LAKE_ROLES, SHARED_LAKE_ROLES, Persona
from aifactory.core.spec import LAKE_TARGET

if TYPE_CHECKING:
    from aifactory.core.factory import Factory, PlannedProject

ROLE_ASSIGNMENT_LIMIT = 4000
"""Role assignments per subscription."""
PEERING_LIMIT = 500
"""Peerings per virtual network (the hub's peerings count one per spoke)."""
ENDPOINTS_PER_VNET_LIMIT = 1000
STORAGE_ACCOUNTS_PER_REGION_LIMIT = 250
RESOURCE_GROUPS_LIMIT = 980
KEY_VAULTS_WITH_ENDPOINTS_LIMIT = 400
ZONE_LINKS_LIMIT = 1000
WARNING_RATIO = 0.8
"""Past this share of a limit the plan warns (advisory), before it refuses."""


SPREAD = "spread projects over more subscriptions (aifactory:projectSubscriptions)"
SECOND_HUB = "more subscriptions do not help; split the environment over a second hub (another factory with its own pool)"


@dataclass(frozen=True)
class Limit:
    key: str
    what: str
    per: str
    value: int
    remedy: str
    """What gets an environment under the limit; only limits counted per subscription are helped by more subscriptions."""


LIMITS: Mapping[str, Limit] = {
    limit.key: limit
    for limit in (
        Limit(
            "role-assignments", "role assignments", "subscription", ROLE_ASSIGNMENT_LIMIT,
            f"{SPREAD}; grants on the shared lake stay in the platform subscription, so grant groups rather than people",
        ),
        Limit("storage-accounts", "storage accounts", "region of a subscription", STORAGE_ACCOUNTS_PER_REGION_LIMIT, SPREAD),
        Limit("resource-groups", "resource groups", "subscription", RESOURCE_GROUPS_LIMIT, SPREAD),
        Limit("key-vaults", "key vaults with private endpoints", "subscription", KEY_VAULTS_WITH_ENDPOINTS_LIMIT, SPREAD),
        Limit("peerings", "peerings", "virtual network", PEERING_LIMIT, f"the hub peers with every spoke: {SECOND_HUB}"),
        Limit("zone-links", "virtual network links", "private DNS zone", ZONE_LINKS_LIMIT, f"every spoke links to the zones it uses: {SECOND_HUB}"),
        Limit(
            "private-endpoints", "private endpoints", "virtual network", ENDPOINTS_PER_VNET_LIMIT,
            "more subscriptions do not help; move shared services' endpoints out of this virtual network",
        ),
    )
}


@dataclass
class Usage:
    """Counts per limit, per place (``subscription <id>``, ``the hub VNet``, ``zone <name>``, ...)."""

    counts: dict[str, Counter[str]] = field(default_factory=lambda: {key: Counter() for key in LIMITS})

    def add(self, key: str, place: str, count: int = 1) -> None:
        if count:
            self.counts[key][place] += count

    def merged(self, other: "Usage") -> "Usage":
        result = Usage()
        for key in LIMITS:
            result.counts[key] = self.counts[key] + other.counts[key]
        return result

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {key: dict(sorted(counter.items())) for key, counter in self.counts.items() if counter}


@dataclass(frozen=True)
class LimitFinding:
    limit: Limit
    place: str
    count: int
    mandatory: bool

    @property
    def message(self) -> str:
        if self.mandatory:
            return (
                f"{self.place} would hold {self.count:,} {self.limit.what}; Azure allows {self.limit.value:,} per "
                f"{self.limit.per}: {self.limit.remedy}"
            )
        return f"{self.place} holds {self.count:,} {self.limit.what}, {self.count / self.limit.value:.0%} of Azure's {self.limit.value:,}"


def _subscription(subscription_id: str) -> str:
    return f"subscription {subscription_id}"


def _regional(subscription_id: str, location: str) -> str:
    return f"subscription {subscription_id} in {location}"


def _people(project: "PlannedProject") -> dict[Persona, int]:
    request = project.request
    return {Persona.OWNER: len(request.owners), Persona.MEMBER: len(request.members), Persona.READER: len(request.readers), Persona.WORKLOAD: 1}


def project_usage(factory: "Factory", project: "PlannedProject", *, subscription_id: str | None = None) -> Usage:
    """What one project takes (``subscription_id`` asks: what if it lived there?)."""
    usage = Usage()
    catalog, location = factory.catalog, factory.location
    platform_sub = factory.settings.subscription_id
    own = _subscription(subscription_id or project.subscription_id)
    people = _people(project)
    # the lake area (on the platform's storage account): persona rows and the workload's shared-area reads
    lake_grants = sum(people[p] * len(LAKE_ROLES.get(p, ())) for p in Persona)
    lake_grants += 2 * len(SHARED_LAKE_ROLES[Persona.WORKLOAD])
    grants_own, grants_platform = 0, lake_grants
    resource_groups = 1
    endpoints = 0
    for key in project.services:
        spec = catalog.services[key]
        grants_own += sum(people[p] * len(spec.roles.get(p, ())) for p in Persona)
        grants_own += spec.footprint.fixed_role_assignments
        grants_platform += spec.footprint.hub_role_assignments
        resource_groups += spec.footprint.resource_groups
        endpoints += spec.footprint.private_endpoints
        usage.add("storage-accounts", _regional(subscription_id or project.subscription_id, location), spec.footprint.storage_accounts)
        usage.add("key-vaults", own, spec.footprint.key_vaults_with_endpoints)
        for wiring in spec.wiring:
            if wiring.target == LAKE_TARGET:
                grants_platform += 1
            elif wiring.target in project.services:
                grants_own += 1
    for wiring in project.project_type.wiring:
        if wiring.source in project.services and (wiring.target == LAKE_TARGET or wiring.target in project.services):
            if wiring.target == LAKE_TARGET:
                grants_platform += 1
            else:
                grants_own += 1
    if factory.hub_has_firewall():
        grants_own += sum(catalog.services[key].footprint.firewall_role_assignments for key in project.services)
    usage.add("role-assignments", own, grants_own)
    usage.add("role-assignments", _subscription(platform_sub), grants_platform)
    usage.add("resource-groups", own, resource_groups)
    usage.add("peerings", "the hub VNet", 1)
    usage.add("private-endpoints", f"the spoke VNet of project {project.name!r}", endpoints)
    for zone in catalog.spoke_zones(project.services):
        usage.add("zone-links", f"zone {zone}", 1)
    return usage


def platform_usage(factory: "Factory") -> Usage:
    """What the platform takes: its resource groups, the lake, its endpoints, the people's shared-area reads."""
    usage = Usage()
    sub = factory.settings.subscription_id
    created_hub = factory.settings.hub.existing is None
    usage.add("resource-groups", _subscription(sub), 2 if created_hub else 1)
    usage.add("storage-accounts", _regional(sub, factory.location), 1)
    usage.add("private-endpoints", "the hub VNet", 2 + (1 if factory.settings.ml_registry else 0))
    readers = {p.object_id for project in factory.active_projects for p in project.request.principals()}
    usage.add("role-assignments", _subscription(sub), 2 * len(readers) * len(SHARED_LAKE_ROLES[Persona.MEMBER]))
    if created_hub:
        for zone in factory.zones():
            usage.add("zone-links", f"zone {zone}", 1)
    return usage


def environment_usage(factory: "Factory", *, extra: Iterable[Usage] = ()) -> Usage:
    """The whole environment: the platform and every recorded project (retiring ones still hold what they took)."""
    usage = platform_usage(factory)
    for project in factory.projects:
        usage = usage.merged(project_usage(factory, project))
    for more in extra:
        usage = usage.merged(more)
    return usage


def findings(usage: Usage) -> list[LimitFinding]:
    """Every place over a limit (mandatory) or past 80% of it (advisory)."""
    result = []
    for key, counter in usage.counts.items():
        limit = LIMITS[key]
        for place, count in sorted(counter.items()):
            if count > limit.value:
                result.append(LimitFinding(limit, place, count, True))
            elif count > limit.value * WARNING_RATIO:
                result.append(LimitFinding(limit, place, count, False))
    return result


def headroom(usage: Usage, subscription_id: str, location: str) -> float:
    """How full a subscription is: the largest share of any per-subscription limit it uses (0..)."""
    places = {
        "role-assignments": _subscription(subscription_id),
        "resource-groups": _subscription(subscription_id),
        "key-vaults": _subscription(subscription_id),
        "storage-accounts": _regional(subscription_id, location),
    }
    return max(usage.counts[key][place] / LIMITS[key].value for key, place in places.items())


__all__ = [
    "LIMITS",
    "Limit",
    "LimitFinding",
    "Usage",
    "environment_usage",
    "findings",
    "headroom",
    "platform_usage",
    "project_usage",
]
