"""Typed configuration: environment settings from the stack file, project requests from YAML.

Everything is pydantic v2 with unknown keys forbidden. Every error is turned into a
:class:`~aifactory.errors.ConfigError` that names the file and the field and says what is allowed.
No Pulumi imports: the program reads ``pulumi.Config`` and hands the raw values to this module.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from aifactory.addressing import parse_network
from aifactory.errors import AddressPlanError, ConfigError, NamingError
from aifactory.naming import ENVIRONMENTS, validate_prefix, validate_project_name

CONFIG_NAMESPACE = "aifactory"
GUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ARM_ID_PATTERN = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/.+$")
MAX_FILE_BYTES = 256 * 1024
MAX_BUDGET = 10_000_000

Environment = Literal["dev", "test", "prod"]


class StrictModel(BaseModel):
    """Unknown keys are errors; fields are camelCase in files, snake_case in code."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        str_strip_whitespace=True,
    )


def _guid(value: str, what: str) -> str:
    if not GUID_PATTERN.fullmatch(value):
        raise ValueError(f"{what} must be a GUID like 00000000-0000-0000-0000-000000000000, got {value!r}")
    return value.lower()


def _cidr(value: str) -> str:
    try:
        parse_network(value)
    except AddressPlanError as error:
        raise ValueError(error.message) from None
    return value


class Principal(StrictModel):
    """An Entra ID user, group or service principal, by object id."""

    object_id: str
    type: Literal["User", "Group", "ServicePrincipal"]
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    """Where budget and operational alerts go (owners)."""

    @field_validator("object_id")
    @classmethod
    def _object_id(cls, value: str) -> str:
        return _guid(value, "objectId")


class Budget(StrictModel):
    """A monthly cost budget with actual and forecast alert thresholds (percent)."""

    monthly_amount: float = Field(gt=0, le=MAX_BUDGET)
    actual_thresholds: tuple[int, ...] = (50, 80, 100)
    forecast_thresholds: tuple[int, ...] = (100,)
    contact_emails: tuple[str, ...] = ()

    @field_validator("actual_thresholds", "forecast_thresholds")
    @classmethod
    def _thresholds(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= threshold <= 1000 for threshold in value):
            raise ValueError("thresholds are percentages between 1 and 1000")
        return tuple(sorted(set(value)))


