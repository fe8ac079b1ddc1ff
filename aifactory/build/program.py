"""The Pulumi program: read the stack's config, assemble the factory, build it.

Only this module reads ``pulumi.Config``; components take their Args.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi.runtime import config as runtime_config

from aifactory.build.foundation import ProjectContext
from aifactory.build.platform import build_platform, platform_from_stack, platform_from_values
from aifactory.build.services import build_project
from aifactory.components.arm import azure_provider
from aifactory.components.base import ComponentSettings
from aifactory.components.project import Project
from aifactory.core.config import CONFIG_NAMESPACE
from aifactory.core.factory import Factory, assemble_factory
from aifactory.core.spec import Catalog
from aifactory.services import load_catalog


def namespace_config(namespace: str = CONFIG_NAMESPACE) -> dict[str, str]:
    """Every ``namespace:key`` config value of the running stack, as Pulumi passes them."""
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{namespace}:"
    return {key[len(prefix) :]: value for key, value in merged.items() if key.startswith(prefix)}


class SubscriptionProviders:
    """One explicit azure-native provider per subscription the stack uses beside the platform's (projects' own,
    an adopted hub's and its zones'), made on first use.

    What lives in the platform's subscription uses the default provider, so a factory without
    ``projectSubscriptions`` and without a hub in another subscription registers no provider at all.
    """

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self._providers: dict[str, pulumi.ProviderResource] = {}

    def get(self, subscription_id: str) -> pulumi.ProviderResource:
        if subscription_id not in self._providers:
            self._providers[subscription_id] = azure_provider(f"subscription-{subscription_id}", subscription_id)
        return self._providers[subscription_id]

    def for_project(self, subscription_id: str) -> tuple[Optional[pulumi.ProviderResource], Optional[pulumi.ProviderResource]]:
        """(the project's provider, the platform's provider), both None in the platform's subscription."""
        platform = self.factory.settings.subscription_id
        if subscription_id == platform:
            return None, None
        return self.get(subscription_id), self.get(platform)


def build(
    factory: Factory,
    *,
    only_projects: Optional[Sequence[str]] = None,
    platform_values: Optional[Mapping[str, Any]] = None,
) -> None:
    """Register what this stack's scope holds (platform, projects, or both) and export outputs.

    ``only_projects`` and ``platform_values`` let the offline plan register one environment in parts
    (the platform, then shares of the projects in worker processes, the platform's outputs handed to
    each): every part registers exactly what the whole would, so the merged plan is the same.
    """
    providers = SubscriptionProviders(factory)
    if platform_values is not None:
        platform = platform_from_values(factory, platform_values)
    elif factory.includes_platform:
        platform, platform_exports = build_platform(factory, providers.get)
        for key, value in platform_exports.items():
            pulumi.export(key, value)
    else:
        platform = platform_from_stack(factory)
    project_exports: dict[str, object] = {}
    wanted = None if only_projects is None else set(only_projects)
    for planned in factory.included_projects():
        if wanted is not None and planned.name not in wanted:
            continue
        own, platform_side = providers.for_project(planned.subscription_id)
        project = Project(
            planned.name,
            ComponentSettings(tags=factory.project_tags(planned)),
            opts=pulumi.ResourceOptions(providers=[own]) if own is not None else None,
        )
        outputs = build_project(ProjectContext(factory, planned, platform, project, platform_side, providers.get))
        project.finish(outputs)
        project_exports[planned.name] = outputs
    pulumi.export("environment", factory.environment)
    pulumi.export("scope", factory.scope)
    # the stack's own part of the address plan: a project stack's outputs never change when another project
    # is added, and a slice does not carry every spoke of the environment through its stack reference
    pulumi.export("network", factory.network.to_dict(only=[p.name for p in factory.included_projects()]))
    pulumi.export("projects", project_exports)


def main(root: Path | None = None, catalog: Catalog | None = None) -> None:
    """Entry point of ``__main__.py`` (and of the offline plan, under mocks)."""
    factory = assemble_factory(
        namespace_config(), stack=pulumi.get_stack(), root=root or Path.cwd(), catalog=catalog or load_catalog()
    )
    build(factory)
