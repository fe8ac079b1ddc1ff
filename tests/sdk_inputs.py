"""Validate the inputs registered for an azure-native resource against the installed SDK.

The Pulumi engine sees a resource's inputs as a JSON-like dict with the ARM (camelCase)
property names.  This module checks such a dict against the ``<Resource>Args`` input class
of the installed ``pulumi_azure_native`` Python SDK, recursively through the nested
``...Args`` input types, and reports:

* ``unknown property`` - a key the SDK input type has no property for;
* ``enum``     - a string that is not exactly (case-sensitively) one of the values of the
                 enum(s) in the property's annotation (``Union[str, 'ComputeMode']`` or a
                 strict ``'HostingMode'``), also inside lists and dict values;
* ``required`` - a property that is a non-defaulted parameter of the Args class's
                 ``__init__`` or whose docstring says "Required on create", and is missing
                 (or ``None``);
* ``const``    - a discriminator property documented "Expected value is 'X'." whose value
                 is not ``'X'`` (e.g. ``computeType`` of ``AmlComputeArgs``);
* ``discriminator`` - a value for a union of input types whose discriminator matches none
                 of the members;
* ``type``     - a value of the wrong JSON kind (object/array/string/number/boolean).

Only ``pulumi``, ``pulumi_azure_native`` and the standard library are used.  Everything the
checker learns about a class is cached, so checking is pure dict walking after the first
lookup of each class.
"""

from __future__ import annotations

import ast
import builtins
import collections.abc
import difflib
import enum
import functools
import importlib
import importlib.util
import inspect
import json
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Optional, Union

import pulumi

__all__ = ["check_inputs", "resource_args_class", "args_class_schema"]

_PACKAGE = "pulumi_azure_native"
_TOKEN_PREFIX = "azure-native:"
# Attribute pulumi.getter(name=...) sets on the getter function (pulumi/_types.py).
_PULUMI_NAME = "_pulumi_name"
# Attribute pulumi.input_type sets on the class (pulumi/_types.py).
_PULUMI_INPUT_TYPE = "_pulumi_input_type"
_EXPECTED_VALUE_RE = re.compile(r"Expected value is '([^']*)'")
_REQUIRED_ON_CREATE_RE = re.compile(r"\brequired on create\b", re.IGNORECASE)
_IDENT_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


# --------------------------------------------------------------------------------------
# Type token -> Args class
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _token_registry() -> dict[str, tuple[str, str]]:
    """``{type token: (module fqn, class name)}`` from the SDK's own resource registration.

    ``pulumi_azure_native/__init__.py`` calls ``_utilities.register(resource_modules=<json>)``
    with the authoritative token -> class table; read it without importing every module.
    """
    try:
        spec = importlib.util.find_spec(_PACKAGE)
        if spec is None or not spec.origin:
            return {}
        with open(spec.origin, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ImportError):
        return {}
    table: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "register"):
            continue
        for kw in node.keywords:
            if kw.arg == "resource_modules" and isinstance(kw.value, ast.Constant):
                for mod in json.loads(kw.value.value):
                    for token, cls_name in mod.get("classes", {}).items():
                        table[token] = (mod["fqn"], cls_name)
    return table


@functools.lru_cache(maxsize=None)
def _args_class_or_none(type_token: str) -> Optional[type]:
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != "azure-native":
        return None
    registry = _token_registry()
    if registry:
        entry = registry.get(type_token)
        if entry is None:
            return None
        fqn, cls_name = entry
    else:  # Fallback: the naming convention the registry follows.
        fqn, cls_name = f"{_PACKAGE}.{parts[1].replace('/', '.')}", parts[2]
    try:
        module = importlib.import_module(fqn)
    except ImportError:
        return None
    resource_cls = getattr(module, cls_name, None)
    if not isinstance(resource_cls, type):
        return None
    # The Args class lives next to the resource class.  When a nested input type already
    # has the name "<Resource>Args" (e.g. network VirtualNetworkArgs), the resource's
    # class is "<Resource>InitArgs" instead, so prefer the one defined in that module.
    resource_module = sys.modules.get(resource_cls.__module__, module)
    for candidate in (f"{cls_name}InitArgs", f"{cls_name}Args"):
        cls = getattr(resource_module, candidate, None)
        if (
            isinstance(cls, type)
            and hasattr(cls, _PULUMI_INPUT_TYPE)
            and cls.__module__ == resource_module.__name__
        ):
            return cls
    return None


