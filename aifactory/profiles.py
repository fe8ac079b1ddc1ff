"""Environment profiles: how dev, test and prod differ, in one place (pure data).

The stack file can override a profile's values where the profile allows it; prod never accepts
insecure overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class EnvironmentProfile:
    name: str
    protect_stateful: bool
    """Pulumi ``protect`` on lake, key vaults and other data stores."""
    delete_locks: bool
    """Azure CanNotDelete management locks on the same."""
    storage_sku: str
    zone_redundant: bool
    soft_delete_days: int
    log_retention_days: int
    allow_insecure_overrides: bool


PROFILES: Mapping[str, EnvironmentProfile] = MappingProxyType(
    {
        "dev": EnvironmentProfile("dev", False, False, "Standard_LRS", False, 7, 30, True),
        "test": EnvironmentProfile("test", False, False, "Standard_ZRS", True, 14, 60, True),
        "prod": EnvironmentProfile("prod", True, True, "Standard_ZRS", True, 30, 180, False),
    }
)
