"""Reusable Pulumi components of the AI factory, importable from any Pulumi program."""

from aifactory.components.base import ComponentSettings, FactoryComponent, drop_legacy_aliases
from aifactory.components.hub import ExistingHubIds, HubNetwork, HubNetworkArgs
from aifactory.components.project import Project
from aifactory.components.spoke import HubConnection, ProjectSpoke, ProjectSpokeArgs

__all__ = [
    "ComponentSettings",
    "ExistingHubIds",
    "FactoryComponent",
    "HubConnection",
    "HubNetwork",
    "HubNetworkArgs",
    "Project",
    "ProjectSpoke",
    "ProjectSpokeArgs",
    "drop_legacy_aliases",
]
