"""The service catalog: one spec per service, and the project types built from them (pure data).

Built-in services and types are defined in this package; a plug-in package adds more through the
entry-point groups ``aifactory.services`` (a :class:`~aifactory.core.spec.ServiceSpec`, or a
zero-argument callable returning one) and ``aifactory.project_types`` (a
:class:`~aifactory.core.spec.ProjectTypeSpec`, or a callable). A plug-in that fails to load, or
that would replace a built-in, is a located error naming its package and entry point.

No Pulumi here: the specs name their builders as ``module:function`` and the build layer imports
them only when it builds.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType
from typing import Callable, Iterable, TypeVar

from aifactory.core.errors import PluginError, Problem, Problems
from aifactory.core.spec import Catalog, ProjectTypeSpec, ServiceSpec
from aifactory.services.agents import AGENTS
from aifactory.services.aiservices import AISERVICES
from aifactory.services.aks import AKS
from aifactory.services.aml import AML
from aifactory.services.databricks import DATABRICKS
from aifactory.services.datafactory import DATAFACTORY
from aifactory.services.eventhubs import EVENTHUBS
from aifactory.services.foundry import FOUNDRY
from aifactory.services.keyvault import KEYVAULT
from aifactory.services.registry import REGISTRY
from aifactory.services.search import SEARCH
from aifactory.services.types import BUILTIN_TYPES

SERVICES_GROUP = "aifactory.services"
TYPES_GROUP = "aifactory.project_types"

BUILTIN_SERVICES: tuple[ServiceSpec, ...] = (
    KEYVAULT,
    AML,
    DATABRICKS,
    DATAFACTORY,
    FOUNDRY,
    AGENTS,
    AISERVICES,
    SEARCH,
    EVENTHUBS,
    REGISTRY,
    AKS,
)

T = TypeVar("T")


def _load(entry: EntryPoint, expected: type[T], problems: Problems) -> T | None:
    where = f"entry point {entry.name!r} ({entry.value}) of package {entry.dist.name if entry.dist else '?'}"
    try:
        value = entry.load()
        candidate = value() if callable(value) and not isinstance(value, expected) else value
    except Exception as error:  # noqa: BLE001 - a broken plug-in is reported, never a traceback
        problems.add(f"{where} failed to load: {type(error).__name__}: {error}", file=f"plug-in {entry.group}")
        return None
    if not isinstance(candidate, expected):
        problems.add(f"{where} gives {type(candidate).__name__}, not a {expected.__name__}", file=f"plug-in {entry.group}")
        return None
    return candidate


def _register(items: Iterable[T], key: Callable[[T], str], builtins: Iterable[T], what: str, problems: Problems) -> dict[str, T]:
    registry: dict[str, T] = {key(item): item for item in builtins}
    for item in items:
        if key(item) in registry:
            problems.add(f"{what} {key(item)!r} from a plug-in is already registered; a plug-in may not replace one", file=f"plug-in {what}s")
            continue
        registry[key(item)] = item
    return registry


def builtin_catalog() -> Catalog:
    """The services and types shipped with aifactory, without plug-ins."""
    return Catalog(
        services=MappingProxyType({s.key: s for s in BUILTIN_SERVICES}),
        types=MappingProxyType({t.name: t for t in BUILTIN_TYPES}),
    )


def load_catalog(*, include_entry_points: bool = True) -> Catalog:
    """Built-in services and types plus every plug-in's; raises PluginError naming every broken plug-in."""
    if not include_entry_points:
        return builtin_catalog()
    problems = Problems()
    services = [s for e in entry_points(group=SERVICES_GROUP) if (s := _load(e, ServiceSpec, problems)) is not None]
    types = [t for e in entry_points(group=TYPES_GROUP) if (t := _load(e, ProjectTypeSpec, problems)) is not None]
    service_map = _register(services, lambda s: s.key, BUILTIN_SERVICES, "service", problems)
    type_map = _register(types, lambda t: t.name, BUILTIN_TYPES, "project type", problems)
    problems.raise_if_any(PluginError)
    return Catalog(services=MappingProxyType(service_map), types=MappingProxyType(type_map))


__all__ = ["BUILTIN_SERVICES", "BUILTIN_TYPES", "SERVICES_GROUP", "TYPES_GROUP", "builtin_catalog", "load_catalog"]