def resource_args_class(type_token: str) -> type:
    """The SDK input class for a resource type token.

    ``"azure-native:databricks:Workspace"`` -> ``pulumi_azure_native.databricks.WorkspaceArgs``;
    ``"azure-native:network:VirtualNetwork"`` -> ``...network.VirtualNetworkInitArgs`` (the SDK
    renames a resource's Args class when a nested input type already uses that name).
    Raises ``LookupError`` for tokens the installed SDK has no resource for.
    """
    cls = _args_class_or_none(type_token)
    if cls is None:
        raise LookupError(f"no azure-native resource Args class for type token {type_token!r}")
    return cls


# --------------------------------------------------------------------------------------
# Annotation -> normalised type spec
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """What a value of one property may be, with pulumi plumbing (Input/Output/Awaitable,
    TypedDict alternatives, None) removed."""

    any: bool = False
    scalars: frozenset = frozenset()  # subset of {"str", "int", "float", "bool"}
    enums: tuple = ()  # Enum classes
    enum_values: frozenset = frozenset()
    open_enum: bool = False  # Union[str, Enum]: the SDK type also accepts other strings
    literals: tuple = ()  # values of Literal[...] alternatives
    list_of: Optional["_Spec"] = None
    any_list: bool = False
    map_of: Optional["_Spec"] = None
    any_map: bool = False
    objects: tuple = ()  # pulumi input classes
    unresolved: tuple = ()  # forward refs that could not be resolved (treated as Any)

    @property
    def accepts_anything(self) -> bool:
        return self.any or bool(self.unresolved)


_ANY_SPEC = _Spec(any=True)
_UNRESOLVED = object()
_SCALAR_NAMES = {str: "str", int: "int", float: "float", bool: "bool"}


def _eval_namespace(module_name: str) -> dict[str, Any]:
    module = sys.modules.get(module_name)
    ns: dict[str, Any] = {}
    ns.update(vars(typing))
    ns["pulumi"] = pulumi
    ns["_builtins"] = builtins
    if module is not None:
        package = module_name.rpartition(".")[0]
        for extra in ("_enums", "_inputs"):
            sub = sys.modules.get(f"{package}.{extra}")
            if sub is not None:
                ns.update(vars(sub))
        ns.update(vars(module))
    return ns


def _resolve_forward(arg: str, module_name: str) -> Any:
    module = sys.modules.get(module_name)
    if module is not None and arg.isidentifier():
        hit = getattr(module, arg, _UNRESOLVED)
        if hit is not _UNRESOLVED:
            return hit
    try:
        return eval(arg, _eval_namespace(module_name))  # noqa: S307 - SDK annotation text
    except Exception:  # pragma: no cover - defensive
        return _UNRESOLVED


class _Acc:
    def __init__(self) -> None:
        self.any = False
        self.scalars: set[str] = set()
        self.enums: list[type] = []
        self.literals: list[Any] = []
        self.list_items: list[Any] = []
        self.any_list = False
        self.map_values: list[Any] = []
        self.any_map = False
        self.objects: list[type] = []
        self.unresolved: list[str] = []


