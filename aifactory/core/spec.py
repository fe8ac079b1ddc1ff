"""What a service and a project type *are*, as data: the vocabulary of the service catalog.

A :class:`ServiceSpec` holds every fact about one service in one place: its key, the function
that builds it (named, loaded only when building), its private-endpoint groups (hence its DNS
zones), its persona x role rows, its diagnostics, its settings model with dev/test/prod defaults,
its contract outputs, the Azure resource types it registers (hence the policy rules that cover
it), the names it takes in shared scopes, what it counts against Azure's limits, and what it needs
through a hub firewall. Everything that lists services (zones, role matrix, policies, limits,
docs) is derived from the specs.

A :class:`ProjectTypeSpec` is a subnet template plus the services a type includes (required,
default or optional) and declared wiring between them. One generic builder builds every type.

Pure module: no Pulumi. The built-in specs live in :mod:`aifactory.services`; plug-ins add more
through entry points.
"""

from __future__ import annotations

import importlib
import ipaddress
from dataclasses import dataclass, field
from functools import cached_property
from enum import Enum
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from aifactory.core.access import Persona, Role
from aifactory.core.addressing import SubnetSpec, overlapping, template_prefix
from aifactory.core.config import explain_error, field_path
from aifactory.core.dns import GROUP_ZONES
from aifactory.core.errors import ConfigError, PluginError, Problem
from aifactory.core.naming import NAME_RULES, ResourceKind

ENVIRONMENT_NAMES: tuple[str, ...] = ("dev", "test", "prod")


