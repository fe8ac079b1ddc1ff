"""The project-type registry: built-in types plus any registered through entry points.

A package adds a type by declaring an entry point in the ``aifactory.project_types`` group that
points at a :class:`~aifactory.project_types.base.ProjectType` (or a zero-argument callable that
returns one). See ``docs/project-types.md``.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Mapping

from aifactory.project_types.base import ProjectType
from aifactory.project_types.builtin import ESML, GENAI, STREAMING

ENTRY_POINT_GROUP = "aifactory.project_types"
BUILTIN_TYPES: tuple[ProjectType, ...] = (ESML, GENAI, STREAMING)


def _from_entry_point(value: object, name: str) -> ProjectType:
    candidate = value() if callable(value) and not isinstance(value, ProjectType) else value
    if not isinstance(candidate, ProjectType):
        raise TypeError(f"entry point {name!r} in {ENTRY_POINT_GROUP} does not give a ProjectType")
    return candidate


def load_registry(*, include_entry_points: bool = True) -> Mapping[str, ProjectType]:
    """Every known project type by name. A plug-in may not replace a built-in type."""
    registry: dict[str, ProjectType] = {t.name: t for t in BUILTIN_TYPES}
    if include_entry_points:
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            project_type = _from_entry_point(entry.load(), entry.name)
            if project_type.name in registry:
                raise ValueError(f"project type {project_type.name!r} from entry point {entry.name!r} is already registered")
            registry[project_type.name] = project_type
    return MappingProxyType(registry)


__all__ = ["BUILTIN_TYPES", "ENTRY_POINT_GROUP", "ProjectType", "load_registry"]
