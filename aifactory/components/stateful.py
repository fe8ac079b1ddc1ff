"""Protection of stateful resources: Pulumi ``protect`` and an Azure CanNotDelete lock."""

from __future__ import annotations

import pulumi

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, FactoryComponent
from aifactory.core.types import StrictFlag


class Protection(ComponentArgs):
    """How a data store is guarded against deletion (prod: both on). Strict: ``"yes"`` is an error, not ``True``."""

    protect: StrictFlag = False
    """Pulumi ``protect``: the engine refuses to delete the resource."""
    delete_lock: StrictFlag = False
    """An Azure CanNotDelete lock: even a portal or CLI delete is refused."""


def lock_against_delete(owner: FactoryComponent, suffix: str, resource: pulumi.CustomResource, note: str) -> AzureResource:
    """An Azure CanNotDelete lock on ``resource``: even a portal or CLI delete is refused."""
    return AzureResource(
        "azure-native:authorization:ManagementLockByScope",
        owner.child_name(f"lock-{suffix}"),
        {"scope": resource.id, "lockName": "do-not-delete", "level": "CanNotDelete", "notes": note},
        owner.child_opts(protect=True),
    )
