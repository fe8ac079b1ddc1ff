"""Plain input types shared by the exported components, and how plain inputs become our Args.

Other languages cannot hand us Python objects (`NamingContext`, `ServicePlacement`, `Protection`,
`Grantee`), so each exported component takes serializable inputs described by the `TypedDict` classes below;
the SDK's analyzer turns their annotations and attribute docstrings into the package schema.

This module has no `from __future__ import annotations` on purpose: the analyzer reads the annotations
as objects (`pulumi.Input[str]`, `NotRequired[...]`); postponed annotations would reach it as strings.

The turning of plain inputs into our Args never re-implements a check: it builds our dataclasses and
pydantic Args, whose checks then run exactly as for a Python caller, and only *re-locates* the problems
they report to the input paths a TypeScript, Go, C# or YAML author sees (`naming.prefix`,
`systemPool.minCount`). Every problem is collected first, so one run reports everything wrong, and all
of it is raised before the component registers anything.
"""

import inspect
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar, TypedDict, get_args

import pulumi
from pulumi.provider.experimental.util import camel_case
from typing_extensions import NotRequired

from aifactory.components.base import ComponentArgs, ComponentSettings
from aifactory.components.private_endpoint import EndpointPlacement
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServicePlacement
from aifactory.components.stateful import Protection as ProtectionSpec
from aifactory.core.config import Principal
from aifactory.core.errors import ComponentArgsError, FactoryError, Problem
from aifactory.core.naming import NamingContext, validate_project_name
from aifactory.core.types import check_guid, check_location
from aifactory.provider.package import type_token

T = TypeVar("T")

PRINCIPAL_TYPES: tuple[str, ...] = tuple(get_args(Principal.model_fields["type"].annotation))
"""The principal types a project request may name; grants take the same ones."""


def schema_type(cls: T) -> T:
    """Mark a class as a schema type and give it a tidy description.

    The analyzer takes a type's description from its raw `__doc__`, indentation and all (Python before
    3.13 keeps it); the generated SDKs' docs should read like the text, so the docstring is dedented.
    """
    cls.__doc__ = inspect.cleandoc(cls.__doc__ or "")
    return cls


@schema_type
class Naming(TypedDict):
    """What every Azure name of one environment is derived from (the Python API's `NamingContext`).

    Names are deterministic and known at plan time, so these values are plain (never outputs).
    """

    prefix: str
    """The naming prefix, the second word of every name (`rg-<prefix>-...`): 2-6 lowercase letters and digits, starting with a letter."""
    environment: str
    """The environment: `dev`, `test` or `prod`; the last word of most names."""
    subscription_id: str
    """The subscription the resources go to (GUID): it makes globally unique names unique and names role definitions."""


@schema_type
class Placement(TypedDict):
    """Where a service goes and how it is reached (the Python API's `ServicePlacement` and `EndpointPlacement`)."""

    project: NotRequired[str]
    """The project the service belongs to (3-24 lowercase letters, digits, single hyphens); part of every name. Omit for a platform-level service."""
    location: str
    """The Azure region of the service and its private endpoints, e.g. `swedencentral`."""
    resource_group_name: pulumi.Input[str]
    """The resource group the service goes to (usually the project spoke's `resourceGroupName`)."""
    endpoint_subnet_id: NotRequired[pulumi.Input[str]]
    """The subnet the service's private endpoints go to (the spoke's `pep` subnet, or the hub's endpoint subnet). Required by every component with private endpoints (all but AksCluster)."""
    endpoint_resource_group_name: NotRequired[pulumi.Input[str]]
    """The resource group of the private endpoints; default: `resourceGroupName`."""
    dns_zone_ids: NotRequired[dict[str, pulumi.Input[str]]]
    """Private DNS zone name to zone id (the hub's `dnsZoneIds`); must hold every zone the service's endpoints need. Zone names are plain: they are checked at plan time. Required with `endpointSubnetId`."""
    log_analytics_workspace_id: pulumi.Input[str]
    """The Log Analytics workspace every diagnostic setting sends to."""


