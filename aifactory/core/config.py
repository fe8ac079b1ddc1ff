"""Typed configuration: environment settings from the stack file, project requests from YAML.

Everything is pydantic v2 with unknown keys forbidden, built from the validated types of
:mod:`aifactory.core.types`. Every error becomes a :class:`~aifactory.core.errors.ConfigError`
holding *every* problem of the input, each naming the file and the field. Service settings are
kept as raw mappings here and validated at assembly by each service's own settings model (the
catalog is not known at this layer). No Pulumi imports: the program reads ``pulumi.Config`` and
hands the raw values to this module.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from aifactory.core.errors import ConfigError, NamingError, Problem, Problems
from aifactory.core.naming import ENVIRONMENTS, validate_prefix, validate_project_name
from aifactory.core.types import Cidr, Email, Flag, Guid, IPv4, Location, Percent, TypeName, check_resource_id
from aifactory.core.yamlio import read_yaml_file

CONFIG_NAMESPACE = "aifactory"
MAX_FILE_BYTES = 256 * 1024
MAX_BUDGET = 10_000_000
REQUEST_SUFFIXES = (".yaml", ".yml")
IGNORED_SUFFIXES = (".md",)
"""Files of ``projects/`` that are documentation, not requests (hidden files are ignored too)."""

Environment = Literal["dev", "test", "prod"]
StorageSku = Literal["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"]
"""The storage redundancy SKUs the factory accepts, everywhere (profile, lake, service storage)."""

MOVED_KEYS: Mapping[str, str] = {
    "modelDeployments": "model deployments moved to services.<service>.deployments (foundry or aiservices); see docs/project-requests.md",
    "eventHubs": "event hubs moved to services.eventhubs.hubs; see docs/project-requests.md",
    "keepLegacyAliases": "removed: the factory registers resources without azure-native's legacy aliases (see docs/architecture.md)",
    "amlMaxNodes": "moved to aifactory:services.aml.maxNodes",
    "aksSystemMinNodes": "moved to aifactory:services.aks.systemMinNodes",
    "aksUserMaxNodes": "moved to aifactory:services.aks.userMaxNodes",
    "searchSku": "moved to aifactory:services.search.sku",
    "searchReplicas": "moved to aifactory:services.search.replicas",
    "eventHubsCapacity": "moved to aifactory:services.eventhubs.capacity",
}
"""Keys of an earlier format, with what replaced them: unknown, but explained."""

ServiceValues = dict[str, Any]
"""One service's raw settings (validated at assembly by the service's settings model)."""


class StrictModel(BaseModel):
    """Unknown keys are errors; fields are camelCase in files, snake_case in code."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        str_strip_whitespace=True,
    )


class Principal(StrictModel):
    """An Entra ID user, group or service principal, by object id."""

    object_id: Guid
    type: Literal["User", "Group", "ServicePrincipal"]
    email: Email | None = None
    """Where budget and operational alerts go (owners)."""


class Budget(StrictModel):
    """A monthly cost budget with actual and forecast alert thresholds (percent)."""

    monthly_amount: float = Field(gt=0, le=MAX_BUDGET)
    actual_thresholds: tuple[Percent, ...] = (50, 80, 100)
    forecast_thresholds: tuple[Percent, ...] = (100,)
    contact_emails: tuple[Email, ...] = ()

    @field_validator("actual_thresholds", "forecast_thresholds")
    @classmethod
    def _sorted(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(set(value)))


class ProjectEnvironment(StrictModel):
    """A project's settings in one environment."""

    cidr: Cidr | None = None
    """The spoke, recorded once by ``aifactory onboard`` and never moved."""
    subscription: Guid | None = None
    """The subscription the project's resources live in, recorded once by ``aifactory onboard``."""
    services: dict[str, Flag | ServiceValues] = Field(default_factory=dict)
    """Per service: ``false``/``true`` switches an optional service; a mapping overrides its settings here."""
    retiring: Flag = False
    """Set by ``aifactory offboard``: nothing of the project is built, its block stays reserved until released."""


