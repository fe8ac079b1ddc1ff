"""JSON Schemas (draft 2020-12) for the two files people edit by hand: project requests and stack files.

Why: a misspelt key (``costCentre``), a service the type does not have, or a wrong environment name is
otherwise found only when ``aifactory plan`` runs. With these schemas a YAML editor (VS Code's YAML
extension, or any editor running yaml-language-server) flags it as it is typed, completes keys and
values, and shows each field's documentation on hover.

The schemas are *generated* from the pydantic models that validate the files
(:class:`~aifactory.core.config.ProjectRequest`, :class:`~aifactory.core.config.EnvironmentSettings`
and each catalog service's settings model), never written by hand, so they cannot say something the
models do not; a test compares the committed files in ``schemas/`` with a fresh generation. What the
models keep as raw mappings because the catalog is unknown at that layer (``services``) is typed here
per service from the catalog, so a plug-in's services appear in a schema generated where the plug-in
is installed.

A schema is an editor aid, not the authority: what needs the whole factory (address overlaps, free
blocks, name collisions, pools, limits, policies) is checked only by ``aifactory plan``.

Pure module: no Pulumi.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
import sys
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from aifactory.core.addressing import MIN_SUBNET_PREFIX, MIN_VNET_PREFIX
from aifactory.core.config import CONFIG_NAMESPACE, EnvironmentSettings, ProjectEnvironment, ProjectRequest
from aifactory.core.naming import (
    ENVIRONMENTS,
    PREFIX_PATTERN,
    PROJECT_NAME_MAX,
    PROJECT_NAME_MIN,
    PROJECT_NAME_PATTERN,
    RESERVED_PROJECT_NAMES,
)
from aifactory.core.spec import Catalog, Inclusion, ServiceSpec
from aifactory.core.types import (
    ARM_ID_PATTERN,
    AZURE_NAME_PATTERN,
    EMAIL_PATTERN,
    GUID_PATTERN,
    LOCATION_PATTERN,
    check_azure_name,
    check_cidr,
    check_email,
    check_guid,
    check_ipv4,
    check_location,
    check_resource_id,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
PROJECT_SCHEMA_FILE = "project.schema.json"
STACK_SCHEMA_FILE = "stack.schema.json"
MODELINE = "# yaml-language-server: $schema=../schemas/project.schema.json"
"""The first line of a shipped request in ``projects/``: tells yaml-language-server which schema applies."""

GENERATED_NOTE = "Generated from aifactory's configuration models by `aifactory schema {kind}`; do not edit by hand."

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_PREFIXES = "|".join(str(length) for length in range(MIN_VNET_PREFIX, MIN_SUBNET_PREFIX + 1))
CIDR_PATTERN = rf"^({_OCTET}\.){{3}}{_OCTET}/({_PREFIXES})$"
"""An IPv4 block with a prefix the factory accepts; alignment (``10.64.0.1/24``) is checked by aifactory only."""

_CHECK_KEYWORDS: Mapping[Callable[..., Any], Mapping[str, Any]] = {
    check_guid: {"pattern": GUID_PATTERN.pattern},
    check_cidr: {"pattern": CIDR_PATTERN},
    check_ipv4: {"format": "ipv4"},
    check_location: {"pattern": LOCATION_PATTERN.pattern},
    check_email: {"pattern": EMAIL_PATTERN.pattern, "maxLength": 254},
    check_resource_id: {"pattern": ARM_ID_PATTERN.pattern},
    check_azure_name: {"pattern": AZURE_NAME_PATTERN.pattern},
}
"""The shared validated types (:mod:`aifactory.core.types`) check in Python functions, which pydantic
cannot put in a schema; these are the same rules as JSON Schema keywords, so an editor flags a bad GUID."""


# --- field documentation ------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _own_attribute_docstrings(cls: type) -> Mapping[str, str]:
    """The string literals written right under a class's annotated attributes (as pydantic reads them).

    The models document their fields with attribute docstrings, which pydantic puts in the schema only
    with ``use_attribute_docstrings=True``; the models do not set it, so they are read here the same way.
    A class whose source is not available (built dynamically, or shipped without sources) has none.
    """
    try:
        source = textwrap.dedent(inspect.getsource(cls))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return {}
    definition = next((node for node in tree.body if isinstance(node, ast.ClassDef)), None)
    if definition is None:
        return {}
    docs: dict[str, str] = {}
    for statement, following in zip(definition.body, definition.body[1:]):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs


def field_docstrings(model: type[BaseModel]) -> dict[str, str]:
    """Field name -> its documentation: ``Field(description=...)`` or its attribute docstring (MRO-wide)."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls is not BaseModel:
            docs.update(_own_attribute_docstrings(cls))
    for name, info in model.model_fields.items():
        if info.description:
            docs[name] = info.description
    return {name: doc for name, doc in docs.items() if name in model.model_fields}


