"""Names of every Azure resource the factory creates.

Pure module (no Pulumi imports). One function, :func:`resource_name`, gives the name of each
resource kind from the Cloud Adoption Framework abbreviation, the naming prefix, the project and
the environment. Every kind's Azure rule (length, characters, uniqueness scope) is recorded in
:data:`NAME_RULES`, and every generated name is checked against it.

Globally unique kinds (storage, key vault, registry, ...) end in a short deterministic suffix, a
hash of subscription, environment and project, so names are known at plan time, identical on
every run, and different across subscriptions. A name that would be too long is shortened
deterministically: its tail is replaced by a hash of the full name, so two long names never
shorten into the same name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Mapping

from aifactory.core.errors import NamingError
from aifactory.core.types import GUID_PATTERN, QUALIFIER_PATTERN

RESERVED_PROJECT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "hub": "the hub's resource group, VNet, NSG and DNS zone links are named with 'hub'",
        "platform": "the platform's resource group and its stack (<env>-platform) are named with 'platform'",
        "shared": "the lake's shared areas are named with 'shared'",
        "all": "'all' is a stack scope",
    }
)
"""Names that can never be a project, and why: platform resources or stacks already carry them."""

PROJECT_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PROJECT_NAME_MIN, PROJECT_NAME_MAX = 3, 24
PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,5}$")
ENVIRONMENTS: tuple[str, ...] = ("dev", "test", "prod")

SUFFIX_LENGTH = 5
SHORTEN_HASH_LENGTH = 8
"""Hex digits of the hash that ends a shortened name. Names cut to one head (long project names that
start alike) differ only in it: 32 bits keep the odds that two of 1,000 such names collide near 1 in
10,000 (16 bits made it likely past 300; a collision is refused by the ownership check, never deployed)."""


class ResourceKind(str, Enum):
    """Every kind of named resource the factory creates."""

    RESOURCE_GROUP = "resource_group"
    VIRTUAL_NETWORK = "virtual_network"
    SUBNET = "subnet"
    NETWORK_SECURITY_GROUP = "network_security_group"
    ROUTE_TABLE = "route_table"
    VNET_PEERING = "vnet_peering"
    DNS_ZONE_LINK = "dns_zone_link"
    PRIVATE_ENDPOINT = "private_endpoint"
    PUBLIC_IP = "public_ip"
    FIREWALL = "firewall"
    FIREWALL_POLICY = "firewall_policy"
    BASTION = "bastion"
    STORAGE_ACCOUNT = "storage_account"
    LAKE_FILESYSTEM = "lake_filesystem"
    KEY_VAULT = "key_vault"
    CONTAINER_REGISTRY = "container_registry"
    ML_WORKSPACE = "ml_workspace"
    ML_REGISTRY = "ml_registry"
    ML_COMPUTE = "ml_compute"
    DATABRICKS_WORKSPACE = "databricks_workspace"
    DATA_FACTORY = "data_factory"
    EVENT_HUBS_NAMESPACE = "event_hubs_namespace"
    AKS_CLUSTER = "aks_cluster"
    AI_SEARCH = "ai_search"
    AI_SERVICES = "ai_services"
    FOUNDRY_ACCOUNT = "foundry_account"
    FOUNDRY_PROJECT = "foundry_project"
    COSMOS_DB = "cosmos_db"
    LOG_ANALYTICS = "log_analytics"
    APP_INSIGHTS = "app_insights"
    MANAGED_IDENTITY = "managed_identity"
    BUDGET = "budget"
    ACTION_GROUP = "action_group"
    MANAGEMENT_LOCK = "management_lock"


@dataclass(frozen=True)
class NameRule:
    """Azure's rule for one resource kind, and how the factory composes its names."""

    abbreviation: str
    min_length: int
    max_length: int
    pattern: str
    unique_in: str
    separator: str = "-"
    short_form: bool = False
    """Child names unique only inside their parent (subnets, peerings) carry just the qualifier."""
    qualifier_last: bool = False
    """A project's qualified names put the qualifier after the environment (see :func:`resource_name`)."""

    @property
    def globally_unique(self) -> bool:
        return self.unique_in == "global"

    def is_valid(self, name: str) -> bool:
        return (
            self.min_length <= len(name) <= self.max_length
            and re.fullmatch(self.pattern, name) is not None
        )


_HYPHENATED = r"[a-zA-Z0-9](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]"
_NETWORK = r"[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]"
_RESOURCE_GROUP = r"[-\w.()]*[-\w()]"