class ProjectRequest(StrictModel):
    """One project request file in ``projects/``."""

    name: str
    type: TypeName
    cost_center: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$")
    description: str | None = Field(default=None, max_length=500)
    owners: tuple[Principal, ...] = Field(min_length=1, max_length=50)
    members: tuple[Principal, ...] = Field(default=(), max_length=200)
    readers: tuple[Principal, ...] = Field(default=(), max_length=200)
    budget: Budget | None = None
    services: dict[str, ServiceValues] = Field(default_factory=dict)
    """Settings of the type's services for every environment, e.g. ``foundry: {deployments: [...]}``."""
    environments: dict[Environment, ProjectEnvironment] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        try:
            return validate_project_name(value)
        except NamingError as error:
            raise ValueError(error.message) from None

    @model_validator(mode="after")
    def _principals_distinct(self) -> "ProjectRequest":
        seen: dict[str, str] = {}
        for role, principals in (("owners", self.owners), ("members", self.members), ("readers", self.readers)):
            for principal in principals:
                if principal.object_id in seen:
                    raise ValueError(
                        f"principal {principal.object_id} is listed in both {seen[principal.object_id]} and {role}; "
                        "give each principal one persona"
                    )
                seen[principal.object_id] = role
        return self

    def principals(self) -> tuple[Principal, ...]:
        return (*self.owners, *self.members, *self.readers)


class ExistingHub(StrictModel):
    """Bring your own hub: the ids of a hub VNet and its private DNS zones."""

    virtual_network_id: str
    private_dns_zone_ids: dict[str, str] = Field(default_factory=dict)
    """Zone name -> zone resource id. Zones the factory needs and that are missing here are an error."""
    endpoint_subnet_id: str
    """Subnet for the shared platform's private endpoints (lake, registry)."""
    firewall_private_ip: IPv4 | None = None

    @field_validator("endpoint_subnet_id")
    @classmethod
    def _subnet_id(cls, value: str) -> str:
        return check_resource_id(value, segment="subnets")

    @field_validator("virtual_network_id")
    @classmethod
    def _vnet_id(cls, value: str) -> str:
        return check_resource_id(value, segment="virtualNetworks")

    @field_validator("private_dns_zone_ids")
    @classmethod
    def _zone_ids(cls, value: dict[str, str]) -> dict[str, str]:
        for zone, zone_id in value.items():
            try:
                check_resource_id(zone_id, segment="privateDnsZones")
            except ValueError as error:
                raise ValueError(f"zone {zone!r}: {error}") from None
        return value


class HubSettings(StrictModel):
    """The hub: a range to create it in, or an existing hub to adopt."""

    cidr: Cidr | None = None
    existing: ExistingHub | None = None
    firewall: Flag = False
    bastion: Flag = False

    @model_validator(mode="after")
    def _cidr_or_existing(self) -> "HubSettings":
        if self.cidr is None and self.existing is None:
            raise ValueError("give the hub a cidr to create it, or existing ids to adopt one")
        if self.existing is not None and (self.firewall or self.bastion):
            raise ValueError("firewall and bastion are created only with a new hub, not with an existing one")
        return self


class ProfileOverrides(StrictModel):
    """Overrides of the environment profile's defaults (see docs/environments.md)."""

    protect_stateful: Flag | None = None
    delete_locks: Flag | None = None
    storage_sku: StorageSku | None = None
    zone_redundant: Flag | None = None
    soft_delete_days: int | None = Field(default=None, ge=1, le=365)
    vault_soft_delete_days: int | None = Field(default=None, ge=7, le=90)
    log_retention_days: int | None = Field(default=None, ge=30, le=730)

    def given(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump().items() if value is not None}


class InsecureSettings(StrictModel):
    """Named insecure options: allowed in dev and test (reported by the policies), refused in prod."""

    public_network_access: Flag = False


SCOPE_PATTERN = r"^(all|platform|project:[a-z][a-z0-9-]{2,23})$"


