"""EventHubs: a Standard-or-higher namespace, Entra-only, TLS 1.2, private, hubs and consumer groups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import eventhub

from aifactory.access import Role
from aifactory.components.base import ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.naming import ResourceKind

ENTITY_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$")


@dataclass(frozen=True)
class EventHubSpec:
    name: str
    partitions: int = 4
    retention_days: int = 1
    consumer_groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for value in (self.name, *self.consumer_groups):
            if not ENTITY_NAME.fullmatch(value):
                raise ValueError(f"invalid event hub or consumer group name {value!r}")
        if not 1 <= self.partitions <= 32:
            raise ValueError(f"event hub {self.name!r}: partitions are 1-32 on Standard")
        if not 1 <= self.retention_days <= 7:
            raise ValueError(f"event hub {self.name!r}: retention is 1-7 days on Standard")


@dataclass(frozen=True)
class EventHubsArgs:
    placement: ServicePlacement
    sku: str = "Standard"
    capacity: int = 1
    zone_redundant: bool = False
    hubs: tuple[EventHubSpec, ...] = ()
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if self.sku not in ("Standard", "Premium"):
            raise ValueError("Event Hubs needs Standard or higher (Basic has no private endpoints or consumer groups)")
        if not 1 <= self.capacity <= 40:
            raise ValueError("Event Hubs capacity (throughput or processing units) is 1-40")
        names = [h.name for h in self.hubs]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate event hub names: {names}")


class EventHubs(ServiceComponent):
    namespace_id: pulumi.Output[str]

    def __init__(self, name: str, args: EventHubsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:streaming:EventHubs", name, args.placement, args.settings, opts)
        placement = args.placement
        self.namespace_name = placement.name(ResourceKind.EVENT_HUBS_NAMESPACE)
        self.namespace = eventhub.Namespace(
            self.child_name("evhns"),
            namespace_name=self.namespace_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            sku=eventhub.SkuArgs(name=args.sku, tier=args.sku, capacity=args.capacity),
            disable_local_auth=True,
            minimum_tls_version="1.2",
            public_network_access="Disabled",
            zone_redundant=args.zone_redundant,
            kafka_enabled=True,
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.namespace_id = self.namespace.id
        self.fqdn = f"{self.namespace_name}.servicebus.windows.net"
        self._expose(self.namespace, self.namespace_name, "eventhubs")
        for spec in args.hubs:
            hub = eventhub.EventHub(
                self.child_name(f"hub-{spec.name}"),
                event_hub_name=spec.name,
                namespace_name=self.namespace.name,
                resource_group_name=placement.resource_group_name,
                partition_count=spec.partitions,
                message_retention_in_days=spec.retention_days,
                opts=self.child_opts(),
            )
            for group in spec.consumer_groups:
                eventhub.ConsumerGroup(
                    self.child_name(f"hub-{spec.name}-cg-{group}"),
                    consumer_group_name=group,
                    event_hub_name=hub.name,
                    namespace_name=self.namespace.name,
                    resource_group_name=placement.resource_group_name,
                    opts=self.child_opts(),
                )
        self._private_endpoints(self.namespace.id, ("namespace",), "evhns")
        self._diagnostics("evhns", self.namespace.id)
        self.register_outputs({"namespaceId": self.namespace_id, "fqdn": self.fqdn})

    def grant_send(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.EVENT_HUBS_DATA_SENDER, parent)

    def grant_receive(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.EVENT_HUBS_DATA_RECEIVER, parent)