NAME_RULES: Mapping[ResourceKind, NameRule] = MappingProxyType(
    {
        ResourceKind.RESOURCE_GROUP: NameRule("rg", 1, 90, _RESOURCE_GROUP, "subscription", qualifier_last=True),
        ResourceKind.VIRTUAL_NETWORK: NameRule("vnet", 2, 64, _NETWORK, "resource group"),
        ResourceKind.SUBNET: NameRule("snet", 1, 80, _NETWORK, "virtual network", short_form=True),
        ResourceKind.NETWORK_SECURITY_GROUP: NameRule("nsg", 1, 80, _NETWORK, "resource group"),
        ResourceKind.ROUTE_TABLE: NameRule("rt", 1, 80, _NETWORK, "resource group"),
        ResourceKind.VNET_PEERING: NameRule("peer", 1, 80, _NETWORK, "virtual network", short_form=True),
        ResourceKind.DNS_ZONE_LINK: NameRule("vnl", 1, 80, _NETWORK, "private DNS zone"),
        ResourceKind.PRIVATE_ENDPOINT: NameRule("pep", 2, 64, _NETWORK, "resource group"),
        ResourceKind.PUBLIC_IP: NameRule("pip", 1, 80, _NETWORK, "resource group"),
        ResourceKind.FIREWALL: NameRule("afw", 1, 56, _NETWORK, "resource group"),
        ResourceKind.FIREWALL_POLICY: NameRule("afwp", 1, 80, _NETWORK, "resource group"),
        ResourceKind.BASTION: NameRule("bas", 1, 80, _NETWORK, "resource group"),
        ResourceKind.STORAGE_ACCOUNT: NameRule("st", 3, 24, r"[a-z0-9]+", "global", separator=""),
        ResourceKind.LAKE_FILESYSTEM: NameRule(
            "fs", 3, 63, r"[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]", "storage account", short_form=True
        ),
        ResourceKind.KEY_VAULT: NameRule("kv", 3, 24, r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]", "global"),
        ResourceKind.CONTAINER_REGISTRY: NameRule("cr", 5, 50, r"[a-zA-Z0-9]+", "global", separator=""),
        ResourceKind.ML_WORKSPACE: NameRule("mlw", 3, 33, r"[a-zA-Z0-9][a-zA-Z0-9_-]*", "resource group"),
        ResourceKind.ML_REGISTRY: NameRule("mlr", 3, 33, r"[a-zA-Z0-9][a-zA-Z0-9_-]*", "resource group"),
        ResourceKind.ML_COMPUTE: NameRule(
            "mlc", 3, 24, r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]", "workspace", short_form=True
        ),
        ResourceKind.DATABRICKS_WORKSPACE: NameRule("dbw", 3, 64, r"[a-zA-Z0-9_-]+", "resource group"),
        ResourceKind.DATA_FACTORY: NameRule("adf", 3, 63, _HYPHENATED, "global"),
        ResourceKind.EVENT_HUBS_NAMESPACE: NameRule(
            "evhns", 6, 50, r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]", "global"
        ),
        ResourceKind.AKS_CLUSTER: NameRule("aks", 1, 63, r"[a-zA-Z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?", "resource group"),
        ResourceKind.AI_SEARCH: NameRule("srch", 2, 60, r"[a-z0-9]{2}(?!.*--)([a-z0-9-]*[a-z0-9])?", "global"),
        ResourceKind.AI_SERVICES: NameRule("ais", 2, 64, _HYPHENATED, "global"),
        ResourceKind.FOUNDRY_ACCOUNT: NameRule("aif", 2, 64, _HYPHENATED, "global"),
        ResourceKind.FOUNDRY_PROJECT: NameRule("proj", 2, 64, _HYPHENATED, "Foundry account"),
        ResourceKind.COSMOS_DB: NameRule("cosmos", 3, 44, r"[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]", "global"),
        ResourceKind.LOG_ANALYTICS: NameRule("log", 4, 63, _HYPHENATED, "resource group"),
        ResourceKind.APP_INSIGHTS: NameRule("appi", 1, 255, _NETWORK, "resource group"),
        ResourceKind.MANAGED_IDENTITY: NameRule("id", 3, 128, r"[a-zA-Z0-9][a-zA-Z0-9_-]*", "resource group"),
        ResourceKind.BUDGET: NameRule("budget", 1, 63, _HYPHENATED, "scope"),
        ResourceKind.ACTION_GROUP: NameRule("ag", 1, 260, _NETWORK, "resource group"),
        ResourceKind.MANAGEMENT_LOCK: NameRule("lock", 1, 90, _NETWORK, "scope"),
    }
)


@dataclass(frozen=True)
class NamingContext:
    """What every name in one environment of one factory is derived from."""

    prefix: str
    environment: str
    subscription_id: str

    def __post_init__(self) -> None:
        validate_prefix(self.prefix)
        if not isinstance(self.subscription_id, str) or not GUID_PATTERN.fullmatch(self.subscription_id):
            raise NamingError(
                f"subscription id must be a GUID like 00000000-0000-0000-0000-000000000000, got {self.subscription_id!r}",
                field="subscription_id",
            )
        # globally unique names hash the subscription id: one subscription, one spelling
        object.__setattr__(self, "subscription_id", self.subscription_id.lower())
        if self.environment not in ENVIRONMENTS:
            raise NamingError(
                f"unknown environment {self.environment!r}; allowed: {', '.join(ENVIRONMENTS)}",
                field="environment",
            )