class ServiceSettings(BaseModel):
    """Base of every service's settings model: unknown keys are errors; camelCase in files."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class NoSettings(ServiceSettings):
    """A service with nothing to set."""


@dataclass(frozen=True)
class NameClaim:
    """A name a service takes outside its project's resource group (global, or the subscription).

    The ownership invariant computes these for every project and the platform and refuses any
    name two owners would take (``aifactory.core.ownership``).
    """

    kind: ResourceKind
    qualifier: str | None = None

    @property
    def scope(self) -> str:
        return NAME_RULES[self.kind].unique_in


@dataclass(frozen=True)
class Wiring:
    """A grant one service's identity needs on another service (or on the project's lake area).

    ``source`` and ``identity`` name the identity (``aks``'s ``kubelet``); ``target`` is a service
    key or ``lake``. The builder applies it when both ends are built.
    """

    source: str
    identity: str
    target: str
    role: Role
    reason: str


LAKE_TARGET = "lake"
"""The project's own lake area as a wiring target."""


@dataclass(frozen=True)
class Footprint:
    """What one instance of a service counts against Azure's limits (see ``aifactory.core.limits``)."""

    storage_accounts: int = 0
    key_vaults_with_endpoints: int = 0
    private_endpoints: int = 0
    resource_groups: int = 0
    """Resource groups beyond the project's own (Databricks managed, AKS nodes)."""
    fixed_role_assignments: int = 0
    """Role assignments besides the persona rows and the wiring (e.g. a control-plane identity's)."""
    firewall_role_assignments: int = 0
    """More of them when the spoke routes through a hub firewall (e.g. joining the route table)."""
    hub_role_assignments: int = 0
    """Role assignments at scopes of the hub (e.g. its private DNS zone): counted in the platform's subscription."""


@dataclass(frozen=True)
class EgressRule:
    """Traffic a service's subnets need through a hub firewall (applied only when the hub has one).

    ``kind`` is ``application`` (``fqdn_tags``/``fqdns`` over ``protocols`` like ``Https:443``) or
    ``network`` (``destinations``: service tags or addresses, ``ports``, ``protocols`` like ``TCP``).
    ``subnets`` names the template subnets the traffic comes from.
    """

    name: str
    kind: str
    subnets: tuple[str, ...]
    protocols: tuple[str, ...]
    fqdn_tags: tuple[str, ...] = ()
    fqdns: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    reason: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("application", "network"):
            raise ValueError(f"egress rule {self.name!r}: kind is application or network")
        if self.kind == "application" and not (self.fqdn_tags or self.fqdns):
            raise ValueError(f"egress rule {self.name!r}: an application rule needs fqdn_tags or fqdns")
        if self.kind == "network" and not (self.destinations and self.ports):
            raise ValueError(f"egress rule {self.name!r}: a network rule needs destinations and ports")


Check = Callable[[Any, "AssemblyView"], Iterable[tuple[str, str]]]
"""A service's check of its resolved settings against the environment: yields (field, message)."""


@dataclass(frozen=True)
class AssemblyView:
    """What a service's check may look at: the environment's location and every known address range."""

    environment: str
    location: str
    known_ranges: Mapping[str, str]
    """Label -> CIDR: pools, hubs, other environments' ranges, every spoke."""

    @cached_property
    def _networks(self) -> dict[str, ipaddress.IPv4Network]:
        """The known ranges parsed once per assembly (checks run once per project)."""
        return {label: ipaddress.IPv4Network(cidr) for label, cidr in self.known_ranges.items()}

    def first_overlap(self, cidr: str) -> tuple[str, str] | None:
        """The first known range (label, CIDR) that ``cidr`` overlaps, in ``known_ranges`` order, or None."""
        label = overlapping(ipaddress.IPv4Network(cidr), self._networks)
        return None if label is None else (label, self.known_ranges[label])


@dataclass(frozen=True)
class ServiceSpec:
    """Everything about one service, in one place (see the module docstring)."""

    key: str
    title: str
    summary: str
    builder: str
    """``module:function`` of the build step; imported only when a program builds the service."""
    abbreviation: str
    """Suffix of the component's logical name: ``<project>-<abbreviation>``."""
    endpoint_groups: tuple[str, ...] = ()
    """Private-endpoint group ids; their zones are created in the hub and linked to the spoke."""
    hub_zones: tuple[str, ...] = ()
    """Zones the hub holds for it beyond its endpoints' (``{location}`` is filled in) and that its
    spoke does not link itself: AKS links its API server zone to the cluster's VNet on its own."""
    roles: Mapping[Persona, tuple[Role, ...]] = field(default_factory=dict)
    """The role matrix's rows for this service: what each persona gets on it."""
    resource_types: tuple[str, ...] = ()
    """Azure resource types (azure-native tokens) it registers; the policy rules covering them apply."""
    diagnosed_types: tuple[str, ...] = ()
    """Which of those must send diagnostics to Log Analytics."""
    settings: type[ServiceSettings] = NoSettings
    defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Environment (dev/test/prod) -> settings defaults, under any stack or request values."""
    outputs: Mapping[str, str] = field(default_factory=dict)
    """Contract outputs (``services.<key>.<output>``) -> what they are."""
    needs: tuple[str, ...] = ()
    """Services that must be built first in the same project (e.g. Azure ML needs the key vault)."""
    subnets: tuple[str, ...] = ()
    """Subnets of the spoke template it uses (by template name)."""
    identities: tuple[str, ...] = ()
    """Identities it exposes for wiring (``system``, ``kubelet``, ...)."""
    wiring: tuple[Wiring, ...] = ()
    """Grants its own identities always need (e.g. Azure ML's identity writes the project's lake area)."""
    names: tuple[NameClaim, ...] = ()
    footprint: Footprint = field(default_factory=Footprint)
    egress: tuple[EgressRule, ...] = ()
    agent_network: bool = False
    """Its spoke needs a subnet outside 10.0.0.0/8 (the Agent Service): the spoke comes from the agent pool."""
    check: Check | None = None
    protected_types: tuple[str, ...] = ()
    """Resource types of it that hold data: protected (Pulumi ``protect`` and delete locks) where the profile says."""

    def spoke_zones(self) -> tuple[str, ...]:
        """The zones of its private endpoints: linked to the spoke of every project that has it."""
        return tuple(sorted({zone for group in self.endpoint_groups for zone in GROUP_ZONES[group]}))

    def all_zones(self, location: str) -> tuple[str, ...]:
        """Every zone the hub must hold for it."""
        return tuple(sorted({*self.spoke_zones(), *(t.format(location=location) for t in self.hub_zones)}))

    def load_builder(self) -> Callable[..., Any]:
        module_name, _, function = self.builder.partition(":")
        try:
            builder: Callable[..., Any] = getattr(importlib.import_module(module_name), function)
            return builder
        except (ImportError, AttributeError) as error:
            raise PluginError(f"service {self.key!r}: cannot load its builder {self.builder!r}: {error}") from None

    def resolve_settings(self, environment: str, layers: Sequence["SettingsLayer"]) -> ServiceSettings:
        """The service's settings in ``environment``: its defaults, then each layer over the one before.

        A problem names the layer (file and field) that set the offending value, or the most
        specific layer when no layer set it.
        """
        merged: dict[str, Any] = {}
        for layer in (SettingsLayer("catalog defaults", None, self.defaults.get(environment, {})), *layers):
            merged = _merge(merged, layer.values)
        try:
            return self.settings.model_validate(merged)
        except ValidationError as error:
            raise ConfigError(problems=_blame_layers(error, layers, self.key)) from None


@dataclass(frozen=True)
class SettingsLayer:
    """Settings from one place (the stack file, a request's ``services``, an environment's)."""

    file: str | None
    field: str | None
    values: Mapping[str, Any]


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _blame_layers(error: ValidationError, layers: Sequence[SettingsLayer], key: str) -> list[Problem]:
    """Each problem located in the layer that set the value (the most specific one if none did)."""
    problems: dict[tuple[str | None, str], Problem] = {}
    for item in error.errors(include_url=False):
        loc = tuple(item.get("loc", ()))
        top = loc[0] if loc else ""
        owner = next((layer for layer in reversed(layers) if top in layer.values), layers[-1] if layers else None)
        relative = field_path(loc)
        message = explain_error(item)
        if owner is None:
            located = Problem(message, None, f"services.{key}.{relative}")
        else:
            located = Problem(message, owner.file, f"{owner.field}.{relative}" if owner.field else relative)
        problems.setdefault((located.file, located.field or ""), located)
    return list(problems.values())


class Inclusion(str, Enum):
    REQUIRED = "required"
    """Always built; a request cannot switch it off."""
    DEFAULT = "default"
    """Built unless a request switches it off."""
    OPTIONAL = "optional"
    """Built only where a request switches it on."""


@dataclass(frozen=True)
class ProjectTypeSpec:
    """A kind of project: its spoke template, its services, and the wiring between them."""

    name: str
    description: str
    subnets: tuple[SubnetSpec, ...]
    services: Mapping[str, Inclusion]
    wiring: tuple[Wiring, ...] = ()

    @property
    def min_spoke_prefix(self) -> int:
        return template_prefix(self.subnets)

    @property
    def subnet_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.subnets)

    def resolve_services(self, toggles: Mapping[str, bool]) -> frozenset[str]:
        """The services a project gets after its request's switches. Raises ValueError on a bad switch."""
        unknown = sorted(set(toggles) - set(self.services))
        if unknown:
            raise ValueError(
                f"unknown service {unknown[0]!r} for project type {self.name!r}; "
                f"its services are: {', '.join(sorted(self.services))}"
            )
        for service, enabled in toggles.items():
            if not enabled and self.services[service] is Inclusion.REQUIRED:
                raise ValueError(f"service {service!r} is required by project type {self.name!r} and cannot be disabled")
        return frozenset(
            service
            for service, inclusion in self.services.items()
            if toggles.get(service, inclusion is not Inclusion.OPTIONAL)
        )


@dataclass(frozen=True)
class Catalog:
    """The services and project types this installation knows, checked for consistency."""

    services: Mapping[str, ServiceSpec]
    types: Mapping[str, ProjectTypeSpec]

    def __post_init__(self) -> None:
        problems: list[str] = []
        for key, spec in self.services.items():
            if key != spec.key:
                problems.append(f"service {spec.key!r} is registered under {key!r}")
            for group in spec.endpoint_groups:
                if group not in GROUP_ZONES:
                    problems.append(f"service {key!r}: no private DNS zone is known for endpoint group {group!r}")
            for need in spec.needs:
                if need not in self.services:
                    problems.append(f"service {key!r} needs unknown service {need!r}")
            for wiring in spec.wiring:
                if wiring.target != LAKE_TARGET and wiring.target not in self.services:
                    problems.append(f"service {key!r}: wiring to unknown service {wiring.target!r}")
                if wiring.identity not in spec.identities:
                    problems.append(f"service {key!r}: wiring uses identity {wiring.identity!r}, which it does not expose")
            for env in spec.defaults:
                if env not in ENVIRONMENT_NAMES:
                    problems.append(f"service {key!r}: defaults for unknown environment {env!r}")
            for claim in spec.names:
                # a qualifier ending in an environment would make a project's second resource group equal
                # another project's first one (rg-<prefix>-<project>-<env>-<qualifier>)
                if claim.qualifier and any(claim.qualifier == e or claim.qualifier.endswith(f"-{e}") for e in ENVIRONMENT_NAMES):
                    problems.append(f"service {key!r}: name qualifier {claim.qualifier!r} may not end in an environment name")
        for name, kind in self.types.items():
            if name != kind.name:
                problems.append(f"project type {kind.name!r} is registered under {name!r}")
            subnets = set(kind.subnet_names)
            for service in kind.services:
                included = self.services.get(service)
                if included is None:
                    problems.append(f"project type {name!r} includes unknown service {service!r}")
                    continue
                for need in included.needs:
                    if need not in kind.services:
                        problems.append(f"project type {name!r}: service {service!r} needs {need!r}, which the type lacks")
                missing = [s for s in included.subnets if s not in subnets]
                if missing:
                    problems.append(f"project type {name!r}: service {service!r} needs subnet(s) {missing} in the template")
            for wiring in kind.wiring:
                for end in (wiring.source, wiring.target):
                    if end != LAKE_TARGET and end not in kind.services:
                        problems.append(f"project type {name!r}: wiring names service {end!r}, which the type lacks")
                source = self.services.get(wiring.source)
                if source is not None and wiring.identity not in source.identities:
                    problems.append(f"project type {name!r}: service {wiring.source!r} exposes no identity {wiring.identity!r}")
        if problems:
            raise PluginError(problems=[Problem(p, "service catalog") for p in problems])

    def zones(self, location: str) -> tuple[str, ...]:
        """Every zone any service of the catalog can need: what a new hub creates."""
        zones = {zone for spec in self.services.values() for zone in spec.all_zones(location)}
        return tuple(sorted(zones | set(PLATFORM_ZONES)))

    def spoke_zones(self, services: Iterable[str]) -> tuple[str, ...]:
        """Zones a project's spoke resolves: the shared lake's plus those of its services' endpoints."""
        zones = set(PLATFORM_ZONES)
        for key in services:
            zones.update(self.services[key].spoke_zones())
        return tuple(sorted(zones))

    def build_order(self, services: Iterable[str]) -> list[str]:
        """The services in an order where every service comes after those it needs (stable by key)."""
        wanted = set(services)
        done: list[str] = []
        visiting: set[str] = set()

        def visit(key: str) -> None:
            if key in done:
                return
            if key in visiting:
                raise PluginError(f"services {sorted(visiting)} need each other in a circle", file="service catalog")
            visiting.add(key)
            for need in sorted(self.services[key].needs):
                if need in wanted:
                    visit(need)
            visiting.discard(key)
            done.append(key)

        for key in sorted(wanted):
            visit(key)
        return done

    def diagnosed_types(self) -> frozenset[str]:
        return frozenset(t for spec in self.services.values() for t in spec.diagnosed_types) | PLATFORM_DIAGNOSED_TYPES


PLATFORM_ZONES: tuple[str, ...] = ("privatelink.blob.core.windows.net", "privatelink.dfs.core.windows.net")
"""The shared lake's zones (blob and dfs): every spoke resolves them."""

PLATFORM_DIAGNOSED_TYPES = frozenset({"azure-native:storage:StorageAccount"})
"""The platform's own data stores that must send diagnostics (the lake)."""


def freeze_roles(rows: Mapping[Persona, tuple[Role, ...]]) -> Mapping[Persona, tuple[Role, ...]]:
    return MappingProxyType(dict(rows))


__all__ = [
    "AssemblyView",
    "Catalog",
    "EgressRule",
    "Footprint",
    "Inclusion",
    "LAKE_TARGET",
    "NameClaim",
    "NoSettings",
    "ProjectTypeSpec",
    "ServiceSettings",
    "ServiceSpec",
    "SettingsLayer",
    "Wiring",
]