@schema_type
class Protection(TypedDict):
    """How a data store is guarded against deletion (production: both on)."""

    protect: NotRequired[bool]
    """Pulumi `protect` on the stateful resources: a destroy or replace is refused. Default: false."""
    delete_lock: NotRequired[bool]
    """An Azure `CanNotDelete` lock on the stateful resources: even a portal or CLI delete is refused. Default: false."""


@schema_type
class RoleGrant(TypedDict):
    """One role of the component's role set for one Entra principal, at the component's own scope.

    This is how the Python API's `grant_*` methods are offered to other languages: the same role, the same
    scope, the same deterministic role-assignment name.
    """

    principal_id: str
    """The principal's Entra object id (GUID). Plain: the role assignment's name is derived from it at plan time."""
    principal_type: str
    """`User`, `Group` or `ServicePrincipal`."""
    role: str
    """One of the roles the component grants (listed in the component's `grants` description)."""


def from_wire(value: Any) -> Any:
    """Inputs as our Args expect them: whole numbers as `int`.

    Numbers cross the wire as doubles, and the SDK's mapper hands integer inputs on as `float`
    (`26.0`); our dataclasses and strict Args want `26`. Fractional values stay floats, so our checks
    still refuse `26.5`. Outputs and other values pass through untouched.
    """
    if type(value) is float and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: from_wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [from_wire(item) for item in value]
    return value


def camel_path(field: str) -> str:
    """`system_pool.min_count` -> `systemPool.minCount`: a Python field path as the schema names it.

    Uses the SDK's own `camel_case`, the function that names the schema's properties, so an error's path
    and the property a consumer typed can never differ.
    """
    if field.startswith("("):  # "(top level)": a cross-field check of the Args as a whole
        return field
    parts = []
    for part in field.split("."):
        name, bracket, rest = part.partition("[")
        parts.append(camel_case(name) + (bracket + rest if bracket else ""))
    return ".".join(parts)


def _root(field: Optional[str]) -> Optional[str]:
    """The input a problem is about: `naming` of `naming.prefix`, `egress` of `egress[0].name`."""
    if not field or field.startswith("("):
        return None
    return camel_path(field.split(".", 1)[0].split("[", 1)[0])


def _join(prefix: Optional[str], field: Optional[str]) -> Optional[str]:
    """A nested problem's path under the input it came from: `existing` + `virtualNetworkId`."""
    if not prefix:
        return field
    if not field or field.startswith("("):
        return prefix
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


class ArgsCheck:
    """Builds one component's Args from plain inputs, collecting every problem, each located.

    `file` is the name of our Args class (`HubNetworkArgs`): a problem reads the same as for a Python
    caller (`HubNetworkArgs: <field>: <message>`), with the field as the consumer's input path.
    """

    def __init__(self, args_class: "type[ComponentArgs] | str") -> None:
        self.file = args_class if isinstance(args_class, str) else args_class.__name__
        self.problems: list[Problem] = []

    def add(self, message: str, field: Optional[str]) -> None:
        """Record a problem found by the exported component's own checks (grants, switches, placement)."""
        self.problems.append(Problem(message, self.file, field))

    def value(self, make: Callable[[], T], field: Optional[str], *, exact: bool = False) -> Optional[T]:
        """`make()`, or None with its problems recorded under `field`.

        `exact` puts every problem at `field` itself (for checks whose own field name means nothing to
        the consumer, like `validate_project_name`'s `name`).
        """
        try:
            return make()
        except FactoryError as error:
            for problem in error.problems:
                inner = None if exact or not problem.field else camel_path(problem.field)
                self.add(problem.message, _join(field, inner))
        except ValueError as error:  # our plain check_* functions
            self.add(str(error), field)
        return None

    def nested(self, model: type[ComponentArgs], values: Optional[Mapping[str, Any]], field: str) -> Any:
        """One nested Args model (`ExistingHubIds`, `NodePool`, ...) built on its own, so its problems are
        located under `field` in the outer Args and the outer Args' other problems are still reported."""
        if values is None:
            return None
        return self.value(lambda: model(**values), field)

    def raise_if_any(self) -> None:
        """Raise every problem so far as one `ComponentArgsError` (duplicates dropped), before anything registers."""
        if self.problems:
            raise ComponentArgsError(problems=tuple(dict.fromkeys(self.problems)))

    def build(self, model: type[ComponentArgs], values: Mapping[str, Any]) -> Any:
        """Our Args from `values`: every problem collected so far, or the Args' own, raised located.

        `values` holds only what the consumer gave (see :func:`given`), so our Args' defaults, the secure
        ones, apply to everything else, exactly as for a Python caller who leaves a field out.
        """
        earlier = {_root(problem.field) for problem in self.problems}
        built = None
        try:
            built = model(**values)
        except FactoryError as error:
            for problem in error.problems:
                root = _root(problem.field)
                if self.problems and (root in earlier or (root and root not in {camel_path(key) for key in values})):
                    continue  # the consequence of a problem already reported (a field that could not be built)
                self.add(problem.message, camel_path(problem.field) if problem.field else None)
        self.raise_if_any()
        return built


