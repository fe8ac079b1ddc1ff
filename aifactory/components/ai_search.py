"""AiSearch: a SKU with private link, Entra-only (local auth disabled), no public access, private endpoint."""

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
from aifactory.services.search import SEARCH, SearchSettings, SearchSku
from aifactory.core.types import Qualifier


class AiSearchArgs(ComponentArgs):
    placement: InstanceOf[ServicePlacement]
    sku: SearchSku = "standard"
    """A SKU with private endpoints: ``free`` has none."""
    replicas: int = Field(default=1, ge=1, le=12)
    partitions: Literal[1, 2, 3, 4, 6, 12] = 1
    semantic_search: Literal["disabled", "free", "standard"] = "disabled"
    qualifier: Optional[Qualifier] = None
    settings: InstanceOf[ComponentSettings] = ComponentSettings()


class AiSearch(ServiceComponent):
    service_id: pulumi.Output[str]
    endpoint: str

    def __init__(self, name: str, args: AiSearchArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ai:AiSearch", name, args.placement, args.settings, opts)
        placement = args.placement
        self.service_name = placement.name(ResourceKind.AI_SEARCH, args.qualifier)
        self.service = AzureResource(
            "azure-native:search:Service",
            self.child_name("srch"),
            {
                "searchServiceName": self.service_name,
                "resourceGroupName": placement.resource_group_name,
                "location": placement.location,
                "sku": {"name": args.sku},
                "replicaCount": args.replicas,
                "partitionCount": args.partitions,
                "hostingMode": "Default",
                "disableLocalAuth": True,
                "publicNetworkAccess": "Disabled",
                "networkRuleSet": {"bypass": "AzureServices", "ipRules": []},
                "identity": {"type": "SystemAssigned"},
                "semanticSearch": args.semantic_search,
                "tags": self.tags,
            },
            self.child_opts(),
            outputs=("identity",),
        )
        self.service_id = self.service.id
        self.endpoint = f"https://{self.service_name}.search.windows.net"
        self._expose(self.service, self.service_name, "search")
        self._private_endpoints(self.service.id, SEARCH.endpoint_groups, args.qualifier or "srch")
        self._diagnostics("srch", self.service.id)
        self.register_outputs({"serviceId": self.service_id, "endpoint": self.endpoint})

    def grant_index_read(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.SEARCH_INDEX_DATA_READER, parent)

    def grant_index_write(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.SEARCH_INDEX_DATA_CONTRIBUTOR, parent)


def build(context: ServiceContext) -> BuiltService:
    settings: SearchSettings = context.settings
    search = AiSearch(
        context.name,
        AiSearchArgs(
            placement=context.placement,
            sku=settings.sku,
            replicas=settings.replicas,
            partitions=settings.partitions,
            semantic_search=settings.semantic_search,
            settings=context.component_settings,
        ),
        opts=context.opts(),
    )
    return BuiltService(search, {"endpoint": search.endpoint, "id": search.service_id})
