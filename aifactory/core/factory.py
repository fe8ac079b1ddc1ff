"""Assembling one environment of the factory from its settings, the project requests and the catalog.

Validates everything before any resource is registered, and reports every problem at once:
settings, every project file, project types, service switches and settings (each by its
service's own model), the whole address plan (including other environments' pools and hubs from
the sibling stack files), subscriptions, and the ownership invariant (no Azure resource or stack
claimed twice). No Pulumi imports; the catalog is handed in by the layer above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any, Iterable, Mapping


from aifactory.core.addressing import (
    in_agent_space,
    HUB_SUBNETS,
    NetworkPlan,
    SpokePlan,
    SpokeRequest,
    carve_subnets,
    parse_network,
    plan_network,
)
from aifactory.core.config import (
    EnvironmentSettings,
    ProjectRequest,
    apply_overrides,
    decode_pulumi_config,
    encode_pulumi_config,
    parse_settings,
    read_projects,
    read_stack_config,
    source_of,
    stack_file,
)
from aifactory.core.errors import AddressPlanError, ConfigError, FactoryError, Problem, Problems
from aifactory.core.naming import NamingContext, project_stack
from aifactory.core.ownership import check_ownership, platform_claims, project_claims
from aifactory.core.profiles import EnvironmentProfile, InsecureOptions, ProfileError, resolve_profile
from aifactory.core.dns import zones_for_groups
from aifactory.core.spec import PLATFORM_ZONES, AssemblyView, Catalog, ProjectTypeSpec, ServiceSettings, SettingsLayer

MANAGED_BY_TAG = "aifactory"
AGENT_POOL = "agentAddressPool"
ADDRESS_POOL = "addressPool"
HUB_ZONE_IDS = "hub.existing.privateDnsZoneIds"
ML_REGISTRY_GROUPS: tuple[str, ...] = ("amlregistry",)
"""Endpoint groups of the platform's ML registry (``aifactory.components.machine_learning``), in the hub."""


@dataclass(frozen=True)
class PlannedProject:
    """A project recorded in this environment, validated, with its spoke planned."""

    request: ProjectRequest
    source: str
    project_type: ProjectTypeSpec
    services: frozenset[str]
    settings: Mapping[str, ServiceSettings]
    """Each enabled service's resolved settings (catalog defaults, stack, request, environment)."""
    spoke: SpokePlan
    subscription_id: str
    naming: NamingContext
    retiring: bool = False

    @property
    def name(self) -> str:
        return self.request.name

    @property
    def field_prefix(self) -> str:
        return f"environments.{self.naming.environment}"


@dataclass(frozen=True)
class Factory:
    """One environment of the factory, ready to be built."""

    stack: str
    settings: EnvironmentSettings
    naming: NamingContext
    network: NetworkPlan
    projects: tuple[PlannedProject, ...]
    """Every project recorded in the environment, retiring ones included, sorted by name."""
    root: Path
    profile: EnvironmentProfile
    catalog: Catalog
    source: str = ""

    @property
    def scope(self) -> str:
        return self.settings.scope

    @property
    def includes_platform(self) -> bool:
        return self.scope in ("all", "platform")

    @property
    def active_projects(self) -> tuple[PlannedProject, ...]:
        """The projects to build: every recorded project that is not retiring."""
        return tuple(p for p in self.projects if not p.retiring)

    def included_projects(self) -> tuple[PlannedProject, ...]:
        """The projects this stack builds: all active ones, none (platform), or one (its slice)."""
        if self.scope == "all":
            return self.active_projects
        if self.scope == "platform":
            return ()
        name = self.scope.split(":", 1)[1]
        return tuple(p for p in self.active_projects if p.name == name)

    def project(self, name: str) -> PlannedProject | None:
        return next((p for p in self.projects if p.name == name), None)

    @property
    def platform_stack(self) -> str:
        return self.settings.platform_stack or f"{self.environment}-platform"

    @property
    def environment(self) -> str:
        return self.settings.environment

    @property
    def location(self) -> str:
        return self.settings.location

    def base_tags(self) -> dict[str, str]:
        return {**self.settings.tags, "environment": self.environment, "managedBy": MANAGED_BY_TAG}

    def project_tags(self, project: PlannedProject) -> dict[str, str]:
        return {**self.base_tags(), "project": project.name, "costCenter": project.request.cost_center}

    def hub_has_firewall(self) -> bool:
        hub = self.settings.hub
        return hub.firewall or bool(hub.existing and hub.existing.firewall_private_ip)

    def zones(self) -> tuple[str, ...]:
        """The private DNS zones of the environment: the adopted hub's, or every zone the catalog needs."""
        existing = self.settings.hub.existing
        return tuple(existing.private_dns_zone_ids) if existing else self.catalog.zones(self.location)