def given(**values: Any) -> dict[str, Any]:
    """The values that were given: an input left out is absent, so our Args' default applies."""
    return {key: value for key, value in values.items() if value is not None}


def naming_context(check: ArgsCheck, naming: Naming, field: str = "naming") -> Optional[NamingContext]:
    """Our `NamingContext` (its own checks: prefix pattern, known environment)."""
    return check.value(
        lambda: NamingContext(naming["prefix"], naming["environment"], naming["subscription_id"]), field
    )


def checked_project(check: ArgsCheck, project: Optional[str], field: str) -> Optional[str]:
    """A project name, checked now by the rule every Azure name applies later (so nothing registers first)."""
    if project is None:
        return None
    return check.value(lambda: validate_project_name(project), field, exact=True)


def checked_location(check: ArgsCheck, location: str, field: str) -> Optional[str]:
    """A region name, checked by the `Location` rule our Args apply (placements carry it unchecked)."""
    return check.value(lambda: check_location(location), field)


def service_placement(
    check: ArgsCheck, naming: Optional[NamingContext], placement: Placement, *, endpoints: bool = True
) -> Optional[ServicePlacement]:
    """Our `ServicePlacement` (with its `EndpointPlacement`) from the plain placement.

    `endpoints` says whether the component makes private endpoints: then their subnet and zones are
    required. Without (AKS), the endpoint fields stay unset: None, not a made-up id, so a component that
    started using them would fail loudly (our Args refuse None) instead of placing endpoints nowhere.
    """
    project = checked_project(check, placement.get("project"), "placement.project")
    location = checked_location(check, placement["location"], "placement.location")
    if endpoints:
        for key in ("endpoint_subnet_id", "dns_zone_ids"):
            if placement.get(key) is None:
                check.add("required: the component's private endpoints go there", camel_path(f"placement.{key}"))
    if naming is None or location is None or check.problems:
        return None
    resource_group = placement["resource_group_name"]
    return ServicePlacement(
        naming=naming,
        resource_group_name=resource_group,
        endpoints=EndpointPlacement(
            subnet_id=placement.get("endpoint_subnet_id"),  # type: ignore[arg-type]
            resource_group_name=placement.get("endpoint_resource_group_name", resource_group),
            location=location,
            dns_zone_ids=dict(placement.get("dns_zone_ids") or {}),
        ),
        log_analytics_workspace_id=placement["log_analytics_workspace_id"],
        project=project,
    )


def flag(check: ArgsCheck, value: Any, field: str, default: bool = True) -> bool:
    """A switch of the exported component itself (not of our Args): strictly a boolean, like our Args' flags."""
    if value is None:
        return default
    if not isinstance(value, bool):
        check.add(f"must be true or false, got {value!r}", field)
        return default
    return value


