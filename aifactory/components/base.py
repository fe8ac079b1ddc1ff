"""What every factory component shares: validated Args, tags, child names and options.

Args are pydantic models that check themselves when they are made: a wrong type or value raises
:class:`~aifactory.core.errors.ComponentArgsError` naming the Args class and the field (the CLI
turns it into exit 2), before anything is registered. Booleans are strict (``"no"`` is an
error, not ``True``); values that may be Pulumi outputs are typed :data:`StrInput`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, Mapping, Optional

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from aifactory.core.config import field_path, explain_error
from aifactory.core.errors import ComponentArgsError, Problem
from aifactory.core.policies import INSECURE_TAG


def _input_of(kind: type) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, (kind, pulumi.Output)) or inspect.isawaitable(value):
            return value
        raise ValueError(f"must be a {kind.__name__} or a Pulumi output, got {type(value).__name__}")

    return check


StrInput = Annotated[Any, AfterValidator(_input_of(str))]
"""A string known at plan time, or a Pulumi output of one (a resource id from another resource)."""
MappingInput = Annotated[Any, AfterValidator(_input_of(Mapping))]


@dataclass(frozen=True)
class ComponentSettings:
    """Settings every component takes in its Args: the tags of its resources."""

    tags: Mapping[str, str] = field(default_factory=dict)


class ComponentArgs(BaseModel):
    """Base of every component's Args: frozen, unknown fields refused, checked on construction."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise args_error(type(self).__name__, error) from None


def args_error(component: str, error: ValidationError) -> ComponentArgsError:
    problems: dict[str, Problem] = {}
    for item in error.errors(include_url=False):
        where = field_path(tuple(item.get("loc", ())))
        problems.setdefault(where, Problem(explain_error(item), component, where))
    return ComponentArgsError(problems=list(problems.values()))


def invalid(component: str, field_name: str, message: str) -> ComponentArgsError:
    """A located Args error raised by a component's own cross-field checks."""
    return ComponentArgsError(message, file=component, field=field_name)


class FactoryComponent(pulumi.ComponentResource):
    """Base class: tags and child names derived from the component's name, ``parent=self`` for children."""

    def __init__(
        self,
        type_token: str,
        name: str,
        settings: ComponentSettings,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__(type_token, name, None, opts)
        self._component_name = name
        self._settings = settings

    @property
    def tags(self) -> dict[str, str]:
        return dict(self._settings.tags)

    def child_name(self, suffix: str) -> str:
        """Logical names of children derive from the component's name, so instances never collide."""
        return f"{self._component_name}-{suffix}"

    def child_opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)


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
