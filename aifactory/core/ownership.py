"""One Azure resource, one owner: the names every owner of an environment takes in shared scopes.

Names inside a project's own resource group cannot clash with anyone else's once the resource
group itself has one owner. What can clash are names in scopes that several owners share: the
subscription (resource groups), the global namespaces (storage accounts, key vaults, registries,
...), the hub (peerings, DNS zone links), the lake (areas) and the environment's stacks. This
module lists, purely from the assembled factory and the catalog's specs, every such name each
owner (the platform, each project) takes, and reports any name taken twice, compared the way
Azure compares names (case-insensitively).

It runs at assembly, so ``aifactory plan``, onboarding and the Pulumi program all refuse a
collision before anything is registered; the offline plan also checks the full ARM id of every
registered resource (``aifactory.tools.plan``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from aifactory.core.errors import Problem
from aifactory.core.naming import (
    NAME_RULES,
    NamingContext,
    ResourceKind,
    hub_peering_name,
    lake_area_name,
    project_stack,
    resource_name,
    shared_area_name,
)
from aifactory.core.spec import Catalog

SHARED_AREAS: tuple[str, ...] = ("master", "reference")
"""The lake's shared, read-only areas."""


@dataclass(frozen=True)
class Claim:
    """One name in one shared scope, and who takes it."""

    scope: str
    """Where the name must be unique: ``global``, ``subscription <id>``, ``hub VNet``, ... """
    what: str
    """The kind of thing named (an Azure type's namespace, or 'stack')."""
    name: str
    owner: str
    file: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.scope, self.what, self.name.lower())


def _scoped(kind: ResourceKind, naming: NamingContext) -> tuple[str, str]:
    rule = NAME_RULES[kind]
    scope = "global" if rule.globally_unique else f"subscription {naming.subscription_id}"
    return scope, kind.value.replace("_", " ")


def platform_claims(naming: NamingContext, *, created_hub: bool, platform_stack: str) -> Iterable[Claim]:
    """What the platform takes: its resource groups, the lake account, the hub's zone links, its stack."""
    owner = "the platform"
    kinds: list[tuple[ResourceKind, str | None]] = [(ResourceKind.RESOURCE_GROUP, "platform"), (ResourceKind.STORAGE_ACCOUNT, "lake")]
    if created_hub:
        kinds.append((ResourceKind.RESOURCE_GROUP, "hub"))
        yield Claim("hub DNS zones", "zone link", resource_name(ResourceKind.DNS_ZONE_LINK, naming, qualifier="hub"), owner)
    for kind, qualifier in kinds:
        yield Claim(*_scoped(kind, naming), resource_name(kind, naming, qualifier=qualifier), owner)
    for area in SHARED_AREAS:
        yield Claim("lake", "area", shared_area_name(area), owner)
    yield Claim("environment", "stack", platform_stack, owner)


def project_claims(
    catalog: Catalog,
    naming: NamingContext,
    platform_naming: NamingContext,
    *,
    name: str,
    services: Iterable[str],
    source: str,
) -> Iterable[Claim]:
    """What one project takes: its resource group, its services' shared-scope names, the hub side, its stack."""
    owner = f"project {name!r}"
    group = resource_name(ResourceKind.RESOURCE_GROUP, naming, project=name)
    yield Claim(*_scoped(ResourceKind.RESOURCE_GROUP, naming), group, owner, source)
    for key in sorted(services):
        for claim in catalog.services[key].names:
            taken = resource_name(claim.kind, naming, project=name, qualifier=claim.qualifier)
            yield Claim(*_scoped(claim.kind, naming), taken, owner, source)
    yield Claim("hub DNS zones", "zone link", resource_name(ResourceKind.DNS_ZONE_LINK, naming, project=name), owner, source)
    yield Claim("hub VNet", "peering", hub_peering_name(platform_naming, name), owner, source)
    yield Claim("lake", "area", lake_area_name(name), owner, source)
    yield Claim("environment", "stack", project_stack(naming.environment, name), owner, source)


def check_ownership(claims: Iterable[Claim], *, default_file: str | None = None) -> list[Problem]:
    """A problem for every name two owners would take (located at the second owner's request)."""
    first: dict[tuple[str, str, str], Claim] = {}
    problems: list[Problem] = []
    for claim in claims:
        earlier = first.setdefault(claim.key, claim)
        if earlier is claim:
            continue
        where = f" ({earlier.file})" if earlier.file else ""
        owners = f"twice by {claim.owner}" if earlier.owner == claim.owner else f"by both {earlier.owner}{where} and {claim.owner}"
        problems.append(
            Problem(
                f"{claim.what} {claim.name!r} in {claim.scope} would be taken {owners}: one Azure resource, one owner; "
                "rename this project",
                claim.file or default_file,
                "name" if claim.file else None,
            )
        )
    return problems


__all__ = ["Claim", "SHARED_AREAS", "check_ownership", "platform_claims", "project_claims"]