def component_settings(tags: Optional[Mapping[str, str]]) -> ComponentSettings:
    """Our `ComponentSettings`: the tags every resource of the component carries."""
    return ComponentSettings(tags=dict(tags or {}))


def protection(check: ArgsCheck, value: Optional[Protection], field: str = "protection") -> ProtectionSpec:
    """Our `Protection`; its switches strictly booleans (the dataclass itself would take `"yes"` as true)."""
    value = value or {}
    return ProtectionSpec(
        protect=flag(check, value.get("protect"), f"{field}.protect", default=False),
        delete_lock=flag(check, value.get("delete_lock"), f"{field}.deleteLock", default=False),
    )


def role_grants(
    check: ArgsCheck, grants: Optional[Iterable[RoleGrant]], roles: Mapping[str, str], field: str = "grants"
) -> list[tuple[str, Grantee]]:
    """(grant method, grantee) per requested grant, each checked: a known role, a GUID, a principal type,
    no principal given one role twice (the two assignments would have one name)."""
    result: list[tuple[str, Grantee]] = []
    seen: set[tuple[str, str]] = set()
    for index, grant in enumerate(grants or ()):
        where = f"{field}[{index}]"
        role, principal_type = grant.get("role"), grant.get("principal_type")
        method = roles.get(role) if isinstance(role, str) else None
        if method is None:
            check.add(f"unknown role {role!r}; this component grants {', '.join(roles)}", f"{where}.role")
        if principal_type not in PRINCIPAL_TYPES:
            check.add(f"principal type {principal_type!r}: use one of {', '.join(PRINCIPAL_TYPES)}", f"{where}.principalType")
        object_id = check.value(lambda: check_guid(grant.get("principal_id")), f"{where}.principalId")
        if method is None or object_id is None or principal_type not in PRINCIPAL_TYPES:
            continue
        if (object_id, method) in seen:
            check.add(f"principal {object_id} is given role {role!r} twice", where)
            continue
        seen.add((object_id, method))
        result.append((method, Grantee.entra(object_id, principal_type)))
    return result


def apply_grants(component: Any, grants: Iterable[tuple[str, Grantee]]) -> None:
    """Each grant through the component's own `grant_*` method: the Python API's exact role assignment."""
    for method, grantee in grants:
        getattr(component, method)(grantee)


def output(value: Any) -> pulumi.Output[Any]:
    """A plain value, an output, or a mapping of outputs as one output (what the schema's outputs are)."""
    return pulumi.Output.from_input(value)


class ExportedComponent(pulumi.ComponentResource):
    """Base of the exported components: registered as `aifactory:index:<ClassName>`, the token the
    package's schema gives the class, so a construct request's type and the registered type agree.

    It declares no annotations: the analyzer reads every annotated attribute of the class and its bases as
    a schema output.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """The component's description in the schema is its docstring, dedented like a type's (see `schema_type`)."""
        super().__init_subclass__(**kwargs)
        schema_type(cls)

    def __init__(self, name: str, opts: Optional[pulumi.ResourceOptions]) -> None:
        super().__init__(type_token(type(self).__name__), name, None, opts)

    def child_opts(self) -> pulumi.ResourceOptions:
        """Our component goes under the exported one, so it inherits the caller's providers and protection."""
        return pulumi.ResourceOptions(parent=self)

    def publish(self) -> None:
        """Register the outputs under their schema names: every annotated output of the class that is set."""
        self.register_outputs(
            {camel_case(name): getattr(self, name) for name in output_names(type(self)) if getattr(self, name, None) is not None}
        )


def output_names(component: type) -> list[str]:
    """The Python names of a component's outputs, found as the analyzer finds them: the public annotated
    attributes of the class and its bases, Pulumi's own base classes left out."""
    names: list[str] = []
    for cls in reversed(component.__mro__):
        if cls in (object, pulumi.Resource, pulumi.ComponentResource, ExportedComponent):
            continue
        names.extend(name for name in inspect.get_annotations(cls) if not name.startswith("_") and name not in names)
    return names
