"""Protection of stateful resources: Pulumi ``protect`` and an Azure CanNotDelete lock."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from aifactory.components.arm import AzureResource
from aifactory.components.base import FactoryComponent


@dataclass(frozen=True)
class Protection:
    """How a data store is guarded against deletion (prod: both on)."""

    protect: bool = False
    delete_lock: bool = False


def lock_against_delete(owner: FactoryComponent, suffix: str, resource: pulumi.CustomResource, note: str) -> AzureResource:
    """An Azure CanNotDelete lock on ``resource``: even a portal or CLI delete is refused."""
    return AzureResource(
        "azure-native:authorization:ManagementLockByScope",
        owner.child_name(f"lock-{suffix}"),
        {"scope": resource.id, "lockName": "do-not-delete", "level": "CanNotDelete", "notes": note},
        owner.child_opts(protect=True),
    )
