"""What every factory component shares: validated Args, tags, child names and options.

Args are pydantic models that check themselves when they are made: a wrong type or value raises
:class:`~aifactory.core.errors.ComponentArgsError` naming the Args class and the field (the CLI
turns it into exit 2), before anything is registered. Booleans are strict (``"no"`` is an
error, not ``True``); values that may be Pulumi outputs are typed :data:`StrInput`.
"""

from __future__ import annotations

import inspect
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, Mapping, Optional

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from aifactory.core.config import field_path, explain_error
from aifactory.core.errors import ComponentArgsError, FactoryError, Problem
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


class Invalid(Exception):
    """A cross-field check of an Args model failed at ``field`` (raised inside its model validators).

    Not a ValueError on purpose: pydantic would locate a ValueError of a model validator at the model
    itself; this one passes through and :class:`ComponentArgs` turns it into a problem at the field.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


_NESTING: ContextVar[int] = ContextVar("aifactory_args_nesting", default=0)
"""How deep the Args construction in progress is: Args nested in Args report through the outer one."""


class ComponentArgs(BaseModel):
    """Base of every component's Args: frozen, unknown fields refused, checked on construction.

    Whatever goes wrong (a wrong type, a value out of range, a cross-field check, an address or a name
    that cannot work) is one :class:`ComponentArgsError` listing every problem, each naming the Args class
    and the field (``HubNetworkArgs: existing.virtual_network_id: ...``). Args given as mappings inside
    other Args report through the outermost one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    def __init__(self, **data: Any) -> None:
        depth = _NESTING.get()
        token = _NESTING.set(depth + 1)
        try:
            super().__init__(**data)
        except ValidationError as error:
            if depth:
                raise  # the outer Args locate it under their own field
            raise args_error(type(self).__name__, error) from None
        except Invalid as problem:
            if depth:
                raise ValueError(f"{problem.field}: {problem.message}") from None
            raise ComponentArgsError(problem.message, file=type(self).__name__, field=problem.field) from None
        except FactoryError as error:  # an address or name check inside a validator, unlocated
            if depth:
                raise ValueError(error.message) from None
            raise ComponentArgsError(problems=[Problem(p.message, type(self).__name__, p.field or "(top level)") for p in error.problems]) from None
        finally:
            _NESTING.reset(token)


def args_error(component: str, error: ValidationError) -> ComponentArgsError:
    problems: dict[str, Problem] = {}
    for item in error.errors(include_url=False):
        where = field_path(tuple(item.get("loc", ())))
        message = explain_error(item)
        inner, sep, rest = message.partition(": ")
        if sep and item.get("type") == "value_error" and inner.replace("_", "").replace(".", "").isalnum() and " " not in inner:
            where, message = (f"{where}.{inner}" if where != "(top level)" else inner), rest
        problems.setdefault(where, Problem(message, component, where))
    return ComponentArgsError(problems=list(problems.values()))


def checked(field: str, check: Callable[[], Any]) -> Any:
    """Run an address or naming check for ``field`` inside a validator; its error becomes a located problem."""
    try:
        return check()
    except FactoryError as error:
        raise Invalid(field, error.message) from None


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
