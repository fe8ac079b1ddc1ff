"""What a plan would change against an earlier plan: resources added, removed and changed.

Resources are matched by URN (what the Pulumi engine matches by); a changed resource lists the input
keys that differ, as dotted paths. Pipelines compare a pull request's plan with the main branch's and
fail on removals (``aifactory plan --compare OLD.json --fail-on-remove``), so no merge deletes a
project or its data unseen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from aifactory.core.errors import ConfigError


@dataclass(frozen=True)
class Change:
    urn: str
    type: str
    keys: tuple[str, ...] = ()
    """For a changed resource: the input paths that differ (``properties.sku.name``)."""

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def to_dict(self) -> dict[str, Any]:
        return {"urn": self.urn, "type": self.type, "name": self.name, "keys": list(self.keys)}


@dataclass(frozen=True)
class Comparison:
    added: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()
    unchanged: int = 0
    projects_added: tuple[str, ...] = ()
    projects_removed: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        line = (
            f"{len(self.added)} to add, {len(self.changed)} to change, {len(self.removed)} to remove, "
            f"{self.unchanged} unchanged"
        )
        if self.projects_removed:
            line += f"; projects removed: {', '.join(self.projects_removed)}"
        if self.projects_added:
            line += f"; projects added: {', '.join(self.projects_added)}"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "added": [c.to_dict() for c in self.added],
            "removed": [c.to_dict() for c in self.removed],
            "changed": [c.to_dict() for c in self.changed],
            "unchanged": self.unchanged,
            "projectsAdded": list(self.projects_added),
            "projectsRemoved": list(self.projects_removed),
        }


def differing_keys(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two input trees differ (lists compared whole, at their own path)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in old or key not in new:
                keys.append(path)
            else:
                keys.extend(differing_keys(old[key], new[key], path))
        return keys
    return [] if old == new else [prefix or "(value)"]


def read_plan(path: Path) -> dict[str, Any]:
    """An earlier plan JSON (``aifactory plan --json``); a located error if it is not one."""
    shown = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read the plan to compare with: {error.strerror}", file=shown, field="--compare") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"not a plan JSON: {error}", file=shown, field="--compare") from None
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        raise ConfigError("not a plan JSON written by `aifactory plan --json` (no resources list)", file=shown, field="--compare")
    return data


def compare_plans(old: Mapping[str, Any], new: Mapping[str, Any]) -> Comparison:
    """Resources of ``new`` against ``old``, by URN."""
    before = {r["urn"]: r for r in old.get("resources", []) if isinstance(r, Mapping) and "urn" in r}
    after = {r["urn"]: r for r in new.get("resources", []) if isinstance(r, Mapping) and "urn" in r}
    added = tuple(Change(urn, str(after[urn].get("type"))) for urn in sorted(set(after) - set(before)))
    removed = tuple(Change(urn, str(before[urn].get("type"))) for urn in sorted(set(before) - set(after)))
    changed: list[Change] = []
    unchanged = 0
    for urn in sorted(set(before) & set(after)):
        keys = differing_keys(before[urn].get("inputs") or {}, after[urn].get("inputs") or {})
        if before[urn].get("protect") != after[urn].get("protect"):
            keys.append("(protect)")
        if keys:
            changed.append(Change(urn, str(after[urn].get("type")), tuple(keys)))
        else:
            unchanged += 1
    old_projects = set((old.get("projects") or {}).keys())
    new_projects = set((new.get("projects") or {}).keys())
    notes: tuple[str, ...] = ()
    if old.get("stack") != new.get("stack"):
        notes = (f"comparing stack {new.get('stack')!r} with a plan of stack {old.get('stack')!r}",)
    return Comparison(
        added=added,
        removed=removed,
        changed=tuple(changed),
        unchanged=unchanged,
        projects_added=tuple(sorted(new_projects - old_projects)),
        projects_removed=tuple(sorted(old_projects - new_projects)),
        notes=notes,
    )