class ModelDeploymentSpec(StrictModel):
    """An Azure OpenAI / AI Services model deployment (genai projects)."""

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,63}$")
    model: str = Field(min_length=1, max_length=100, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
    version: str = Field(min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
    capacity: int = Field(default=10, ge=1, le=10_000)
    sku: Literal["Standard", "GlobalStandard", "DataZoneStandard"] = "GlobalStandard"


class EventHubConfig(StrictModel):
    """An event hub and its consumer groups (streaming projects)."""

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$")
    partitions: int = Field(default=4, ge=1, le=32)
    retention_days: int = Field(default=1, ge=1, le=7)
    consumer_groups: tuple[str, ...] = Field(default=(), max_length=20)


class ProjectEnvironment(StrictModel):
    """A project's settings in one environment."""

    cidr: str | None = None
    """The spoke, recorded once by ``aifactory onboard`` and never moved."""
    services: dict[str, bool] = Field(default_factory=dict)
    """Switch the type's optional services on or off, e.g. ``databricks: false``."""

    @field_validator("cidr")
    @classmethod
    def _check_cidr(cls, value: str | None) -> str | None:
        return None if value is None else _cidr(value)


class ProjectRequest(StrictModel):
    """One project request file in ``projects/``."""

    name: str
    type: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")
    cost_center: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$")
    description: str | None = Field(default=None, max_length=500)
    owners: tuple[Principal, ...] = Field(min_length=1, max_length=50)
    members: tuple[Principal, ...] = Field(default=(), max_length=200)
    readers: tuple[Principal, ...] = Field(default=(), max_length=200)
    budget: Budget | None = None
    model_deployments: tuple[ModelDeploymentSpec, ...] = Field(default=(), max_length=20)
    event_hubs: tuple[EventHubConfig, ...] = Field(default=(), max_length=50)
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


class ExistingHub(StrictModel):
    """Bring your own hub: the ids of a hub VNet and its private DNS zones."""

    virtual_network_id: str
    private_dns_zone_ids: dict[str, str] = Field(default_factory=dict)
    """Zone name -> zone resource id. Zones the factory needs and that are missing here are an error."""
    endpoint_subnet_id: str
    """Subnet for the shared platform's private endpoints (lake, registry)."""
    firewall_private_ip: str | None = None

    @field_validator("endpoint_subnet_id")
    @classmethod
    def _subnet_id(cls, value: str) -> str:
        if (not ARM_ID_PATTERN.fullmatch(value) or "/subnets/" not in value):
            raise ValueError("endpointSubnetId must be a subnet resource id (.../virtualNetworks/NAME/subnets/NAME)")
        return value

    @field_validator("firewall_private_ip")
    @classmethod
    def _firewall_ip(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                raise ValueError(f"firewallPrivateIp must be an IPv4 address, got {value!r}") from None
        return value

    @field_validator("virtual_network_id")
    @classmethod
    def _vnet_id(cls, value: str) -> str:
        if not ARM_ID_PATTERN.fullmatch(value) or "/virtualNetworks/" not in value:
            raise ValueError("virtualNetworkId must be a virtual network resource id (/subscriptions/.../virtualNetworks/NAME)")
        return value

    @field_validator("private_dns_zone_ids")
    @classmethod
    def _zone_ids(cls, value: dict[str, str]) -> dict[str, str]:
        for zone, zone_id in value.items():
            if not ARM_ID_PATTERN.fullmatch(zone_id) or "/privateDnsZones/" not in zone_id:
                raise ValueError(f"zone {zone!r}: {zone_id!r} is not a private DNS zone resource id")
        return value


class HubSettings(StrictModel):
    """The hub: a range to create it in, or an existing hub to adopt."""

    cidr: str | None = None
    existing: ExistingHub | None = None
    firewall: bool = False
    bastion: bool = False

    @field_validator("cidr")
    @classmethod
    def _check_cidr(cls, value: str | None) -> str | None:
        return None if value is None else _cidr(value)

    @model_validator(mode="after")
    def _cidr_or_existing(self) -> "HubSettings":
        if self.cidr is None and self.existing is None:
            raise ValueError("give the hub a cidr to create it, or existing ids to adopt one")
        if self.existing is not None and (self.firewall or self.bastion):
            raise ValueError("firewall and bastion are created only with a new hub, not with an existing one")
        return self


class ProfileOverrides(StrictModel):
    """Overrides of the environment profile's defaults (see docs/environments.md)."""

    protect_stateful: bool | None = None
    delete_locks: bool | None = None
    storage_sku: Literal["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS", "Standard_RAGZRS"] | None = None
    zone_redundant: bool | None = None
    soft_delete_days: int | None = Field(default=None, ge=1, le=365)
    log_retention_days: int | None = Field(default=None, ge=30, le=730)
    aml_max_nodes: int | None = Field(default=None, ge=0, le=100)
    aks_system_min_nodes: int | None = Field(default=None, ge=1, le=10)
    aks_user_max_nodes: int | None = Field(default=None, ge=0, le=1000)
    search_sku: Literal["basic", "standard", "standard2", "standard3"] | None = None
    search_replicas: int | None = Field(default=None, ge=1, le=12)
    event_hubs_capacity: int | None = Field(default=None, ge=1, le=40)

    def given(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump().items() if value is not None}


class InsecureSettings(StrictModel):
    """Named insecure options: allowed in dev and test (reported by the policies), refused in prod."""

    public_network_access: bool = False


SCOPE_PATTERN = r"^(all|platform|project:[a-z][a-z0-9-]{2,23})$"


class EnvironmentSettings(StrictModel):
    """The ``aifactory:`` settings of one stack (one environment)."""

    environment: Environment
    location: str = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9]+$")
    subscription_id: str
    tenant_id: str | None = None
    address_pool: str
    hub: HubSettings
    default_spoke_size: int = Field(default=24, ge=16, le=26)
    prefix: str
    tags: dict[str, str] = Field(default_factory=dict, max_length=40)
    projects_dir: str = "projects"
    keep_legacy_aliases: bool = False
    profile: ProfileOverrides = Field(default_factory=ProfileOverrides)
    insecure: InsecureSettings = Field(default_factory=InsecureSettings)
    scope: str = Field(default="all", pattern=SCOPE_PATTERN)
    """What this stack deploys: all (default), platform, or project:<name>."""
    platform_stack: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_./-]{1,200}$")
    """For a project slice: the platform stack to read (default ``<environment>-platform``)."""
    platform_budget: Budget | None = None
    ml_registry: bool = False
    """Create an Azure ML registry in this environment's platform (models promote across environments)."""

    @field_validator("subscription_id")
    @classmethod
    def _subscription(cls, value: str) -> str:
        return _guid(value, "subscriptionId")

    @field_validator("tenant_id")
    @classmethod
    def _tenant(cls, value: str | None) -> str | None:
        return None if value is None else _guid(value, "tenantId")

    @field_validator("address_pool")
    @classmethod
    def _pool(cls, value: str) -> str:
        return _cidr(value)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        try:
            return validate_prefix(value)
        except NamingError as error:
            raise ValueError(error.message) from None

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


# --- turning pydantic errors into one readable message -------------------------------------


def _location(loc: tuple[Any, ...], prefix: str | None) -> str:
    parts: list[str] = [prefix] if prefix else []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        elif item in ("[key]",):
            continue
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def _explain(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key; check its spelling against the documented format"
    if kind == "missing":
        return "required field is missing"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def config_error(error: ValidationError, *, file: str, field_prefix: str | None = None) -> ConfigError:
    """One ConfigError naming the file and the first failing field (and how many more there are)."""
    errors = error.errors(include_url=False)
    first = errors[0]
    field = _location(tuple(first.get("loc", ())), field_prefix)
    message = _explain(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''} in this file)"
    return ConfigError(message, file=file, field=field)


# --- reading files --------------------------------------------------------------------------


def read_yaml(path: Path) -> Any:
    """Read a YAML file, turning every failure into a ConfigError naming the file."""
    shown = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ConfigError(f"cannot read file: {error.strerror}", file=shown) from None
    if size > MAX_FILE_BYTES:
        raise ConfigError(f"file is {size} bytes; the limit is {MAX_FILE_BYTES}", file=shown)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError("file is not UTF-8 text", file=shown) from None
    except OSError as error:
        raise ConfigError(f"cannot read file: {error.strerror}", file=shown) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "malformed YAML"
        raise ConfigError(f"malformed YAML{where}: {problem}", file=shown) from None


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


def apply_overrides(settings: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Apply ``--config KEY=VALUE`` overrides as ``pulumi config set [--path]`` would.

    KEY may be dotted (``hub.cidr``); VALUE is a string like any Pulumi config value, or JSON
    when it starts with ``{`` or ``[``.
    """
    result: dict[str, Any] = json.loads(json.dumps(dict(settings), default=str))
    for key, text in overrides.items():
        path = key.removeprefix(f"{CONFIG_NAMESPACE}:").split(".")
        if not all(path):
            raise ConfigError(f"invalid --config key {key!r}; use NAME=VALUE or a dotted path like hub.cidr=VALUE", field=key)
        value: Any = text
        if text[:1] in ("{", "["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                raise ConfigError(f"value is not valid JSON: {error.msg}", field=f"--config {key}") from None
        cursor = result
        for part in path[:-1]:
            nested = cursor.get(part)
            if not isinstance(nested, dict):
                nested = {}
                cursor[part] = nested
            cursor = nested
        cursor[path[-1]] = value
    return result


def parse_settings(raw: Mapping[str, Any], *, source: str) -> EnvironmentSettings:
    try:
        return EnvironmentSettings.model_validate(dict(raw))
    except ValidationError as error:
        raise config_error(error, file=source) from None


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
    if not directory.is_dir():
        raise ConfigError("projects directory does not exist", file=str(directory), field="projectsDir")
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_projects(directory: Path) -> list[tuple[ProjectRequest, str]]:
    """Every project request in ``directory``, with the file it came from. Names are unique."""
    loaded: list[tuple[ProjectRequest, str]] = []
    by_name: dict[str, str] = {}
    for path in project_files(directory):
        source = str(path)
        project = parse_project(read_yaml(path), source=source)
        if project.name in by_name:
            raise ConfigError(
                f"project {project.name!r} is already defined in {by_name[project.name]}; project names must be unique",
                file=source,
                field="name",
            )
        by_name[project.name] = source
        loaded.append((project, source))
    return loaded


__all__ = [
    "ENVIRONMENTS",
    "Budget",
    "EnvironmentSettings",
    "ExistingHub",
    "HubSettings",
    "Principal",
    "ProjectEnvironment",
    "ProjectRequest",
    "apply_overrides",
    "decode_pulumi_config",
    "encode_pulumi_config",
    "load_projects",
    "parse_project",
    "parse_settings",
    "read_stack_config",
    "read_yaml",
    "stack_file",
]
