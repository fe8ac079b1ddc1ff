"""EventHubs: a Standard-or-higher namespace, Entra-only, TLS 1.2, private, hubs and consumer groups."""

from __future__ import annotations

from typing import Literal, Optional

import pulumi
from pydantic import Field, InstanceOf

from aifactory.components.arm import AzureResource
from aifactory.components.base import ComponentArgs, ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import BuiltService, ServiceComponent, ServiceContext, ServicePlacement
from aifactory.core.access import Role
from aifactory.core.naming import ResourceKind
from aifactory.core.types import StrictFlag
from aifactory.services.eventhubs import EVENTHUBS, EventHubList, EventHubsSettings


class EventHubsArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    sku: Literal["Standard", "Premium"] = "Standard"
    """Standard or higher: Basic has neither private endpoints nor consumer groups."""
    capacity: int = Field(default=1, ge=1, le=40)
    zone_redundant: StrictFlag = False
    hubs: EventHubList = ()
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class EventHubs(ServiceComponent):
    namespace_id: pulumi.Output[str]

    def __init__(self, name: str, args: EventHubsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:streaming:EventHubs", name, args.placement, args.settings, opts)
        placement = args.placement
        self.namespace_name = placement.name(ResourceKind.EVENT_HUBS_NAMESPACE)
        self.namespace = AzureResource(
            "azure-native:eventhub:Namespace",
            self.child_name("evhns"),
            {
                "namespaceName": self.namespace_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "sku": {"name": args.sku, "tier": args.sku, "capacity": args.capacity},
                "disableLocalAuth": True,
                "minimumTlsVersion": "1.2",
                "publicNetworkAccess": "Disabled",
                "zoneRedundant": args.zone_redundant,
                "kafkaEnabled": True,
                "tags": self.tags,
            },
            self.child_opts(),
        )
        self.namespace_id = self.namespace.id
        self.fqdn = f"{self.namespace_name}.servicebus.windows.net"
        self._expose(self.namespace, self.namespace_name, "eventhubs")
        for spec in args.hubs:
            hub = AzureResource(
                "azure-native:eventhub:EventHub",
                self.child_name(f"hub-{spec.name}"),
                {
                    "eventHubName": spec.name,
                    "namespaceName": self.namespace.name,
                    "resourceGroupName": placement.resource_group_name,
                    "partitionCount": spec.partitions,
                    "messageRetentionInDays": spec.retention_days,
                },
                self.child_opts(),
            )
            for group in spec.consumer_groups:
                AzureResource(
                    "azure-native:eventhub:ConsumerGroup",
                    self.child_name(f"hub-{spec.name}-cg-{group}"),
                    {
                        "consumerGroupName": group,
                        "eventHubName": hub.name,
                        "namespaceName": self.namespace.name,
                        "resourceGroupName": placement.resource_group_name,
                    },
                    self.child_opts(),
                )
        self._private_endpoints(self.namespace.id, EVENTHUBS.endpoint_groups, "evhns")
        self._diagnostics("evhns", self.namespace.id)
        self.register_outputs({"namespaceId": self.namespace_id, "fqdn": self.fqdn})

    def grant_send(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.EVENT_HUBS_DATA_SENDER, parent)

    def grant_receive(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.EVENT_HUBS_DATA_RECEIVER, parent)


def build(context: ServiceContext) -> BuiltService:
    settings: EventHubsSettings = context.settings
    hubs = EventHubs(
        context.name,
        EventHubsArgs(
            placement=context.placement,
            sku=settings.sku,
            capacity=settings.capacity,
            zone_redundant=context.profile.zone_redundant,
            hubs=settings.hubs,
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    return BuiltService(hubs, {"namespace": hubs.fqdn, "id": hubs.namespace_id})
