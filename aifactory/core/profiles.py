"""Environment profiles: how dev, test and prod differ in protection and retention (pure data and rules).

Sizing of individual services (search SKU, AKS node counts, ...) is each service's own settings,
with dev/test/prod defaults in its spec (``aifactory.services``). A stack file may override a profile's values (``aifactory:profile``) and switch on named insecure
options (``aifactory:insecure``). Prod never accepts insecure options, nor an override that weakens
the protection of data.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class InsecureOptions:
    """Explicit, named insecure choices; all off by default and refused in prod."""

    public_network_access: bool = False
    """Lake and key vaults accept traffic from public networks (still Entra-only, no keys)."""

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


ZONE_REDUNDANT_SKUS = frozenset({"Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"})
"""Storage SKUs that keep three copies across availability zones in the primary region."""


@dataclass(frozen=True)
class EnvironmentProfile:
    name: str
    protect_stateful: bool
    """Pulumi ``protect`` on lake, key vaults and other data stores."""
    delete_locks: bool
    """Azure CanNotDelete management locks on the same."""
    storage_sku: str
    """Redundancy of the lake and the services' storage accounts."""
    zone_redundant: bool
    """Zone redundancy of the services that offer it (registries, Cosmos DB, AI Search replicas)."""
    soft_delete_days: int
    """Blob and container soft delete of the storage accounts (Azure: 1-365 days)."""
    vault_soft_delete_days: int
    """Key Vault soft-delete retention (Azure: 7-90 days, fixed when the vault is created). With purge
    protection on, a deleted vault's name stays taken this long, which is why dev keeps it short."""
    log_retention_days: int
    """Log Analytics retention (30-730 days)."""
    allow_insecure_overrides: bool
    insecure: InsecureOptions = InsecureOptions()


PROFILES: Mapping[str, EnvironmentProfile] = MappingProxyType(
    {
        "dev": EnvironmentProfile(
            "dev", protect_stateful=False, delete_locks=False, storage_sku="Standard_LRS", zone_redundant=False,
            soft_delete_days=7, vault_soft_delete_days=7, log_retention_days=30, allow_insecure_overrides=True,
        ),
        "test": EnvironmentProfile(
            "test", protect_stateful=False, delete_locks=False, storage_sku="Standard_ZRS", zone_redundant=True,
            soft_delete_days=14, vault_soft_delete_days=30, log_retention_days=60, allow_insecure_overrides=True,
        ),
        "prod": EnvironmentProfile(
            "prod", protect_stateful=True, delete_locks=True, storage_sku="Standard_ZRS", zone_redundant=True,
            soft_delete_days=30, vault_soft_delete_days=90, log_retention_days=180, allow_insecure_overrides=False,
        ),
    }
)

OVERRIDABLE = tuple(f.name for f in fields(EnvironmentProfile) if f.name not in ("name", "allow_insecure_overrides", "insecure"))
WEAKENING: Mapping[str, Callable[[Any, Any], bool]] = MappingProxyType({
    "protect_stateful": lambda base, new: base and not new,
    "delete_locks": lambda base, new: base and not new,
    "storage_sku": lambda base, new: base in ZONE_REDUNDANT_SKUS and new not in ZONE_REDUNDANT_SKUS,
    "zone_redundant": lambda base, new: base and not new,
    "soft_delete_days": lambda base, new: new < base,
    "vault_soft_delete_days": lambda base, new: new < base,
    "log_retention_days": lambda base, new: new < base,
})
"""How an override weakens a profile that accepts no insecure choices (prod): every field that protects
data or evidence has a rule, so none can be lowered there."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


class ProfileError(ValueError):
    """Every problem with a profile's overrides: ``problems`` holds (field, message) pairs, fields in the
    stack file's spelling (``profile.protectStateful``)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems
        self.field = problems[0][0]


def resolve_profile(
    environment: str, overrides: Mapping[str, Any] | None = None, insecure: InsecureOptions | None = None
) -> EnvironmentProfile:
    """The environment's profile with the stack file's overrides applied, or a ProfileError with every problem."""
    base = PROFILES[environment]
    overrides = dict(overrides or {})
    problems: list[tuple[str, str]] = []
    for key in sorted(set(overrides) - set(OVERRIDABLE)):
        problems.append((f"profile.{_camel(key)}", f"unknown profile setting; allowed: {', '.join(map(_camel, OVERRIDABLE))}"))
    if not base.allow_insecure_overrides:
        for key, value in overrides.items():
            weakens = WEAKENING.get(key)
            if weakens and weakens(getattr(base, key), value):
                problems.append(
                    (f"profile.{_camel(key)}", f"{_camel(key)} cannot be weakened in {environment} ({getattr(base, key)!r} -> {value!r})")
                )
        if insecure is not None and insecure.any:
            problems.append(("insecure", f"insecure options are not allowed in {environment}"))
    if problems:
        raise ProfileError(problems)
    return replace(base, **overrides, insecure=insecure or InsecureOptions())