def _plain(text: str) -> str:
    """A docstring as an editor's hover shows it well: source line wraps joined (paragraphs kept), and
    reStructuredText literals (````x````) as Markdown ones (```x```)."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in paragraph.splitlines()) for paragraph in paragraphs).replace("``", "`")


class _Generator(GenerateJsonSchema):
    """pydantic's generator with what an editor needs: field docs, the shared types' rules, no noise titles."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        """No per-field titles: pydantic derives them from aliases (``costCenter`` -> "Costcenter"), which
        editors would show as the heading of every hover; the key and its description say more."""
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        model = schema["cls"]
        if "description" in json_schema:
            json_schema["description"] = _plain(json_schema["description"])
        properties = json_schema.get("properties")
        if isinstance(properties, dict) and isinstance(model, type) and issubclass(model, BaseModel):
            for name, doc in field_docstrings(model).items():
                info = model.model_fields[name]
                keys = [key for key in (info.validation_alias, info.alias, name) if isinstance(key, str)]
                key = next((k for k in keys if k in properties), None)
                if key is not None:
                    properties[key]["description"] = _plain(doc)
        return json_schema

    def function_after_schema(self, schema: core_schema.AfterValidatorFunctionSchema) -> JsonSchemaValue:
        json_schema = super().function_after_schema(schema)
        function = schema.get("function", {}).get("function")
        keywords = _CHECK_KEYWORDS.get(function) if callable(function) else None
        if keywords and json_schema.get("type") == "string":
            for keyword, value in keywords.items():
                json_schema.setdefault(keyword, value)
        return json_schema


# --- building blocks ----------------------------------------------------------------------------


def _unique(models: Iterable[type[BaseModel]]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    for model in models:
        if model not in seen:
            seen.append(model)
    return seen


def _definitions(
    root: type[BaseModel], catalog: Catalog, *also: type[BaseModel]
) -> tuple[dict[type[BaseModel], str], dict[str, Any]]:
    """One generation for the root model and every service's settings model: shared, collision-free ``$defs``.

    Generating them together is what lets a plug-in's ``Budget`` settings model and the request's own
    ``Budget`` both exist (pydantic qualifies the clashing names). Returns model -> its ``$ref`` (for the
    root, ``also`` and the settings models) and the defs.
    """
    models = _unique([root, *also, *(catalog.services[key].settings for key in sorted(catalog.services))])
    refs, bundle = models_json_schema(
        [(model, "validation") for model in models], by_alias=True, schema_generator=_Generator
    )
    return {model: refs[(model, "validation")]["$ref"] for model in models}, dict(bundle.get("$defs", {}))


def _def_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _hoist(definitions: dict[str, Any], ref: str) -> dict[str, Any]:
    """The root model's definition as the document itself (easier to read than a bare ``$ref``)."""
    name = _def_name(ref)
    rest = {key: value for key, value in definitions.items() if key != name}
    if f'"{ref}"' in json.dumps(rest):
        raise AssertionError(f"{name} refers to itself; the schema cannot make it the document")
    root = copy.deepcopy(definitions[name])
    if rest:
        root["$defs"] = rest
    return root


def _format_defaults(defaults: Mapping[str, Mapping[str, Any]]) -> str:
    parts = [f"{env}: {json.dumps(dict(defaults[env]), sort_keys=True)}" for env in ENVIRONMENTS if defaults.get(env)]
    return f" Catalog defaults per environment: {'; '.join(parts)}." if parts else ""


def _service_description(spec: ServiceSpec, catalog: Catalog) -> str:
    """What a service is, which types include it and how, and its per-environment defaults: shown on hover."""
    inclusions = [
        f"{name} ({kind.services[spec.key].value})" for name, kind in sorted(catalog.types.items()) if spec.key in kind.services
    ]
    included = f" In project types: {', '.join(inclusions)}." if inclusions else " In no project type of this catalog."
    return f"{spec.title}. {spec.summary.rstrip('.')}.{included}{_format_defaults(spec.defaults)}"


