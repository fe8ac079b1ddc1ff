"""The Pulumi program: read the stack's config, assemble the factory, build it.

Only this module reads ``pulumi.Config``; components take their Args.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
from pulumi.runtime import config as runtime_config

from aifactory.components.base import ComponentSettings
from aifactory.components.project import Project
from aifactory.config import CONFIG_NAMESPACE
from aifactory.factory import Factory, assemble_factory
from aifactory.platform import build_platform, platform_from_stack
from aifactory.project_types.context import ProjectContext


def namespace_config(namespace: str = CONFIG_NAMESPACE) -> dict[str, str]:
    """Every ``namespace:key`` config value of the running stack, as Pulumi passes them."""
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{namespace}:"
    return {key[len(prefix) :]: value for key, value in merged.items() if key.startswith(prefix)}


def build(factory: Factory) -> None:
    """Register what this stack's scope holds (platform, projects, or both) and export outputs."""
    if factory.includes_platform:
        platform, platform_exports = build_platform(factory)
        for key, value in platform_exports.items():
            pulumi.export(key, value)
    else:
        platform = platform_from_stack(factory)
    project_exports: dict[str, object] = {}
    for planned in factory.included_projects():
        settings = ComponentSettings(
            tags=factory.project_tags(planned),
            keep_legacy_aliases=factory.settings.keep_legacy_aliases,
        )
        project = Project(planned.name, settings)
        outputs: dict[str, object] = {}
        if planned.project_type.build is not None:
            outputs.update(planned.project_type.build(ProjectContext(factory, planned, platform, project)))
        outputs.update(type=planned.project_type.name, cidr=str(planned.spoke.cidr))
        project.finish(outputs)
        project_exports[planned.name] = outputs
    pulumi.export("environment", factory.environment)
    pulumi.export("scope", factory.scope)
    pulumi.export("network", factory.network.to_dict())
    pulumi.export("projects", project_exports)


def main(root: Path | None = None) -> None:
    """Entry point of ``__main__.py`` (and of the offline plan, under mocks)."""
    factory = assemble_factory(namespace_config(), stack=pulumi.get_stack(), root=root or Path.cwd())
    build(factory)