def _collect(tp: Any, module_name: str, acc: _Acc, depth: int = 0) -> None:
    if depth > 50:  # pragma: no cover - defensive
        acc.any = True
        return
    if tp is None or tp is type(None):
        return
    if isinstance(tp, str):
        tp = typing.ForwardRef(tp)
    if isinstance(tp, typing.ForwardRef):
        arg = tp.__forward_arg__
        if arg.startswith("Output["):  # the "Output[T]" member of pulumi.Input
            return
        resolved = _resolve_forward(arg, module_name)
        if resolved is _UNRESOLVED:
            acc.unresolved.append(arg)
            return
        _collect(resolved, module_name, acc, depth + 1)
        return
    if tp is Any:
        acc.any = True
        return
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        for arg in typing.get_args(tp):
            _collect(arg, module_name, acc, depth + 1)
        return
    if origin in (collections.abc.Awaitable, collections.abc.Coroutine):
        return
    if tp is pulumi.Output or origin is pulumi.Output:
        return
    if origin is Literal:
        acc.literals.extend(typing.get_args(tp))
        return
    if origin in (list, collections.abc.Sequence, collections.abc.MutableSequence, tuple):
        args = typing.get_args(tp)
        if args:
            acc.list_items.append(args[0])
        else:
            acc.any_list = True
        return
    if origin in (dict, collections.abc.Mapping, collections.abc.MutableMapping):
        args = typing.get_args(tp)
        if len(args) == 2:
            acc.map_values.append(args[1])
        else:
            acc.any_map = True
        return
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            acc.enums.append(tp)
        elif tp in _SCALAR_NAMES:
            acc.scalars.add(_SCALAR_NAMES[tp])
        elif hasattr(tp, _PULUMI_INPUT_TYPE):
            acc.objects.append(tp)
        elif typing.is_typeddict(tp):  # the ...ArgsDict alternative duplicates ...Args
            return
        elif tp in (dict,) or issubclass(tp, collections.abc.Mapping):
            acc.any_map = True
        elif tp in (list, tuple) or issubclass(tp, collections.abc.Sequence):
            acc.any_list = True
        elif tp is pulumi.Output or tp is object:
            acc.any = True
        else:
            acc.any = True  # unrecognised class: don't second-guess it
        return
    acc.any = True  # unrecognised typing construct


def _spec_from_annotations(annotations: list[Any], module_name: str) -> _Spec:
    acc = _Acc()
    for ann in annotations:
        _collect(ann, module_name, acc)
    if acc.any:
        return _ANY_SPEC
    enums = tuple(dict.fromkeys(acc.enums))
    enum_values = frozenset(
        m.value for e in enums for m in e  # type: ignore[attr-defined]
    )
    list_of = _spec_from_annotations(acc.list_items, module_name) if acc.list_items else None
    map_of = _spec_from_annotations(acc.map_values, module_name) if acc.map_values else None
    return _Spec(
        scalars=frozenset(acc.scalars),
        enums=enums,
        enum_values=enum_values,
        open_enum=bool(enums) and "str" in acc.scalars,
        literals=tuple(acc.literals),
        list_of=list_of,
        any_list=acc.any_list,
        map_of=map_of,
        any_map=acc.any_map,
        objects=tuple(dict.fromkeys(acc.objects)),
        unresolved=tuple(acc.unresolved),
    )


# --------------------------------------------------------------------------------------
# Args class -> schema
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prop:
    name: str  # camelCase (Pulumi/ARM) name
    python_name: str
    spec: _Spec
    doc: str = ""


@dataclass(frozen=True)
class ClassSchema:
    cls: type
    props: Mapping[str, _Prop]
    required: tuple  # camelCase names
    required_on_create: tuple  # camelCase names (subset of required) from the docstring
    consts: Mapping[str, str] = field(default_factory=dict)  # discriminator name -> value

    @property
    def name(self) -> str:
        return self.cls.__name__


def _getter_properties(cls: type) -> list[tuple[str, str, builtins.property]]:
    """``(python name, pulumi name, property)`` like ``pulumi._types._py_properties``."""
    out: dict[str, tuple[str, str, builtins.property]] = {}
    for base in reversed(cls.__mro__):
        for python_name, value in vars(base).items():
            if isinstance(value, builtins.property) and value.fget is not None:
                pulumi_name = getattr(value.fget, _PULUMI_NAME, None)
                if isinstance(pulumi_name, str):
                    out[python_name] = (python_name, pulumi_name, value)
    return list(out.values())


