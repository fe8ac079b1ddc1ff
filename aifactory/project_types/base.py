"""What a project type is: its subnet template, its services, and how it composes components."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping

from aifactory.addressing import SubnetSpec, template_prefix

if TYPE_CHECKING:  # the build step is Pulumi code; the type's data is not
    from aifactory.project_types.context import ProjectContext


@dataclass(frozen=True)
class ProjectType:
    """A kind of project the factory can build.

    ``subnets`` is the spoke template the address planner carves; ``services`` maps each
    service the type can create to whether it is on by default; ``required`` lists the ones a
    project request cannot switch off.
    """

    name: str
    description: str
    subnets: tuple[SubnetSpec, ...]
    services: Mapping[str, bool] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    build: Callable[["ProjectContext"], Mapping[str, object]] | None = None
    """Composes the project's components; returns its contract outputs."""

    @property
    def min_spoke_prefix(self) -> int:
        return template_prefix(self.subnets)

    def resolve_services(self, toggles: Mapping[str, bool]) -> frozenset[str]:
        """The services a project gets, after its request's toggles. Raises ValueError on bad toggles."""
        unknown = sorted(set(toggles) - set(self.services))
        if unknown:
            raise ValueError(
                f"unknown service {unknown[0]!r} for project type {self.name!r}; "
                f"its services are: {', '.join(sorted(self.services))}"
            )
        for service, enabled in toggles.items():
            if not enabled and service in self.required:
                raise ValueError(f"service {service!r} is required by project type {self.name!r} and cannot be disabled")
        return frozenset(s for s, default in self.services.items() if toggles.get(s, default))
