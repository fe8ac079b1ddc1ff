"""What a project type's build step receives: the planned project and the shared platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi

from aifactory.components.base import ComponentSettings

if TYPE_CHECKING:
    from aifactory.factory import Factory, PlannedProject
    from aifactory.platform import Platform


@dataclass(frozen=True)
class ProjectContext:
    """Everything a type needs to compose its components for one project in one environment."""

    factory: "Factory"
    project: "PlannedProject"
    platform: "Platform"
    parent: pulumi.Resource

    @property
    def settings(self) -> ComponentSettings:
        return ComponentSettings(
            tags=self.factory.project_tags(self.project),
            keep_legacy_aliases=self.factory.settings.keep_legacy_aliases,
        )

    def opts(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.parent)