def _services_object(catalog: Catalog, refs: Mapping[type[BaseModel], str], *, switch: bool, description: str) -> dict[str, Any]:
    """``services``: one property per catalog service, typed by its settings model; nothing else allowed.

    With ``switch`` (a request's environment), a service's value may also be ``true``/``false``.
    """
    properties: dict[str, Any] = {}
    for key in sorted(catalog.services):
        spec = catalog.services[key]
        settings: dict[str, Any] = {"$ref": refs[spec.settings]}
        if switch:
            toggle = {"type": "boolean", "description": "true: build this optional service here; false: leave this default service out."}
            properties[key] = {"anyOf": [toggle, settings], "description": _service_description(spec, catalog)}
        else:
            properties[key] = {**settings, "description": _service_description(spec, catalog)}
    return {"type": "object", "description": description, "properties": properties, "additionalProperties": False}


def _type_rules(catalog: Catalog) -> list[dict[str, Any]]:
    """Per project type: only its services may be set or switched, and its required ones never switched off.

    These are the rules assembly applies (``check_request_services``, ``ProjectTypeSpec.resolve_services``),
    as ``if type is X then ...`` so an editor flags ``foundry`` in an ``esml`` request.
    """
    rules: list[dict[str, Any]] = []
    for name in sorted(catalog.types):
        kind = catalog.types[name]
        own = sorted(kind.services)
        required = sorted(key for key, inclusion in kind.services.items() if inclusion is Inclusion.REQUIRED)
        switches: dict[str, Any] = {"propertyNames": {"enum": own}}
        if required:
            switches["properties"] = {key: {"not": {"const": False}} for key in required}
        rules.append(
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {
                    "properties": {
                        "services": {"propertyNames": {"enum": own}},
                        "environments": {"additionalProperties": {"properties": {"services": switches}}},
                    }
                },
            }
        )
    return rules


def _documented(schema: dict[str, Any], kind: str, summary: str) -> dict[str, Any]:
    """The document's description: what file it is for, and that it is generated (so nobody edits it)."""
    schema["description"] = f"{summary}\n\n{GENERATED_NOTE.format(kind=kind)}"
    return schema


# --- the schemas --------------------------------------------------------------------------------


def project_schema(catalog: Catalog) -> dict[str, Any]:
    """The JSON Schema of a project request (``projects/*.yaml``) for this catalog's services and types."""
    refs, definitions = _definitions(ProjectRequest, catalog, ProjectEnvironment)
    environment_def = definitions[_def_name(refs[ProjectEnvironment])]
    environment_def["properties"]["services"] = _services_object(
        catalog, refs, switch=True, description=environment_def["properties"]["services"].get("description", "")
    )
    schema = _hoist(definitions, refs[ProjectRequest])
    properties = schema["properties"]

    types = sorted(catalog.types)
    properties["type"] = {
        "type": "string",
        "enum": types,
        "enumDescriptions": [catalog.types[name].description for name in types],
        "description": "The project type: its spoke template and services. "
        + "; ".join(f"{name}: {catalog.types[name].description}" for name in types),
    }
    properties["name"].update(
        {
            "pattern": PROJECT_NAME_PATTERN.pattern,
            "minLength": PROJECT_NAME_MIN,
            "maxLength": PROJECT_NAME_MAX,
            "not": {"enum": sorted(RESERVED_PROJECT_NAMES)},
        }
    )
    properties["name"].setdefault(
        "description",
        f"The project's name, part of every Azure name it gets: {PROJECT_NAME_MIN}-{PROJECT_NAME_MAX} lowercase "
        f"letters, digits and single hyphens, starting with a letter; never {', '.join(sorted(RESERVED_PROJECT_NAMES))}.",
    )
    properties["services"] = _services_object(
        catalog, refs, switch=False, description=properties["services"].get("description", "")
    )
    environments = properties["environments"]
    environment_ref = environments["additionalProperties"]
    properties["environments"] = {
        "type": "object",
        "description": environments.get("description", "The project's settings per environment it is in."),
        "minProperties": 1,
        "properties": {env: copy.deepcopy(environment_ref) for env in ENVIRONMENTS},
        "additionalProperties": False,
    }
    schema["allOf"] = _type_rules(catalog)
    schema["$schema"] = DIALECT
    schema["title"] = "aifactory project request"
    return _documented(schema, "project", _plain(ProjectRequest.__doc__ or "A project request."))


