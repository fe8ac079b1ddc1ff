"""Azure AI Search: a SKU with private link, Entra ID only, private."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from aifactory.core.access import Persona, Role
from aifactory.core.naming import ResourceKind
from aifactory.core.spec import Footprint, NameClaim, ServiceSettings, ServiceSpec

SearchSku = Literal["basic", "standard", "standard2", "standard3", "storage_optimized_l1", "storage_optimized_l2"]
"""AI Search SKUs that support private endpoints (``free`` does not)."""


class SearchSettings(ServiceSettings):
    sku: SearchSku = "standard"
    replicas: int = Field(default=1, ge=1, le=12)
    partitions: Literal[1, 2, 3, 4, 6, 12] = 1
    semantic_search: Literal["disabled", "free", "standard"] = "disabled"


SEARCH = ServiceSpec(
    key="search",
    title="Azure AI Search",
    summary="A search service with private link (basic or higher), Entra ID only, private endpoint, managed identity",
    builder="aifactory.components.ai_search:build",
    abbreviation="srch",
    endpoint_groups=("searchService",),
    roles={
        Persona.OWNER: (Role.SEARCH_INDEX_DATA_CONTRIBUTOR,),
        Persona.MEMBER: (Role.SEARCH_INDEX_DATA_CONTRIBUTOR,),
        Persona.READER: (Role.SEARCH_INDEX_DATA_READER,),
        Persona.WORKLOAD: (Role.SEARCH_INDEX_DATA_READER,),
    },
    resource_types=("azure-native:search:Service",),
    diagnosed_types=("azure-native:search:Service",),
    settings=SearchSettings,
    defaults={"dev": {"sku": "basic", "replicas": 1}, "test": {"sku": "standard", "replicas": 1}, "prod": {"sku": "standard", "replicas": 3}},
    outputs={"endpoint": "the service's endpoint (https://<name>.search.windows.net)", "id": "the service's resource id"},
    names=(NameClaim(ResourceKind.AI_SEARCH),),
    footprint=Footprint(private_endpoints=1),
)
