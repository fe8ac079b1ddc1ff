"""Assembling one environment of the factory from its settings and the project requests.

Validates everything before any resource is registered: settings, every project file, project
types and service toggles, and the whole address plan (including other environments' pools and
hubs from the sibling stack files). No Pulumi imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any, Mapping

from aifactory.addressing import NetworkPlan, SpokePlan, SpokeRequest, carve_subnets, parse_network, plan_network
from aifactory.config import (
    EnvironmentSettings,
    ProjectRequest,
    apply_overrides,
    decode_pulumi_config,
    encode_pulumi_config,
    load_projects,
    parse_settings,
    read_stack_config,
    stack_file,
)
from aifactory.errors import AddressPlanError, ConfigError, FactoryError
from pydantic.alias_generators import to_camel

from aifactory.naming import NamingContext
from aifactory.profiles import EnvironmentProfile, InsecureOptions, ProfileError, resolve_profile
from aifactory.project_types import ProjectType, load_registry
from aifactory.subnet_templates import HUB_SUBNETS

MANAGED_BY_TAG = "aifactory"


@dataclass(frozen=True)
class PlannedProject:
    """A project enabled in this environment, validated, with its spoke planned."""

    request: ProjectRequest
    source: str
    project_type: ProjectType
    services: frozenset[str]
    spoke: SpokePlan

    @property
    def name(self) -> str:
        return self.request.name


@dataclass(frozen=True)
class Factory:
    """One environment of the factory, ready to be built."""

    stack: str
    settings: EnvironmentSettings
    naming: NamingContext
    network: NetworkPlan
    projects: tuple[PlannedProject, ...]
    root: Path
    profile: EnvironmentProfile

    @property
    def scope(self) -> str:
        return self.settings.scope

    @property
    def includes_platform(self) -> bool:
        return self.scope in ("all", "platform")

    def included_projects(self) -> tuple[PlannedProject, ...]:
        """The projects this stack deploys: all of them, none (platform), or one (project slice)."""
        if self.scope == "all":
            return self.projects
        if self.scope == "platform":
            return ()
        name = self.scope.split(":", 1)[1]
        return tuple(p for p in self.projects if p.name == name)

    @property
    def platform_stack(self) -> str:
        return self.settings.platform_stack or f"{self.environment}-platform"

    @property
    def environment(self) -> str:
        return self.settings.environment

    def base_tags(self) -> dict[str, str]:
        return {**self.settings.tags, "environment": self.environment, "managedBy": MANAGED_BY_TAG}

    def project_tags(self, project: PlannedProject) -> dict[str, str]:
        return {**self.base_tags(), "project": project.name, "costCenter": project.request.cost_center}


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
        for key, value in (("address pool", raw.get("addressPool")), ("hub", (raw.get("hub") or {}).get("cidr"))):
            try:
                ranges[f"the {key} of {label}"] = parse_network(value)
            except AddressPlanError:
                continue
    return ranges


def _plan_project(
    request: ProjectRequest, source: str, environment: str, registry: Mapping[str, ProjectType]
) -> tuple[ProjectType, frozenset[str], SpokeRequest]:
    project_type = registry.get(request.type)
    if project_type is None:
        raise ConfigError(
            f"unknown project type {request.type!r}; known types: {', '.join(sorted(registry))}",
            file=source,
            field="type",
        )
    env = request.environments[environment]  # type: ignore[index]
    if env.cidr is None:
        raise ConfigError(
            f"no spoke is allocated in {environment}; run: aifactory onboard {source} --env {environment}",
            file=source,
            field=f"environments.{environment}.cidr",
        )
    try:
        services = project_type.resolve_services(env.services)
    except ValueError as error:
        raise ConfigError(str(error), file=source, field=f"environments.{environment}.services") from None
    spoke = SpokeRequest(
        project=request.name,
        cidr=env.cidr,
        template=project_type.subnets,
        source=source,
        field=f"environments.{environment}.cidr",
    )
    return project_type, services, spoke


def assemble_factory(
    raw_settings: Mapping[str, Any],
    *,
    stack: str,
    root: Path,
    source: str | None = None,
    projects_dir: Path | None = None,
    registry: Mapping[str, ProjectType] | None = None,
) -> Factory:
    """Validate settings and projects and plan the network of one environment.

    ``raw_settings`` are the ``aifactory:`` config values as Pulumi hands them to a program
    (strings, structured values JSON-encoded).
    """
    source = source or stack_file(root, stack).name
    settings = parse_settings(decode_pulumi_config(raw_settings), source=source)
    registry = registry if registry is not None else load_registry()
    naming = NamingContext(settings.prefix, settings.environment, settings.subscription_id)

    directory = projects_dir if projects_dir is not None else root / settings.projects_dir
    loaded = load_projects(directory)

    planned_types: list[tuple[ProjectRequest, str, ProjectType, frozenset[str]]] = []
    spoke_requests: list[SpokeRequest] = []
    for request, file in loaded:
        if settings.environment not in request.environments:
            continue
        project_type, services, spoke = _plan_project(request, file, settings.environment, registry)
        planned_types.append((request, file, project_type, services))
        spoke_requests.append(spoke)

    hub = parse_network(settings.hub.cidr) if settings.hub.cidr else None
    try:
        if hub is not None and settings.hub.existing is None:
            carve_subnets(hub, HUB_SUBNETS, field="hub.cidr")
        network = plan_network(
            parse_network(settings.address_pool),
            hub,
            spoke_requests,
            reserved=sibling_ranges(root, stack, settings.environment),
        )
    except AddressPlanError as error:
        raise error.located(file=source) from None

    projects = tuple(
        PlannedProject(request, file, project_type, services, network.spokes[request.name])
        for request, file, project_type, services in sorted(planned_types, key=lambda item: item[0].name)
    )
    try:
        profile = resolve_profile(
            settings.environment,
            settings.profile.given(),
            InsecureOptions(public_network_access=settings.insecure.public_network_access),
        )
    except ProfileError as error:
        field = ".".join(to_camel(part) for part in error.field.split("."))
        raise ConfigError(str(error), file=source, field=field) from None
    if settings.scope.startswith("project:"):
        wanted = settings.scope.split(":", 1)[1]
        if wanted not in {p.name for p in projects}:
            raise ConfigError(
                f"scope names project {wanted!r}, which is not enabled in {settings.environment}; "
                f"enabled: {', '.join(p.name for p in projects) or 'none'}",
                file=source,
                field="scope",
            )
    return Factory(
        stack=stack, settings=settings, naming=naming, network=network, projects=projects, root=root, profile=profile
    )


def stack_values(root: Path, stack: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``aifactory:`` values of a stack file with ``--config`` overrides, as Pulumi hands them to the program."""
    raw = decode_pulumi_config(read_stack_settings(root, stack))
    if overrides:
        raw = apply_overrides(raw, overrides)
    return encode_pulumi_config(raw)


def load_factory(
    root: Path,
    stack: str,
    *,
    overrides: Mapping[str, str] | None = None,
    projects_dir: Path | None = None,
    registry: Mapping[str, ProjectType] | None = None,
) -> Factory:
    """The CLI's path: read ``Pulumi.<stack>.yaml`` (plus overrides) and assemble."""
    return assemble_factory(
        stack_values(root, stack, overrides), stack=stack, root=root, projects_dir=projects_dir, registry=registry
    )


@dataclass(frozen=True)
class StackSlice:
    """One stack of a split environment: the platform, or one project."""

    stack: str
    environment: str
    scope: str
    project: str | None = None
    project_type: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "stack": self.stack,
            "environment": self.environment,
            "scope": self.scope,
            "project": self.project,
            "type": self.project_type,
        }


def stack_slices(factory: Factory) -> list[StackSlice]:
    """The stacks of a split environment, platform first (its outputs feed the project stacks)."""
    env = factory.environment
    slices = [StackSlice(factory.platform_stack, env, "platform")]
    slices += [
        StackSlice(f"{env}-{p.name}", env, f"project:{p.name}", p.name, p.project_type.name) for p in factory.projects
    ]
    return slices