_CONFIG_STRING_FORMS: Mapping[str, dict[str, Any]] = {
    "integer": {"type": "string", "pattern": r"^\s*-?[0-9]+\s*$"},
    "number": {"type": "string", "pattern": r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"},
    "boolean": {"type": "string", "enum": ["true", "false"]},
}
"""``pulumi config set aifactory:defaultSpokeSize 24`` writes ``"24"`` (a string) to the stack file and
aifactory accepts it; the schema must not flag what Pulumi itself writes."""


def _also_as_string(schema: dict[str, Any]) -> dict[str, Any]:
    """A top-level scalar setting, also accepted in the string form ``pulumi config set`` writes."""
    string_form = _CONFIG_STRING_FORMS.get(schema.get("type", ""))
    if string_form is None:
        return schema
    annotations: dict[str, Any] = {key: schema[key] for key in ("description", "default") if key in schema}
    value = {key: item for key, item in schema.items() if key not in annotations}
    return {"anyOf": [value, dict(string_form)], **annotations}


OTHER_NAMESPACE_PATTERN = rf"^(?!{CONFIG_NAMESPACE}:)[^:\s]+:.+$"
"""``azure-native:location``, ``pulumi:tags``: other namespaces' settings, any value (strings, ``secure:``
mappings, structured values); only ``aifactory:`` keys are checked. A key without a namespace is flagged:
Pulumi would read it as ``aifactory:<key>`` but aifactory's offline tools would not."""


def stack_schema(catalog: Catalog) -> dict[str, Any]:
    """The JSON Schema of a stack file (``Pulumi.<stack>.yaml``): its ``aifactory:`` settings typed."""
    refs, definitions = _definitions(EnvironmentSettings, catalog)
    hoisted = _hoist(definitions, refs[EnvironmentSettings])
    definitions = hoisted.pop("$defs", {})
    settings = hoisted

    properties: dict[str, Any] = {}
    for key, value in settings["properties"].items():
        properties[f"{CONFIG_NAMESPACE}:{key}"] = _also_as_string(value)
    properties[f"{CONFIG_NAMESPACE}:services"] = _services_object(
        catalog, refs, switch=False, description=settings["properties"]["services"].get("description", "")
    )
    properties[f"{CONFIG_NAMESPACE}:prefix"].update({"pattern": PREFIX_PATTERN.pattern})
    properties[f"{CONFIG_NAMESPACE}:prefix"].setdefault(
        "description", "The naming prefix of every resource: 2-6 lowercase letters and digits, starting with a letter."
    )
    config = {
        "type": "object",
        "description": _plain(settings.get("description", "")) + " Other namespaces (azure-native:, pulumi:) are not checked.",
        "properties": properties,
        "patternProperties": {
            OTHER_NAMESPACE_PATTERN: {"description": "Another namespace's setting (a provider's): not checked by aifactory."}
        },
        "additionalProperties": False,
        "required": [f"{CONFIG_NAMESPACE}:{key}" for key in settings.get("required", [])],
    }
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "title": "aifactory stack file",
        "type": "object",
        "properties": {
            "config": config,
            "secretsprovider": {"type": "string", "description": "Pulumi: the stack's secrets provider."},
            "encryptedkey": {"type": "string", "description": "Pulumi: the stack's encrypted data key."},
            "encryptionsalt": {"type": "string", "description": "Pulumi: the passphrase provider's salt."},
        },
        "required": ["config"],
    }
    if definitions:
        schema["$defs"] = definitions
    return _documented(schema, "stack", "A Pulumi stack file (Pulumi.<stack>.yaml) of the AI factory: one environment.")


# --- output -------------------------------------------------------------------------------------


def render_schema(schema: Mapping[str, Any]) -> str:
    """The canonical text of a schema: sorted keys, two-space indent, one final newline.

    Sorted so that the committed files change only when the models do (not when a dict's order does).
    """
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path, catalog: Catalog) -> list[Path]:
    """Write ``project.schema.json`` and ``stack.schema.json`` into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, schema in ((PROJECT_SCHEMA_FILE, project_schema(catalog)), (STACK_SCHEMA_FILE, stack_schema(catalog))):
        path = directory / name
        path.write_text(render_schema(schema), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m aifactory.tools.schema [DIR]``: write both schemas for the built-in catalog (default ``schemas``).

    The built-in catalog, not ``load_catalog()``: the committed files must not depend on which plug-ins
    happen to be installed where they are regenerated.
    """
    from aifactory.services import builtin_catalog

    arguments = list(sys.argv[1:] if argv is None else argv)
    directory = Path(arguments[0]) if arguments else Path("schemas")
    for path in write_schemas(directory, builtin_catalog()):
        print(path)
    return 0


__all__ = [
    "DIALECT",
    "MODELINE",
    "PROJECT_SCHEMA_FILE",
    "STACK_SCHEMA_FILE",
    "field_docstrings",
    "project_schema",
    "render_schema",
    "stack_schema",
    "write_schemas",
]

if __name__ == "__main__":
    raise SystemExit(main())
