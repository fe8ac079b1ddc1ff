"""AiSearch: non-free SKU, Entra-only (local auth disabled), no public access, private endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import search

from aifactory.access import Role
from aifactory.components.base import ComponentSettings
from aifactory.components.rbac import Grantee
from aifactory.components.service import ServiceComponent, ServicePlacement
from aifactory.naming import ResourceKind

PRIVATE_LINK_SKUS = ("basic", "standard", "standard2", "standard3", "storage_optimized_l1", "storage_optimized_l2")


@dataclass(frozen=True)
class AiSearchArgs:
    placement: ServicePlacement
    sku: str = "standard"
    replicas: int = 1
    partitions: int = 1
    semantic_search: str = "disabled"
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    def __post_init__(self) -> None:
        if self.sku == "free":
            raise ValueError("AI Search 'free' has no private endpoints; use basic or higher")
        if self.sku not in PRIVATE_LINK_SKUS:
            raise ValueError(f"unknown AI Search sku {self.sku!r}; use one of {', '.join(PRIVATE_LINK_SKUS)}")
        if not 1 <= self.replicas <= 12 or self.partitions not in (1, 2, 3, 4, 6, 12):
            raise ValueError("AI Search replicas are 1-12 and partitions one of 1, 2, 3, 4, 6, 12")
        if self.semantic_search not in ("disabled", "free", "standard"):
            raise ValueError("semantic_search is disabled, free or standard")


class AiSearch(ServiceComponent):
    service_id: pulumi.Output[str]
    endpoint: str

    def __init__(self, name: str, args: AiSearchArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("aifactory:ai:AiSearch", name, args.placement, args.settings, opts)
        placement = args.placement
        self.service_name = placement.name(ResourceKind.AI_SEARCH)
        self.service = search.Service(
            self.child_name("srch"),
            search_service_name=self.service_name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            sku=search.SkuArgs(name=args.sku),
            replica_count=args.replicas,
            partition_count=args.partitions,
            hosting_mode="default",
            disable_local_auth=True,
            public_network_access="disabled",
            network_rule_set=search.NetworkRuleSetArgs(bypass="AzureServices", ip_rules=[]),
            identity=search.IdentityArgs(type="SystemAssigned"),
            semantic_search=args.semantic_search,
            tags=self.tags,
            opts=self.child_opts(),
        )
        self.service_id = self.service.id
        self.endpoint = f"https://{self.service_name}.search.windows.net"
        self._expose(self.service, self.service_name, "search")
        self._private_endpoints(self.service.id, ("searchService",), "srch")
        self._diagnostics("srch", self.service.id)
        self.register_outputs({"serviceId": self.service_id, "endpoint": self.endpoint})

    def grant_index_read(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.SEARCH_INDEX_DATA_READER, parent)

    def grant_index_write(self, grantee: Grantee, parent: Optional[pulumi.Resource] = None) -> None:
        self.grant_role(grantee, Role.SEARCH_INDEX_DATA_CONTRIBUTOR, parent)
