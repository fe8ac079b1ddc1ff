"""Validated types, written once and used everywhere: stack settings, project requests, service
settings and component Args all say ``Guid``, ``Cidr`` or ``Location`` and get the same check and
the same message.

Each type is an ``Annotated`` pydantic type whose validator raises ``ValueError`` with a message a
person can act on; the caller turns that into a located error (file and field, or component and
field). The plain ``check_*`` functions are the same checks for code outside pydantic.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictInt

from aifactory.core.addressing import parse_network
from aifactory.core.errors import AddressPlanError

QUALIFIER_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
"""A name qualifier (``lake``, ``ml``, ``agents``): it becomes part of Azure names."""
GUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ARM_ID_PATTERN = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/.+$")
LOCATION_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,39}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AZURE_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,79}$")
SERVICE_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,23}$")
TYPE_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def check_guid(value: str) -> str:
    """A GUID, lower-cased so that two spellings of one principal are one principal."""
    if not isinstance(value, str) or not GUID_PATTERN.fullmatch(value):
        raise ValueError(f"must be a GUID like 00000000-0000-0000-0000-000000000000, got {value!r}")
    return value.lower()


def check_cidr(value: str) -> str:
    """An aligned IPv4 CIDR block between /8 and /29 (see :func:`parse_network`)."""
    try:
        parse_network(value)
    except AddressPlanError as error:
        raise ValueError(error.message) from None
    return value


def check_ipv4(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except (ValueError, TypeError):
        raise ValueError(f"must be an IPv4 address, got {value!r}") from None
    return value


def check_location(value: str) -> str:
    if not isinstance(value, str) or not LOCATION_PATTERN.fullmatch(value):
        raise ValueError(f"must be an Azure region name like swedencentral (lowercase, no spaces), got {value!r}")
    return value


def check_email(value: str) -> str:
    if not isinstance(value, str) or len(value) > 254 or not EMAIL_PATTERN.fullmatch(value):
        raise ValueError(f"must be an e-mail address, got {value!r}")
    return value


def check_resource_id(value: str, *, segment: str | None = None) -> str:
    """An ARM resource id (``/subscriptions/<id>/resourceGroups/<rg>/providers/...``)."""
    if not isinstance(value, str) or not ARM_ID_PATTERN.fullmatch(value):
        raise ValueError(f"must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...), got {value!r}")
    if segment is not None and f"/{segment.lower()}/" not in value.lower():
        raise ValueError(f"must be the id of a {segment} resource (.../{segment}/NAME), got {value!r}")
    return value


def check_azure_name(value: str) -> str:
    if not isinstance(value, str) or not AZURE_NAME_PATTERN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid name: 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Guid = Annotated[str, BeforeValidator(_strip), AfterValidator(check_guid)]
"""An Entra object id, subscription id or tenant id."""
Cidr = Annotated[str, BeforeValidator(_strip), AfterValidator(check_cidr)]
"""An aligned IPv4 block, e.g. ``10.64.0.0/24``."""
IPv4 = Annotated[str, AfterValidator(check_ipv4)]
Location = Annotated[str, AfterValidator(check_location)]


def check_qualifier(value: str) -> str:
    if not QUALIFIER_PATTERN.fullmatch(value):
        raise ValueError(f"must be lowercase letters, digits and single hyphens (it becomes part of Azure names), got {value!r}")
    return value


Qualifier = Annotated[str, AfterValidator(check_qualifier)]
"""Tells two resources of one kind in one project apart; checked where it is given, not when the name is made."""
Email = Annotated[str, AfterValidator(check_email)]
ResourceId = Annotated[str, AfterValidator(check_resource_id)]
VnetId = Annotated[str, AfterValidator(lambda v: check_resource_id(v, segment="virtualNetworks"))]
SubnetId = Annotated[str, AfterValidator(lambda v: check_resource_id(v, segment="subnets"))]
DnsZoneId = Annotated[str, AfterValidator(lambda v: check_resource_id(v, segment="privateDnsZones"))]
AzureName = Annotated[str, AfterValidator(check_azure_name)]
"""A child entity name (event hub, consumer group, model deployment)."""
ServiceKey = Annotated[str, Field(pattern=SERVICE_KEY_PATTERN.pattern)]
TypeName = Annotated[str, Field(pattern=TYPE_NAME_PATTERN.pattern)]
Percent = Annotated[StrictInt, Field(ge=1, le=1000)]
def _config_bool(value: Any) -> Any:
    """Pulumi hands booleans to a program as the strings ``true``/``false``; nothing else is a boolean."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, str) and value.strip().lower() in YAML_1_1_BOOLEANS:
        raise ValueError(f"write true or false: YAML 1.2, which Pulumi reads, takes {value!r} as a string, not a boolean")
    return value


YAML_1_1_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})


Flag = Annotated[StrictBool, BeforeValidator(_config_bool)]
"""A setting's boolean: ``true``/``false`` (as YAML or as Pulumi's config strings); ``"no"`` or ``1`` is an error."""
StrictFlag = StrictBool
"""A component argument's boolean: a Python ``bool`` only (``"no"`` is an error, not ``True``)."""

__all__ = [
    "AzureName",
    "Cidr",
    "DnsZoneId",
    "Email",
    "Flag",
    "StrictFlag",
    "Guid",
    "Qualifier",
    "IPv4",
    "Location",
    "Percent",
    "ResourceId",
    "ServiceKey",
    "SubnetId",
    "TypeName",
    "VnetId",
    "check_azure_name",
    "check_cidr",
    "check_email",
    "check_guid",
    "check_ipv4",
    "check_location",
    "check_resource_id",
]