def validate_project_name(name: str) -> str:
    """Project names become parts of Azure names: lowercase, digits, single hyphens; never a reserved name."""
    if not isinstance(name, str) or not (PROJECT_NAME_MIN <= len(name) <= PROJECT_NAME_MAX) or not PROJECT_NAME_PATTERN.fullmatch(name):
        raise NamingError(
            f"invalid project name {name!r}: use {PROJECT_NAME_MIN}-{PROJECT_NAME_MAX} characters, "
            "lowercase letters, digits and single hyphens, starting with a letter",
            field="name",
        )
    if name in RESERVED_PROJECT_NAMES:
        raise NamingError(f"{name!r} is reserved and can never be a project: {RESERVED_PROJECT_NAMES[name]}", field="name")
    return name


def validate_prefix(prefix: str) -> str:
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise NamingError(
            f"invalid naming prefix {prefix!r}: use 2-6 lowercase letters and digits, starting with a letter",
            field="prefix",
        )
    return prefix


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def unique_suffix(context: NamingContext, project: str | None) -> str:
    """Deterministic suffix for globally unique names: same inputs, same suffix, every run."""
    return _digest(f"{context.subscription_id.lower()}|{context.environment}|{project or ''}", SUFFIX_LENGTH)


def _shorten(name: str, rule: NameRule) -> str:
    """Cut ``name`` to the rule's length, replacing the tail with a hash of the whole name."""
    digest = _digest(name, SHORTEN_HASH_LENGTH)
    keep = rule.max_length - len(rule.separator) - len(digest)
    head = name[:keep].rstrip("-_.")
    return f"{head}{rule.separator}{digest}"


def resource_name(
    kind: ResourceKind,
    context: NamingContext,
    *,
    project: str | None = None,
    qualifier: str | None = None,
) -> str:
    """The Azure name of a resource of ``kind``.

    ``project`` is None for platform resources (hub, shared lake, monitoring). ``qualifier``
    tells apart two resources of one kind in one project (``lake`` and ``ml`` storage accounts,
    ``pep`` and ``aml`` subnets).
    """
    rule = NAME_RULES[kind]
    if project is not None:
        validate_project_name(project)
    if qualifier is not None and not QUALIFIER_PATTERN.fullmatch(qualifier):
        raise NamingError(f"invalid name qualifier {qualifier!r}: use lowercase letters, digits and hyphens")
    parts: list[str | None]
    if rule.short_form:
        if qualifier is None:
            raise NamingError(f"a {kind.value} name needs a qualifier")
        parts = [rule.abbreviation, qualifier]
    elif rule.qualifier_last and project is not None and qualifier is not None:
        # A project's second resource group (Databricks managed, AKS nodes) ends in its qualifier, so it
        # can never equal another project's first one (which ends in the environment): names stay injective.
        parts = [rule.abbreviation, context.prefix, project, context.environment, qualifier]
    else:
        parts = [rule.abbreviation, context.prefix, project, qualifier, context.environment]
        if rule.globally_unique:
            parts.append(unique_suffix(context, project))
    words: list[str] = [part for part in parts if part]
    if rule.separator:
        name = rule.separator.join(words)
    else:
        name = "".join(word.replace("-", "") for word in words)
    if len(name) > rule.max_length:
        name = _shorten(name, rule)
    if not rule.is_valid(name):  # a defect in the rules table, not bad user input
        raise AssertionError(f"generated {kind.value} name {name!r} breaks its rule")
    return name


LAKE_PROJECT_AREA_PREFIX = "prj"
LAKE_SHARED_AREA_PREFIX = "shared"


def lake_area_name(project: str) -> str:
    """A project's own area (container) of the shared lake."""
    return f"{LAKE_PROJECT_AREA_PREFIX}-{project}"


def shared_area_name(area: str) -> str:
    """A shared, read-only area (container) of the lake."""
    return f"{LAKE_SHARED_AREA_PREFIX}-{area}"


def hub_peering_name(context: NamingContext, project: str) -> str:
    """The hub-side peering to a project's spoke: unique in the hub VNet because it names the project."""
    return resource_name(
        ResourceKind.VNET_PEERING, context, qualifier=f"to-{context.prefix}-{project}-{context.environment}"
    )


def project_stack(environment: str, project: str) -> str:
    """The stack of one project's slice: ``<environment>-<project>``."""
    return f"{environment}-{project}"