@functools.lru_cache(maxsize=None)
def args_class_schema(cls: type) -> ClassSchema:
    """Properties (camelCase), required names and discriminator constants of an input class."""
    module_name = cls.__module__
    props: dict[str, _Prop] = {}
    by_python: dict[str, str] = {}
    consts: dict[str, str] = {}
    required_on_create: list[str] = []
    for python_name, pulumi_name, prop in _getter_properties(cls):
        fget = prop.fget
        annotations = getattr(fget, "__annotations__", {}) or {}
        if "return" in annotations:
            spec = _spec_from_annotations([annotations["return"]], module_name)
        else:  # pragma: no cover - every generated getter is annotated
            spec = _ANY_SPEC
        doc = inspect.cleandoc(fget.__doc__ or "")
        props[pulumi_name] = _Prop(pulumi_name, python_name, spec, doc)
        by_python[python_name] = pulumi_name
        match = _EXPECTED_VALUE_RE.search(doc)
        if match:
            consts[pulumi_name] = match.group(1)
        if _REQUIRED_ON_CREATE_RE.search(doc):
            required_on_create.append(pulumi_name)

    required: list[str] = []
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover
        params = []
    for param in params:
        if param.name in ("self", "__self__") or param.kind in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            continue
        if param.default is inspect.Parameter.empty and param.name in by_python:
            required.append(by_python[param.name])
    for name in required_on_create:
        if name not in required:
            required.append(name)
    return ClassSchema(
        cls=cls,
        props=props,
        required=tuple(required),
        required_on_create=tuple(required_on_create),
        consts=consts,
    )


# --------------------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _key(path: str, key: Any) -> str:
    return f"{path}[{json.dumps(key)}]"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _describe(spec: _Spec) -> str:
    parts: list[str] = []
    parts += [o.__name__ for o in spec.objects]
    if spec.enums:
        parts += [e.__name__ for e in spec.enums]
    parts += sorted(spec.scalars - ({"str"} if spec.enums else set()))
    if spec.list_of is not None or spec.any_list:
        parts.append("list")
    if spec.map_of is not None or spec.any_map:
        parts.append("map")
    return " | ".join(parts) or "nothing"


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _check_value(value: Any, spec: _Spec, path: str, out: list[str]) -> None:
    if value is None or spec.accepts_anything:
        return
    value = _plain(value)
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return  # not resolved data; nothing to check
    if isinstance(value, Mapping):
        if spec.objects:
            obj_problems = _check_object_union(value, spec.objects, path)
            if obj_problems and (spec.map_of is not None or spec.any_map):
                map_problems: list[str] = []
                if spec.map_of is not None:
                    for k, v in value.items():
                        _check_value(v, spec.map_of, _key(path, k), map_problems)
                if len(map_problems) < len(obj_problems):
                    obj_problems = map_problems
            out.extend(obj_problems)
        elif spec.map_of is not None:
            if _is_plain_scalar(spec.map_of):
                return  # Mapping[str, str] and the like (tags): not checked further
            for k, v in value.items():
                _check_value(v, spec.map_of, _key(path, k), out)
        elif not spec.any_map:
            out.append(f"{path}: type: expected {_describe(spec)}, got object")
        return
    if isinstance(value, (list, tuple)):
        if spec.list_of is not None:
            for i, item in enumerate(value):
                _check_value(item, spec.list_of, f"{path}[{i}]", out)
        elif not spec.any_list:
            out.append(f"{path}: type: expected {_describe(spec)}, got array")
        return
    if spec.literals and any(_same(value, lit) for lit in spec.literals):
        return
    if isinstance(value, str):
        if spec.enums:
            if value not in spec.enum_values:
                out.append(_enum_problem(value, spec, path))
        elif "str" not in spec.scalars and not spec.literals:
            out.append(f"{path}: type: expected {_describe(spec)}, got string {value!r}")
        elif spec.literals and "str" not in spec.scalars:
            out.append(f"{path}: const: {value!r} is not one of {list(spec.literals)!r}")
        return
    if isinstance(value, bool):
        if "bool" not in spec.scalars:
            out.append(f"{path}: type: expected {_describe(spec)}, got boolean {value!r}")
        return
    if isinstance(value, (int, float)):
        ok = "float" in spec.scalars or (
            "int" in spec.scalars and (isinstance(value, int) or float(value).is_integer())
        )
        if not ok:
            out.append(f"{path}: type: expected {_describe(spec)}, got number {value!r}")
        return
    # Any other Python object: not JSON-like data, leave it alone.