def available_stacks(root: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def read_stack_settings(root: Path, stack: str) -> dict[str, Any]:
    """The ``aifactory:`` values of a stack file, as the Pulumi CLI would hand them to the program."""
    path = stack_file(root, stack)
    if not path.is_file():
        known = ", ".join(available_stacks(root)) or "none"
        raise ConfigError(f"no stack file for stack {stack!r}; stacks here: {known}", file=str(path))
    return encode_pulumi_config(read_stack_config(path))


def sibling_ranges(root: Path, stack: str, environment: str | None = None) -> dict[str, IPv4Network]:
    """Pools and hubs of the other environments' stack files, so environments never overlap.

    Stack files of the same environment (split-stack slices written by ``aifactory deploy``) are not
    other environments. A sibling file that does not parse is skipped here; planning it reports it.
    """
    ranges: dict[str, IPv4Network] = {}
    for other in available_stacks(root):
        if other == stack:
            continue
        try:
            raw = decode_pulumi_config(read_stack_settings(root, other))
        except FactoryError:
            continue
        if environment is not None and raw.get("environment") == environment:
            continue
        label = f"stack {other!r} ({stack_file(root, other).name})"
        values = (
            ("address pool", raw.get(ADDRESS_POOL)),
            ("agent address pool", raw.get(AGENT_POOL)),
            ("hub", (raw.get("hub") or {}).get("cidr") if isinstance(raw.get("hub"), dict) else None),
        )
        for key, value in values:
            if value is None:
                continue
            try:
                ranges[f"the {key} of {label}"] = parse_network(value)
            except AddressPlanError:
                continue
    return ranges


def _service_toggles(values: Mapping[str, bool | Mapping[str, Any]]) -> dict[str, bool]:
    return {key: (value if isinstance(value, bool) else True) for key, value in values.items()}


class _Assembly:
    """One assembly run: collects every problem, then builds the Factory or raises them all."""

    def __init__(self, settings: EnvironmentSettings, catalog: Catalog, source: str) -> None:
        self.settings = settings
        self.catalog = catalog
        self.source = source
        self.problems = Problems()
        self.environment = settings.environment

    def stack_service_layers(self) -> dict[str, SettingsLayer]:
        layers = {}
        for key, values in self.settings.services.items():
            if key not in self.catalog.services:
                self.problems.add(
                    f"unknown service {key!r}; known services: {', '.join(sorted(self.catalog.services))}",
                    file=self.source,
                    field=f"services.{key}",
                )
                continue
            layers[key] = SettingsLayer(self.source, f"services.{key}", values)
            with self.problems.collect():  # checked even where no project uses the service yet
                self.catalog.services[key].resolve_settings(self.environment, [layers[key]])
        return layers

    def project_type(self, request: ProjectRequest, source: str) -> ProjectTypeSpec | None:
        kind = self.catalog.types.get(request.type)
        if kind is None:
            self.problems.add(
                f"unknown project type {request.type!r}; known types: {', '.join(sorted(self.catalog.types))}",
                file=source,
                field="type",
            )
        return kind

    def check_request_services(self, request: ProjectRequest, source: str, kind: ProjectTypeSpec) -> None:
        """Settings for services the type does not include are errors (in any environment)."""
        for key in request.services:
            if key not in kind.services:
                self.problems.add(
                    f"project type {kind.name!r} has no service {key!r}; its services are: {', '.join(sorted(kind.services))}",
                    file=source,
                    field=f"services.{key}",
                )

    def services_of(self, request: ProjectRequest, source: str, kind: ProjectTypeSpec) -> frozenset[str] | None:
        entry = request.environments[self.environment]
        field = f"environments.{self.environment}.services"
        try:
            return kind.resolve_services(_service_toggles(entry.services))
        except ValueError as error:
            self.problems.add(str(error), file=source, field=field)
            return None

    def settings_layers(
        self, request: ProjectRequest, source: str, key: str, stack_layers: Mapping[str, SettingsLayer]
    ) -> list[SettingsLayer]:
        """Where a project's settings of one service come from, least specific first."""
        entry = request.environments[self.environment]
        layers = [stack_layers[key]] if key in stack_layers else []
        if key in request.services:
            layers.append(SettingsLayer(source, f"services.{key}", request.services[key]))
        value = entry.services.get(key)
        if isinstance(value, Mapping):
            layers.append(SettingsLayer(source, f"environments.{self.environment}.services.{key}", value))
        return layers

    def resolve_settings(
        self,
        request: ProjectRequest,
        source: str,
        services: frozenset[str],
        stack_layers: Mapping[str, SettingsLayer],
    ) -> dict[str, ServiceSettings]:
        resolved: dict[str, ServiceSettings] = {}
        for key in sorted(services):
            with self.problems.collect(file=source):
                resolved[key] = self.catalog.services[key].resolve_settings(
                    self.environment, self.settings_layers(request, source, key, stack_layers)
                )
        return resolved

    def subscription_of(self, request: ProjectRequest, source: str) -> str:
        entry = request.environments[self.environment]
        field = f"environments.{self.environment}.subscription"
        allowed = self.settings.project_subscriptions
        platform = self.settings.subscription_id
        if not allowed:
            if entry.subscription is not None and entry.subscription != platform:
                self.problems.add(
                    f"subscription {entry.subscription} is not this environment's ({platform}) and the stack lists no "
                    "projectSubscriptions; add it to aifactory:projectSubscriptions or remove it",
                    file=source,
                    field=field,
                )
            return platform
        if entry.subscription is None:
            self.problems.add(
                f"no subscription is recorded in {self.environment}; run: aifactory onboard {source} --env {self.environment}",
                file=source,
                field=field,
            )
            return platform
        if entry.subscription not in allowed and entry.subscription != platform:
            self.problems.add(
                f"subscription {entry.subscription} is not in aifactory:projectSubscriptions ({', '.join(allowed)})",
                file=source,
                field=field,
            )
        return entry.subscription

    def pool_of(self, services: frozenset[str], cidr: str) -> str:
        """The agent pool when a service needs a subnet outside 10.0.0.0/8; otherwise the pool the spoke is in
        (a spoke once given agents keeps its addresses when they are switched off: blocks never move)."""
        if any(self.catalog.services[s].agent_network for s in services):
            return AGENT_POOL
        agent_pool = self.settings.agent_address_pool
        if agent_pool is not None:
            try:
                if parse_network(cidr).subnet_of(parse_network(agent_pool)):
                    return AGENT_POOL
            except AddressPlanError:
                pass
        return ADDRESS_POOL


def blame_setting(key: str, field: str, message: str, layers: list[SettingsLayer], fallback: str) -> Problem:
    """A service check's problem, at the layer that set the field (the request's ``services.<key>`` if none did)."""
    for layer in reversed(layers):
        if field in layer.values:
            return Problem(message, layer.file, f"{layer.field}.{field}")
    return Problem(message, fallback, f"services.{key}.{field}")


def raise_located(problems: Problems, source: str, overridden: tuple[str, ...]) -> None:
    """Raise every problem; one blamed on the stack file names ``--config`` when that is where the value came from."""
    if problems:
        raise ConfigError(
            problems=[
                Problem(p.message, source_of(p.field or "", source=source, overridden=overridden), p.field)
                if p.file == source
                else p
                for p in problems.all()
            ]
        )


def _check_pools(settings: EnvironmentSettings, source: str, problems: Problems) -> dict[str, IPv4Network]:
    pools = {ADDRESS_POOL: parse_network(settings.address_pool)}
    if settings.agent_address_pool is not None:
        agent = parse_network(settings.agent_address_pool)
        if not in_agent_space(agent):
            problems.add(
                f"{agent} is outside the space the Foundry Agent Service supports for agent subnets "
                "(class A 10.0.0.0/8 is not supported); use a range inside 172.16.0.0/12 or 192.168.0.0/16",
                file=source,
                field=AGENT_POOL,
            )
        pools[AGENT_POOL] = agent
    return pools


def needed_zones(
    catalog: Catalog, location: str, projects: Iterable[tuple[str, Iterable[str]]], *, ml_registry: bool
) -> dict[str, list[str]]:
    """The private DNS zones an environment needs, each with who needs it: the platform (the shared lake's zones,
    its ML registry's) and every given project (each zone its services need, in the spoke or in the hub)."""
    needs: dict[str, list[str]] = {zone: ["the shared lake"] for zone in PLATFORM_ZONES}
    if ml_registry:
        for zone in zones_for_groups(ML_REGISTRY_GROUPS):
            needs.setdefault(zone, []).append("the ML registry")
    for name, services in projects:
        for key in sorted(services):
            for zone in catalog.services[key].all_zones(location):
                needs.setdefault(zone, []).append(f"project {name!r} ({key})")
    return dict(sorted(needs.items()))


def check_hub_zones(
    settings: EnvironmentSettings, catalog: Catalog, projects: Iterable[tuple[str, Iterable[str]]], source: str
) -> list[Problem]:
    """An adopted hub must name every zone the environment needs (its active projects' services and the platform's):
    one problem per missing zone, at ``hub.existing.privateDnsZoneIds.<zone>``. Zones no one needs are not required."""
    existing = settings.hub.existing
    if existing is None:
        return []
    problems = []
    for zone, users in needed_zones(catalog, settings.location, projects, ml_registry=settings.ml_registry).items():
        if zone in existing.private_dns_zone_ids:
            continue
        who = ", ".join(users[:3]) + (f" and {len(users) - 3} more" if len(users) > 3 else "")
        problems.append(
            Problem(
                f"the existing hub has no private DNS zone {zone}, which {who} need(s); "
                f"add its resource id under {HUB_ZONE_IDS}",
                source,
                f"{HUB_ZONE_IDS}.{zone}",
            )
        )
    return problems


def assemble_factory(
    raw_settings: Mapping[str, Any],
    *,
    stack: str,
    root: Path,
    catalog: Catalog,
    source: str | None = None,
    projects_dir: Path | None = None,
    overridden: tuple[str, ...] = (),
) -> Factory:
    """Validate settings and projects and plan the network of one environment.

    ``raw_settings`` are the ``aifactory:`` config values as Pulumi hands them to a program
    (strings, structured values JSON-encoded). ``overridden`` names the keys set by ``--config``,
    so that their problems name ``--config`` rather than the stack file. Raises one FactoryError
    holding every problem found.
    """
    source = source or stack_file(root, stack).name
    settings = parse_settings(decode_pulumi_config(raw_settings), source=source, overridden=overridden)
    assembly = _Assembly(settings, catalog, source)
    problems = assembly.problems
    naming = NamingContext(settings.prefix, settings.environment, settings.subscription_id)

    directory = projects_dir if projects_dir is not None else root / settings.projects_dir
    loaded: list[tuple[ProjectRequest, str]] = []
    with problems.collect():
        loaded, unreadable = read_projects(directory)
        problems.extend(unreadable)
    stack_layers = assembly.stack_service_layers()

    drafts: list[tuple[ProjectRequest, str, ProjectTypeSpec, frozenset[str], dict[str, ServiceSettings], str]] = []
    spoke_requests: list[SpokeRequest] = []
    for request, file in loaded:
        kind = assembly.project_type(request, file)
        if kind is None:
            continue
        assembly.check_request_services(request, file, kind)
        if settings.environment not in request.environments:
            continue
        entry = request.environments[settings.environment]
        if entry.cidr is None:
            problems.add(
                f"no spoke is allocated in {settings.environment}; run: aifactory onboard {file} --env {settings.environment}",
                file=file,
                field=f"environments.{settings.environment}.cidr",
            )
            continue
        services = assembly.services_of(request, file, kind)
        if services is None:
            continue
        resolved = assembly.resolve_settings(request, file, services, stack_layers)
        subscription = assembly.subscription_of(request, file)
        pool = assembly.pool_of(services, entry.cidr)
        drafts.append((request, file, kind, services, resolved, subscription))
        spoke_requests.append(
            SpokeRequest(
                project=request.name,
                cidr=entry.cidr,
                template=kind.subnets,
                source=file,
                field=f"environments.{settings.environment}.cidr",
                pool=pool,
            )
        )

    hub = parse_network(settings.hub.cidr) if settings.hub.cidr else None
    pools = _check_pools(settings, source, problems)
    network = NetworkPlan(pools=pools, hub=hub)
    if hub is not None and settings.hub.existing is None:
        with problems.collect(file=source):
            carve_subnets(hub, HUB_SUBNETS, field="hub.cidr")
    with problems.collect(file=source):
        network = plan_network(pools, hub, spoke_requests, reserved=sibling_ranges(root, stack, settings.environment))

    profile = None
    try:
        profile = resolve_profile(
            settings.environment,
            settings.profile.given(),
            InsecureOptions(public_network_access=settings.insecure.public_network_access),
        )
    except ProfileError as error:
        for field, message in error.problems:
            problems.add(message, file=source, field=field)

    projects = tuple(
        PlannedProject(
            request=request,
            source=file,
            project_type=kind,
            services=services,
            settings=resolved,
            spoke=network.spokes[request.name],
            subscription_id=subscription,
            naming=NamingContext(settings.prefix, settings.environment, subscription),
            retiring=request.environments[settings.environment].retiring,
        )
        for request, file, kind, services, resolved, subscription in sorted(drafts, key=lambda item: item[0].name)
        if request.name in network.spokes
    )
    active = [
        (request.name, services)
        for request, _, _, services, _, _ in sorted(drafts, key=lambda item: item[0].name)
        if not request.environments[settings.environment].retiring
    ]
    problems.extend(check_hub_zones(settings, catalog, active, source))
    if problems or profile is None:
        raise_located(problems, source, overridden)
    assert profile is not None

    view = AssemblyView(
        environment=settings.environment,
        location=settings.location,
        known_ranges={label: str(cidr) for label, cidr in network.known_ranges().items()},
    )
    for project in projects:
        for key in sorted(project.services):
            spec = catalog.services[key]
            if spec.check is None:
                continue
            layers = assembly.settings_layers(project.request, project.source, key, stack_layers)
            for field, message in spec.check(project.settings[key], view):
                problems.extend([blame_setting(key, field, message, layers, project.source)])

    if settings.scope.startswith("project:"):
        wanted = settings.scope.split(":", 1)[1]
        if wanted not in {p.name for p in projects}:
            problems.add(
                f"scope names project {wanted!r}, which is not recorded in {settings.environment}; "
                f"recorded: {', '.join(p.name for p in projects) or 'none'}",
                file=source_of("scope", source=source, overridden=overridden),
                field="scope",
            )
    factory = Factory(
        stack=stack,
        settings=settings,
        naming=naming,
        network=network,
        projects=projects,
        root=root,
        profile=profile,
        catalog=catalog,
        source=source,
    )
    claims = list(
        platform_claims(naming, created_hub=settings.hub.existing is None, platform_stack=factory.platform_stack)
    )
    for project in projects:
        claims.extend(project_claims(catalog, project.naming, factory.naming, name=project.name, services=project.services, source=project.source))
    problems.extend(check_ownership(claims, default_file=source))
    raise_located(problems, source, overridden)
    return factory


def stack_values(root: Path, stack: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``aifactory:`` values of a stack file with ``--config`` overrides, as Pulumi hands them to the program."""
    raw = decode_pulumi_config(read_stack_settings(root, stack))
    if overrides:
        raw = apply_overrides(raw, overrides)
    return encode_pulumi_config(raw)


def overridden_keys(overrides: Mapping[str, str] | None) -> tuple[str, ...]:
    return tuple(key.removeprefix("aifactory:") for key in (overrides or {}))


def load_factory(
    root: Path,
    stack: str,
    *,
    catalog: Catalog,
    overrides: Mapping[str, str] | None = None,
    projects_dir: Path | None = None,
) -> Factory:
    """The CLI's path: read ``Pulumi.<stack>.yaml`` (plus overrides) and assemble."""
    return assemble_factory(
        stack_values(root, stack, overrides),
        stack=stack,
        root=root,
        catalog=catalog,
        projects_dir=projects_dir,
        overridden=overridden_keys(overrides),
    )


@dataclass(frozen=True)
class StackSlice:
    """One stack of a split environment: the platform, or one project."""

    stack: str
    environment: str
    scope: str
    project: str | None = None
    project_type: str | None = None
    retiring: bool = False

    def to_dict(self) -> dict[str, str | bool | None]:
        return {
            "stack": self.stack,
            "environment": self.environment,
            "scope": self.scope,
            "project": self.project,
            "type": self.project_type,
            "retiring": self.retiring,
        }


def stack_slices(factory: Factory) -> list[StackSlice]:
    """The stacks of a split environment, platform first (its outputs feed the project stacks).

    Retiring projects keep their stack (so it can be destroyed) until they are released.
    """
    env = factory.environment
    slices = [StackSlice(factory.platform_stack, env, "platform")]
    slices += [
        StackSlice(project_stack(env, p.name), env, f"project:{p.name}", p.name, p.project_type.name, p.retiring)
        for p in factory.projects
    ]
    return slices


__all__ = [
    "Factory",
    "PlannedProject",
    "StackSlice",
    "assemble_factory",
    "load_factory",
    "project_stack",
    "stack_slices",
    "stack_values",
]
