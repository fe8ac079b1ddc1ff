"""Azure Event Hubs: a Standard-or-higher namespace, Entra ID only, TLS 1.2, private, hubs and consumer groups."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import Footprint, NameClaim, ServiceSettings, ServiceSpec
from aifactory.core.types import AzureName


class EventHub(ServiceSettings):
    """An event hub and its consumer groups."""

    name: AzureName
    partitions: int = Field(default=4, ge=1, le=32)
    retention_days: int = Field(default=1, ge=1, le=7)
    consumer_groups: tuple[AzureName, ...] = Field(default=(), max_length=20)

    @field_validator("consumer_groups")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a consumer group is listed twice")
        return value


def distinct_hubs(value: tuple[EventHub, ...]) -> tuple[EventHub, ...]:
    """Event hub names are unique in a namespace (case-insensitively): a repeat is an error naming it."""
    seen: set[str] = set()
    for hub in value:
        if hub.name.lower() in seen:
            raise ValueError(f"event hub {hub.name!r} is listed twice; names are unique in a namespace")
        seen.add(hub.name.lower())
    return value


EventHubList = Annotated[tuple[EventHub, ...], Field(max_length=50), AfterValidator(distinct_hubs)]


class EventHubsSettings(ServiceSettings):
    hubs: EventHubList = ()
    sku: Literal["Standard", "Premium"] = "Standard"
    """Standard or higher: Basic has neither private endpoints nor consumer groups."""
    capacity: int = Field(default=1, ge=1, le=40)
    """Throughput (Standard) or processing (Premium) units."""


EVENTHUBS = ServiceSpec(
    key="eventhubs",
    title="Azure Event Hubs",
    summary="A Standard or Premium namespace (Kafka on), Entra ID only, TLS 1.2, private, zone redundant where "
    "the profile says, with the request's hubs and consumer groups",
    builder="aifactory.components.event_hubs:build",
    abbreviation="evhns",
    endpoint_groups=("namespace",),
    roles={
        Persona.OWNER: (Role.EVENT_HUBS_DATA_SENDER, Role.EVENT_HUBS_DATA_RECEIVER),
        Persona.MEMBER: (Role.EVENT_HUBS_DATA_RECEIVER,),
        Persona.WORKLOAD: (Role.EVENT_HUBS_DATA_SENDER, Role.EVENT_HUBS_DATA_RECEIVER),
    },
    resource_types=("azure-native:eventhub:Namespace", "azure-native:eventhub:EventHub", "azure-native:eventhub:ConsumerGroup"),
    diagnosed_types=("azure-native:eventhub:Namespace",),
    settings=EventHubsSettings,
    defaults={"dev": {"capacity": 1}, "test": {"capacity": 1}, "prod": {"capacity": 2}},
    outputs={"namespace": "the namespace's FQDN (<name>.servicebus.windows.net)", "id": "the namespace's resource id"},
    names=(NameClaim(ResourceKind.EVENT_HUBS_NAMESPACE),),
    footprint=Footprint(private_endpoints=1),
)