def _is_plain_scalar(spec: _Spec) -> bool:
    return not (
        spec.enums
        or spec.literals
        or spec.objects
        or spec.list_of is not None
        or spec.map_of is not None
    )


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _enum_problem(value: str, spec: _Spec, path: str) -> str:
    allowed = sorted(spec.enum_values)
    names = "/".join(e.__name__ for e in spec.enums)
    hint = ""
    folded = [v for v in allowed if v.lower() == value.lower()]
    if folded:
        hint = f"; did you mean {folded[0]!r}?"
    kind = "open enum, SDK type also accepts str" if spec.open_enum else "strict enum"
    return f"{path}: enum: {value!r} is not one of {allowed!r} ({names}, {kind}){hint}"


def _check_object(value: Mapping[str, Any], cls: type, path: str, out: list[str]) -> None:
    schema = args_class_schema(cls)
    props = schema.props
    for key, item in value.items():
        prop = props.get(key)
        sub = _join(path, str(key))
        if prop is None:
            hint = ""
            close = difflib.get_close_matches(str(key), list(props), n=1, cutoff=0.75)
            if close:
                hint = f"; did you mean {close[0]!r}?"
            out.append(f"{sub}: unknown property ({schema.name} has no {key!r}){hint}")
            continue
        if item is None:
            continue
        expected = schema.consts.get(key)
        if expected is not None:
            if _plain(item) != expected:
                out.append(f"{sub}: const: expected {expected!r} ({schema.name}), got {item!r}")
            continue
        _check_value(item, prop.spec, sub, out)
    for name in schema.required:
        if value.get(name) is None:
            why = (
                "docstring says 'Required on create'"
                if name in schema.required_on_create
                else "non-optional in SDK"
            )
            out.append(f"{_join(path, name)}: required: missing ({schema.name}, {why})")


def _check_object_union(value: Mapping[str, Any], classes: tuple, path: str) -> list[str]:
    if len(classes) == 1:
        out: list[str] = []
        _check_object(value, classes[0], path, out)
        return out
    schemas = [args_class_schema(c) for c in classes]
    matching = [
        s.cls
        for s in schemas
        if s.consts and all(_plain(value.get(k)) == v for k, v in s.consts.items())
    ]
    candidates = matching or list(classes)
    if not matching:
        # All members discriminated by the same field: say so instead of guessing.
        fields = [set(s.consts) for s in schemas]
        common = set.intersection(*fields) if fields and all(fields) else set()
        for fld in sorted(common):
            options = sorted({s.consts[fld] for s in schemas})
            got = value.get(fld)
            if got is None:
                return [
                    f"{_join(path, fld)}: required: missing discriminator "
                    f"(one of {options!r})"
                ]
            return [
                f"{_join(path, fld)}: discriminator: {_plain(got)!r} is not one of {options!r}"
            ]
    best: Optional[list[str]] = None
    for cls in candidates:
        problems: list[str] = []
        _check_object(value, cls, path, problems)
        if best is None or len(problems) < len(best):
            best = problems
        if not problems:
            break
    return best or []


def check_inputs(type_token: str, inputs: Mapping[str, Any]) -> list[str]:
    """Problems with ``inputs`` (camelCase, resolved plain data) for resource ``type_token``.

    Each problem is one line ``"<property path>: <category>: <detail>"`` where category is
    ``unknown property``, ``enum``, ``required``, ``const``, ``discriminator`` or ``type``,
    and the path looks like ``parameters.enableNoPublicIp.value`` or
    ``subnets[0].addressPrefix``.  Tokens outside azure-native (providers, random, ...)
    give ``[]``; an azure-native token the installed SDK has no resource for gives one
    problem.
    """
    if not type_token.startswith(_TOKEN_PREFIX):
        return []
    cls = _args_class_or_none(type_token)
    if cls is None:
        return [f"{type_token}: unknown azure-native resource type for the installed SDK"]
    out: list[str] = []
    if not isinstance(inputs, Mapping):
        return [f": type: expected object for {type_token}, got {_kind(inputs)}"]
    _check_object(inputs, cls, "", out)
    return out