class EnvironmentSettings(StrictModel):
    """The ``aifactory:`` settings of one stack (one environment)."""

    environment: Environment
    location: Location
    subscription_id: Guid
    tenant_id: Guid | None = None
    address_pool: Cidr
    agent_address_pool: Cidr | None = None
    """Where spokes of projects with the Foundry Agent Service come from: a range inside 172.16.0.0/12 or
    192.168.0.0/16 (the agent subnet cannot be in 10.0.0.0/8)."""
    project_subscriptions: tuple[Guid, ...] = ()
    """Subscriptions available to projects; empty: projects live in ``subscriptionId`` with the platform."""
    hub: HubSettings
    default_spoke_size: int = Field(default=24, ge=16, le=26)
    prefix: str
    tags: dict[str, str] = Field(default_factory=dict, max_length=40)
    projects_dir: str = "projects"
    profile: ProfileOverrides = Field(default_factory=ProfileOverrides)
    insecure: InsecureSettings = Field(default_factory=InsecureSettings)
    services: dict[str, ServiceValues] = Field(default_factory=dict)
    """Environment-wide settings of services (e.g. ``search: {sku: standard}``), over the catalog's defaults."""
    scope: str = Field(default="all", pattern=SCOPE_PATTERN)
    """What this stack deploys: all (default), platform, or project:<name>."""
    platform_stack: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_./-]{1,200}$")
    """For a project slice: the platform stack to read (default ``<environment>-platform``)."""
    platform_budget: Budget | None = None
    ml_registry: Flag = False
    """Create an Azure ML registry in this environment's platform (models promote across environments)."""

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        try:
            return validate_prefix(value)
        except NamingError as error:
            raise ValueError(error.message) from None

    @field_validator("project_subscriptions")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each subscription is listed once")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, tag in value.items():
            if not 1 <= len(key) <= 512 or any(c in key for c in "<>%&\\?/"):
                raise ValueError(f"tag name {key!r} must be 1-512 characters without < > % & \\ ? /")
            if len(tag) > 256:
                raise ValueError(f"tag {key!r}: values are at most 256 characters")
        return value

    @field_validator("projects_dir")
    @classmethod
    def _projects_dir(cls, value: str) -> str:
        if not value or "\x00" in value:
            raise ValueError("projectsDir must be a directory path")
        return value

    def all_subscriptions(self) -> tuple[str, ...]:
        """Every subscription this environment uses: the platform's, then the projects'."""
        return (self.subscription_id, *(s for s in self.project_subscriptions if s != self.subscription_id))


# --- turning pydantic errors into located problems ----------------------------------------


UNION_BRANCH = re.compile(
    r"^(bool|str|int|float|none|list|dict|tuple|set|"
    r"(function-(after|before|wrap|plain)|dict|list|tuple|set|union|nullable|constrained-\w+|json-or-python|lax-or-strict)\[.*\])$"
)
"""How pydantic names the branch of a union (or a validator) in an error's location: not a key of the input."""


def field_path(loc: tuple[Any, ...], prefix: str | None = None) -> str:
    """``('owners', 0, 'objectId')`` -> ``owners[0].objectId`` (pydantic's union branches left out)."""
    parts: list[str] = [prefix] if prefix else []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        elif item == "[key]" or (isinstance(item, str) and UNION_BRANCH.fullmatch(item)):
            continue
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def explain_error(error: Mapping[str, Any]) -> str:
    """A readable message for one pydantic error (unknown keys explained, moved keys pointed to)."""
    kind = error.get("type", "")
    loc = error.get("loc", ())
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        return MOVED_KEYS.get(key, "unknown key; check its spelling against the documented format")
    if kind == "missing":
        return "required field is missing"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def validation_problems(error: ValidationError, *, file: str | None, field_prefix: str | None = None) -> list[Problem]:
    """Every problem pydantic found, each located (one per field; union branches merged).

    A tuple's "too short" that only echoes a bad item below it (pydantic counts the items that
    validated) is left out: the bad item is the problem.
    """
    errors = error.errors(include_url=False)
    located = [(field_path(tuple(item.get("loc", ())), field_prefix), item) for item in errors]
    problems: dict[str, Problem] = {}
    for field, item in located:
        if item.get("type") == "too_short" and any(
            other != field and other.startswith((f"{field}[", f"{field}.")) for other, _ in located
        ):
            continue
        problems.setdefault(field, Problem(explain_error(item), file, field))
    return list(problems.values())


def config_error(error: ValidationError, *, file: str, field_prefix: str | None = None) -> ConfigError:
    return ConfigError(problems=validation_problems(error, file=file, field_prefix=field_prefix))


# --- reading files --------------------------------------------------------------------------


def read_yaml(path: Path) -> Any:
    """Read a YAML file strictly (duplicate keys are errors), naming the file in every error."""
    return read_yaml_file(path, max_bytes=MAX_FILE_BYTES)


