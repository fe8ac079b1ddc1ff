"""What every factory component shares: the legacy-alias transformation, child options, tags.

Why drop legacy aliases: every pulumi-azure-native resource class merges dozens of
``Alias(type_="azure-native:<module>/vYYYYMMDD:<Type>")`` entries into its options, and the Python
SDK turns each into a URN (several Outputs) when the resource is constructed. That makes
registration several times slower and larger in memory (see ``benchmarks/plan_scale.py``).

Those aliases only let Pulumi match resources that an *older* program registered under a versioned
type token. Stacks created by this library always register the current, unversioned tokens, so
for them the aliases never match anything and dropping them changes no URN and no diff. A stack
migrated from a program that used versioned tokens sets ``keep_legacy_aliases`` (stack setting
``aifactory:keepLegacyAliases: true``).

Only the older ``transformations`` option runs before the SDK collapses aliases into URNs, so that
is what the components use; a component's transformations are inherited by all its children.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi

from aifactory.policies import INSECURE_TAG

LEGACY_ALIAS_TYPE = re.compile(r"^azure-native:[a-z0-9]+/v\d{8}[a-z]*:")


def _is_legacy_alias(alias: object) -> bool:
    type_ = getattr(alias, "type_", None)
    return isinstance(alias, pulumi.Alias) and isinstance(type_, str) and LEGACY_ALIAS_TYPE.match(type_) is not None


def drop_legacy_aliases(
    args: pulumi.ResourceTransformationArgs,
) -> Optional[pulumi.ResourceTransformationResult]:
    """Remove azure-native's versioned-type aliases from a resource; keep every other alias."""
    aliases = args.opts.aliases
    if not aliases or not args.type_.startswith("azure-native:"):
        return None
    kept = [alias for alias in aliases if not _is_legacy_alias(alias)]
    if len(kept) == len(aliases):
        return None
    opts = copy.copy(args.opts)
    opts.aliases = kept or None
    return pulumi.ResourceTransformationResult(props=args.props, opts=opts)


@dataclass(frozen=True)
class ComponentSettings:
    """Settings every component takes in its Args: tags and the alias behaviour."""

    tags: Mapping[str, str] = field(default_factory=dict)
    keep_legacy_aliases: bool = False


class FactoryComponent(pulumi.ComponentResource):
    """Base class: installs the alias transformation and gives children ``parent=self``."""

    def __init__(
        self,
        type_token: str,
        name: str,
        settings: ComponentSettings,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        transformations = [] if settings.keep_legacy_aliases else [drop_legacy_aliases]
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transformations=transformations))
        super().__init__(type_token, name, None, opts)
        self._component_name = name
        self._settings = settings

    @property
    def tags(self) -> dict[str, str]:
        return dict(self._settings.tags)

    def child_name(self, suffix: str) -> str:
        """Logical names of children derive from the component's name, so instances never collide."""
        return f"{self._component_name}-{suffix}"

    def child_opts(self, **kwargs: object) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)  # type: ignore[arg-type]


def insecure_tags(tags: Mapping[str, str], *, public: bool) -> dict[str, str]:
    """Tags marking an explicit insecure choice, so policies can tell it from a mistake."""
    return {**tags, INSECURE_TAG: "publicNetworkAccess"} if public else dict(tags)


def arm_id_part(resource_id: str, key: str) -> str:
    """The segment after ``key`` in an ARM id (``resourceGroups``, ``virtualNetworks``, ...)."""
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        return parts[lowered.index(key.lower()) + 1]
    except (ValueError, IndexError):
        raise ValueError(f"{resource_id!r} has no {key} segment") from None