def stack_file(root: Path, stack: str) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def read_stack_file_config(path: Path) -> dict[str, Any]:
    """A stack file's whole ``config:`` section (every namespace), its shape checked."""
    document = read_yaml(path)
    if document is None:
        raise ConfigError("stack file is empty; it needs a config: section with aifactory: settings", file=str(path))
    if not isinstance(document, dict):
        raise ConfigError("stack file must be a mapping with a config: section", file=str(path))
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError("config: must be a mapping of namespace:key to value", file=str(path), field="config")
    return dict(config)


def read_stack_config(path: Path) -> dict[str, Any]:
    """The ``aifactory:`` keys of a stack file, without the namespace, as YAML values."""
    settings: dict[str, Any] = {}
    for key, value in read_stack_file_config(path).items():
        namespace, _, name = str(key).partition(":")
        if namespace == CONFIG_NAMESPACE and name:
            settings[name] = value
    return settings


def decode_pulumi_config(raw: Mapping[str, str]) -> dict[str, Any]:
    """Pulumi hands the program every config value as a string, structured ones JSON-encoded."""
    decoded: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                decoded[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        decoded[key] = value
    return decoded


def encode_pulumi_config(settings: Mapping[str, Any]) -> dict[str, str]:
    """What the Pulumi CLI would hand the program for these stack-file values."""
    encoded: dict[str, str] = {}
    for key, value in settings.items():
        if isinstance(value, (dict, list)):
            encoded[key] = json.dumps(value)
        elif isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif value is None:
            continue
        else:
            encoded[key] = str(value)
    return encoded


OVERRIDES_SOURCE = "--config"
OVERRIDDEN_KEY = "__overridden__"
"""Where ``apply_overrides`` records which dotted keys came from ``--config`` (not from the file)."""


def apply_overrides(settings: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Apply ``--config KEY=VALUE`` overrides as ``pulumi config set [--path]`` would.

    KEY may be dotted (``hub.cidr``); VALUE is a string like any Pulumi config value, or JSON
    when it starts with ``{`` or ``[``.
    """
    result: dict[str, Any] = json.loads(json.dumps(dict(settings), default=str))
    problems = Problems()
    for key, text in overrides.items():
        path = key.removeprefix(f"{CONFIG_NAMESPACE}:").split(".")
        if not all(path):
            problems.add(f"invalid key {key!r}; use NAME=VALUE or a dotted path like hub.cidr=VALUE", file=OVERRIDES_SOURCE, field=key)
            continue
        value: Any = text
        if text[:1] in ("{", "["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                problems.add(f"value is not valid JSON: {error.msg}", file=OVERRIDES_SOURCE, field=key)
                continue
        cursor = result
        for part in path[:-1]:
            nested = cursor.get(part)
            if not isinstance(nested, dict):
                nested = {}
                cursor[part] = nested
            cursor = nested
        cursor[path[-1]] = value
    problems.raise_if_any()
    return result


def set_by_overrides(field: str, overridden: tuple[str, ...]) -> bool:
    """Whether ``--config`` set the value at ``field`` (or something inside it, or the object holding it)."""
    return any(
        field == key or field.startswith((f"{key}.", f"{key}[")) or key.startswith(f"{field}.") for key in overridden
    )


def source_of(field: str, *, source: str, overridden: tuple[str, ...]) -> str:
    """The stack file, or ``--config`` when the value came from there."""
    return OVERRIDES_SOURCE if set_by_overrides(field, overridden) else source


def blame(problems: list[Problem], *, source: str, overridden: tuple[str, ...]) -> list[Problem]:
    """A problem in a value set by ``--config`` names ``--config``, not the stack file."""
    return [Problem(p.message, source_of(p.field or "", source=source, overridden=overridden), p.field) for p in problems]


def parse_settings(raw: Mapping[str, Any], *, source: str, overridden: tuple[str, ...] = ()) -> EnvironmentSettings:
    try:
        return EnvironmentSettings.model_validate(dict(raw))
    except ValidationError as error:
        problems = validation_problems(error, file=None)
        raise ConfigError(problems=blame(problems, source=source, overridden=overridden)) from None


def parse_project(document: Any, *, source: str) -> ProjectRequest:
    if document is None:
        raise ConfigError("project file is empty; see docs/project-requests.md for the format", file=source)
    if not isinstance(document, dict):
        raise ConfigError("a project file must be a mapping of fields (name, type, ...)", file=source)
    try:
        return ProjectRequest.model_validate(document)
    except ValidationError as error:
        raise config_error(error, file=source) from None


def project_files(directory: Path) -> list[Path]:
    """Every request file of ``directory``; any entry that is neither a request nor ignored is an error.

    Requests end in ``.yaml`` or ``.yml``. Hidden entries (``.aifactory.lock``, ``.gitkeep``) and
    documentation (``*.md``) are ignored, except a hidden ``.yaml``: that looks like a request. Anything else (``x.YAML``, a subfolder, a dangling
    symlink, a symlink loop) is a located error: nothing in ``projects/`` is skipped silently, so
    no project can vanish from a plan because its file was misnamed.
    """
    if not directory.is_dir():
        raise ConfigError("projects directory does not exist", file=str(directory), field="projectsDir")
    problems = Problems()
    files: list[Path] = []
    for entry in sorted(directory.iterdir()):
        name = entry.name
        shown = str(entry)
        if name.startswith(".") and entry.suffix.lower() in REQUEST_SUFFIXES:
            problems.add(f"hidden files are not read: rename it to {name.lstrip('.')!r} (or move it out)", file=shown)
            continue
        if name.startswith(".") or entry.suffix in IGNORED_SUFFIXES and not entry.is_dir():
            continue
        if entry.is_symlink():
            try:
                entry.resolve(strict=True)
            except RuntimeError:
                problems.add("symlink loop; point it at a request file or remove it", file=shown)
                continue
            except OSError:
                problems.add(f"dangling symlink to {os.readlink(entry)!r}; point it at a request file or remove it", file=shown)
                continue
        if entry.is_dir():
            problems.add("subfolders are not read: move the request into projects/ itself (or out of it)", file=shown)
        elif entry.suffix not in REQUEST_SUFFIXES:
            hint = f" (write {entry.suffix.lower()})" if entry.suffix.lower() in REQUEST_SUFFIXES else ""
            problems.add(
                f"not a request file{hint}: requests end in .yaml or .yml, documentation in .md, "
                "and hidden files (starting with '.') are ignored",
                file=shown,
            )
        elif not entry.is_file():
            problems.add("not a regular file", file=shown)
        else:
            files.append(entry)
    problems.raise_if_any()
    return files


def load_projects(directory: Path) -> list[tuple[ProjectRequest, str]]:
    """Every project request in ``directory``, with the file it came from. Names are unique.

    Every file is read and every problem of every file is reported together.
    """
    loaded, problems = read_projects(directory)
    problems.raise_if_any()
    return loaded


def read_projects(directory: Path) -> tuple[list[tuple[ProjectRequest, str]], Problems]:
    """The valid requests of ``directory`` and the problems of the others (assembly goes on with the valid
    ones, so one broken file does not hide the problems of the rest)."""
    problems = Problems()
    try:
        files = project_files(directory)
    except ConfigError as error:
        problems.extend(error)
        files = (
            [p for p in sorted(directory.iterdir()) if p.suffix in REQUEST_SUFFIXES and p.is_file() and not p.name.startswith(".")]
            if directory.is_dir()
            else []
        )
    loaded: list[tuple[ProjectRequest, str]] = []
    by_name: dict[str, str] = {}
    for path in files:
        source = str(path)
        with problems.collect(file=source):
            project = parse_project(read_yaml(path), source=source)
            if project.name in by_name:
                raise ConfigError(
                    f"project {project.name!r} is already defined in {by_name[project.name]}; project names must be unique",
                    file=source,
                    field="name",
                )
            by_name[project.name] = source
            loaded.append((project, source))
    return loaded, problems


__all__ = [
    "ENVIRONMENTS",
    "Budget",
    "EnvironmentSettings",
    "ExistingHub",
    "HubSettings",
    "Principal",
    "ProjectEnvironment",
    "ProjectRequest",
    "StorageSku",
    "apply_overrides",
    "config_error",
    "decode_pulumi_config",
    "encode_pulumi_config",
    "load_projects",
    "read_projects",
    "parse_project",
    "parse_settings",
    "read_stack_config",
    "read_yaml",
    "stack_file",
    "validation_problems",
]
